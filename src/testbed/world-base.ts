/** What every testbed (one marketplace simulator plus the Kommo simulator) shares. */
import { rmSync } from "node:fs";
import type { Config } from "../config/index.js";
import type { KommoSimulator } from "../sim/kommo/index.js";

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
