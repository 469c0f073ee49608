/** Library entry: what other programs, the benchmarks and integrators may import from tokokommo. */

export { type Config, loadConfig, saveConfig, validateConfig } from "./config/index.js";
export { type DaemonOptions, type RunningDaemon, startDaemon } from "./daemon/daemon.js";
export * from "./errors/index.js";
export { KommoChatsClient, KommoRestClient, signAmojoRequest } from "./kommo/index.js";
export { startKommoSimulator } from "./sim/kommo/index.js";
export { startTikTokShopSim } from "./sim/tiktokshop/index.js";
export { startTokopediaSim } from "./sim/tokopedia/index.js";
export { TikTokShopClient, TikTokShopSource } from "./sources/tiktokshop/index.js";
export { TokopediaClient, TokopediaSource } from "./sources/tokopedia/index.js";
export { openStore, Pruner, Store } from "./store/index.js";
export { startTestbed, TESTBED_WEBHOOK_SECRET, type Testbed } from "./testbed/tokopedia.js";
export { version } from "./version.js";
