/**
 * The in-process daemon of the end-to-end tests: the code `serve` runs, on a free port, with its retries
 * compressed to milliseconds, and the testbed's platforms (webhooks, Kommo's channel hook) pointed at it. Also the
 * small picture server the reply tests attach from.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import type { Config } from "../../src/config/index.js";
import { type DaemonOptions, type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import type { StateBackend } from "./state-backends.js";

/** Backoff of the daemon's jobs in these tests: 50 ms doubling up to 500 ms (hours in production). */
export const FAST_RETRIES = { baseRetryMs: 50, maxRetryMs: 500 } as const;

/** What a testbed offers the daemon: the config it runs on, and pointing the platforms at it. */
export interface DaemonBed {
  config: Config;
  connectDaemon(daemonUrl: string): Promise<void>;
}

/**
 * Starts the daemon on `bed`'s config (options override; `engine` is merged over FAST_RETRIES) and connects the
 * testbed's platforms to it.
 */
export async function startConnectedDaemon(
  bed: DaemonBed,
  o: Partial<Omit<DaemonOptions, "port">> = {},
): Promise<RunningDaemon> {
  const daemon = await startDaemon({
    config: bed.config,
    port: 0,
    ...o,
    engine: { ...FAST_RETRIES, ...o.engine },
  });
  await bed.connectDaemon(daemon.url);
  return daemon;
}

/** Stops the daemon, then closes its testbed; either may be missing when the set-up failed half way. */
export async function stopDaemonAndBed(
  daemon: RunningDaemon | undefined,
  bed: { close(): Promise<void> } | undefined,
): Promise<void> {
  await daemon?.stop();
  await bed?.close();
}

/** The testbed and daemon of a describe block (read them inside its tests or later hooks). */
export interface BlockDaemon<B> {
  readonly bed: B;
  readonly daemon: RunningDaemon;
  /** The daemon's state location on the block's backend. */
  readonly statePath: string;
}

/**
 * Call in a `describe.each(STATE_BACKENDS)` block: before its tests, the testbed `startBed` makes and a daemon
 * connected to it (startConnectedDaemon with `o`) keeping its state on `backend`; after them both stopped.
 */
export function connectedDaemonPerBlock<B extends DaemonBed & { statePath: string; close(): Promise<void> }>(
  backend: StateBackend,
  startBed: () => Promise<B>,
  o: Partial<Omit<DaemonOptions, "port" | "statePath">> = {},
): BlockDaemon<B> {
  const statePathFor = backend.use();
  let started: { bed: B; daemon?: RunningDaemon; statePath?: string } | undefined;
  beforeAll(async () => {
    started = { bed: await startBed() };
    started.statePath = await statePathFor(started.bed);
    started.daemon = await startConnectedDaemon(started.bed, { ...o, statePath: started.statePath });
  });
  afterAll(() => stopDaemonAndBed(started?.daemon, started?.bed));
  const read = () => {
    if (!started?.daemon || started.statePath === undefined)
      throw new Error("connectedDaemonPerBlock: the daemon is not started yet (read it inside a test)");
    return started as Required<typeof started>;
  };
  return {
    get bed() {
      return read().bed;
    },
    get daemon() {
      return read().daemon;
    },
    get statePath() {
      return read().statePath;
    },
  };
}

/** A 1×1 PNG, the picture a manager attaches in Kommo. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);

/** Serves PNG at `path` over loopback (404 elsewhere); `url` is the server's origin. */
export async function startPictureServer(path: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === path) res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
