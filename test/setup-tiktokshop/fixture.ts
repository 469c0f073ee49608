/** A config pointing at a TikTok Shop simulator, and a fresh state file, for the setup and doctor tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, validateConfig } from "../../src/config/index.js";
import type { TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { openStore, type Store } from "../../src/store/index.js";

export interface SetupFixture {
  dir: string;
  configPath: string;
  config: Config;
  store: Store;
  cleanup(): void;
}

export function makeConfig(sim: TikTokShopSim, dir: string, extra: Record<string, unknown> = {}): Config {
  const raw = {
    version: 1,
    server: { publicUrl: "https://bridge.example.com" },
    statePath: join(dir, "state.db"),
    tokopedia: { apps: [{ name: "main", fsId: 13004, clientId: "cid", clientSecret: "csecret" }] },
    tiktokshop: {
      apps: [{ name: "tts", appKey: sim.appKey, appSecret: sim.appSecret, serviceId: sim.serviceId }],
    },
    kommo: {
      accounts: ["acme", "beta"].map((name, i) => ({
        name,
        subdomain: name,
        amojoId: `amojo-${i}`,
        auth: { longLivedToken: `tok-${i}` },
        channel: { id: `chan-${i}`, secret: `sec-${i}` },
        scopeId: `chan-${i}_amojo-${i}`,
      })),
    },
    shops: [{ shopId: 481154, app: "main", kommoAccount: "acme" }],
    endpoints: { tiktokshopAuth: sim.url, tiktokshopApi: sim.url },
    ...extra,
  };
  return validateConfig(raw, {}, { configPath: join(dir, "config.json") });
}

export function makeSetup(sim: TikTokShopSim, extra: Record<string, unknown> = {}): SetupFixture {
  const dir = mkdtempSync(join(tmpdir(), "tk-ttssetup-"));
  const config = makeConfig(sim, dir, extra);
  const store = openStore(config.statePath);
  return {
    dir,
    configPath: join(dir, "config.json"),
    config,
    store,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
