/** What every testbed (one marketplace simulator plus the Kommo simulator) shares. */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type Config, saveConfig, validateConfig } from "../config/index.js";
import type { KommoSimulator } from "../sim/kommo/index.js";
import type { KommoWorld } from "./kommo-world.js";

export interface TestbedBase {
  kommo: KommoSimulator;
  scopeId: string;
  accountId: number;
  config: Config;
  configPath: string;
  statePath: string;
  dir: string;
  /** Points the platforms' webhooks at a running daemon (the marketplace's webhook URL, Kommo's channel hook). */
  connectDaemon(daemonUrl: string): Promise<void>;
  close(): Promise<void>;
}

/** Closes the simulators and removes the testbed's folder unless the caller gave it (`ownDir`: a temp folder). */
export async function tearDown(
  sims: { close(): Promise<void> }[],
  dir: string,
  ownDir: boolean,
): Promise<void> {
  await Promise.allSettled(sims.map((s) => s.close()));
  if (ownDir) rmSync(dir, { recursive: true, force: true });
}

/** Where a testbed in `dir` keeps its config file and its state file. */
export function testbedPaths(dir: string): { configPath: string; statePath: string } {
  return { configPath: join(dir, "config.json"), statePath: join(dir, "state.db") };
}

/**
 * The fields every testbed shares, for one in `dir` with `marketplace`'s simulator: connectDaemon points the
 * marketplace's webhook at the daemon (`connectMarketplace`), then Kommo's channel hook; close closes both
 * simulators and removes `dir` when the testbed made it (`ownDir`).
 */
export function testbedBase(o: {
  kommo: KommoSimulator;
  world: KommoWorld;
  config: Config;
  dir: string;
  ownDir: boolean;
  marketplace: { close(): Promise<void> };
  connectMarketplace(daemonUrl: string): void;
}): TestbedBase {
  return {
    kommo: o.kommo,
    scopeId: o.world.scopeId,
    accountId: o.world.accountId,
    config: o.config,
    ...testbedPaths(o.dir),
    dir: o.dir,
    async connectDaemon(daemonUrl) {
      o.connectMarketplace(daemonUrl);
      o.world.connectDaemon(daemonUrl);
    },
    close: () => tearDown([o.marketplace, o.kommo], o.dir, o.ownDir),
  };
}

/** The options of a testbed that shape its config file, the same for every marketplace. */
export interface TestbedConfigOptions {
  mode?: "webhook" | "poll" | "hybrid";
  pollIntervalSeconds?: number;
  attachments?: "reject" | "link";
  /** Extra keys for every shop's config entry (e.g. `{ autoAccept: true }`). */
  shopSettings?: Record<string, unknown>;
  /**
   * `jobs.leaseSeconds`: the tests that SIGKILL the built binary set a short lease, so the restarted daemon takes
   * the dead process's jobs over without waiting out the default.
   */
  jobLeaseSeconds?: number;
}

/** The marketplace's part of a testbed's config: its apps, its shops (without the Kommo account) and endpoints. */
export interface MarketplaceConfig {
  tokopedia: { apps: Record<string, unknown>[] };
  tiktokshop?: { apps: Record<string, unknown>[] };
  shops: Record<string, unknown>[];
  endpoints: Record<string, string>;
}

/**
 * Writes (and returns) the config file of a testbed: the daemon on a free loopback port, the marketplace's part,
 * every shop on the world's Kommo account, and the simulators' URLs.
 */
export function writeTestbedConfig(
  configPath: string,
  statePath: string,
  o: TestbedConfigOptions,
  world: KommoWorld,
  marketplace: MarketplaceConfig,
): Config {
  const raw = {
    version: 1,
    // The daemon listens on a free port; connectDaemon() tells the platforms where it is.
    server: { host: "127.0.0.1", port: 0, publicUrl: "http://127.0.0.1" },
    statePath,
    sync: { mode: o.mode ?? "hybrid", pollIntervalSeconds: o.pollIntervalSeconds ?? 30 },
    ...(o.jobLeaseSeconds !== undefined ? { jobs: { leaseSeconds: o.jobLeaseSeconds } } : {}),
    tokopedia: marketplace.tokopedia,
    ...(marketplace.tiktokshop ? { tiktokshop: marketplace.tiktokshop } : {}),
    kommo: { accounts: [world.configAccount] },
    shops: marketplace.shops.map((shop) => ({ ...shop, kommoAccount: "acme", ...o.shopSettings })),
    attachments: o.attachments ?? "reject",
    // The simulators serve attachments from 127.0.0.1, which the default media policy refuses.
    media: { allowPrivateNetworks: true },
    endpoints: { ...marketplace.endpoints, ...world.configEndpoints },
  };
  const config = validateConfig(raw, {}, { configPath });
  saveConfig(configPath, config);
  return config;
}
