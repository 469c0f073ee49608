/**
 * The daemon: state store + engine + HTTP server, started and stopped as one. `tokokommo serve`, the sandbox and
 * the end-to-end tests all run this, so what the tests prove is what production runs.
 *
 * Shutdown order (SIGTERM): stop accepting webhooks (the server stops listening; requests in flight finish and
 * are committed), stop sweeping and claiming, let running jobs finish within the grace period and release the
 * rest (their leases would expire anyway), then close the database.
 */

import { downloadMedia, mediaAllowsPrivateNetworks } from "../bridge/download-media.js";
import { BridgeEngine, type EngineOptions } from "../bridge/engine.js";
import { SqliteEngineStore } from "../bridge/sqlite-engine-store.js";
import { stateWriteCode } from "../bridge/state-health.js";
import type { Config } from "../config/index.js";
import { parseKommoWebhook, verifyKommoWebhook } from "../kommo/index.js";
import { abortDirectExchanges, currentExchange, type Exchange, setExchange } from "../net/exchange.js";
import { defaultWorkerScript, WorkerExchange } from "../net/worker-transport.js";
import { createHttpServer, listen, type RunningServer } from "../server/http-server.js";
import { bridgeRoutes, type ReadinessCheck } from "../server/routes.js";
import { nextRetryAt, openStore, RETRY_BUDGET, type Store, startRetention } from "../store/index.js";
import { buildTopology } from "./topology-from-config.js";

/** How long a write waits for another connection's write lock before SQLITE_BUSY. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/**
 * The same while writes are being refused for a lock. A write waiting on the lock holds the main thread (SQLite
 * waits synchronously): with the full timeout on every write, a long lock would leave webhooks and probes
 * unanswered for seconds at a time, and Kommo gives up on a webhook after 5 s. After the first refusal each write
 * tries briefly, so the daemon keeps answering (503) and still sees the lock go within this time.
 */
const REFUSING_BUSY_TIMEOUT_MS = 200;

export type DaemonLog = (
  level: "info" | "warn" | "error",
  msg: string,
  details?: Record<string, unknown>,
) => void;

export interface DaemonOptions {
  config: Config;
  /** Overrides config.statePath. */
  statePath?: string;
  host?: string;
  port?: number;
  log?: DaemonLog;
  /**
   * Run the HTTP exchanges with Kommo and the marketplaces on a worker thread (net/worker-transport.ts): the
   * built dist/http-worker.js, or this script. `tokokommo serve` turns it on; in-process embeddings (the sandbox,
   * tests) leave it off. It changes this process's exchange setting until stop().
   */
  httpWorker?: boolean | URL;
  /** Engine tuning for tests and benchmarks. */
  engine?: Partial<
    Pick<
      EngineOptions,
      "concurrency" | "perShopConcurrency" | "retryBudget" | "leaseMs" | "initialLookbackMs" | "now"
    >
  > & {
    baseRetryMs?: number;
    maxRetryMs?: number;
    /** Overrides sync.pollIntervalSeconds (whose floor is 5 s) with milliseconds: tests of the sweep loop. */
    pollIntervalMs?: number;
    /** How long a write waits for another connection's lock before SQLITE_BUSY (default: the store's 5 s). */
    busyTimeoutMs?: number;
    /** Delay before the first pruning pass (default about a minute): tests of retention. */
    retentionFirstDelayMs?: number;
  };
}

export interface RunningDaemon {
  url: string;
  port: number;
  engine: BridgeEngine;
  store: Store;
  server: RunningServer;
  /** Graceful stop; resolves when the database is closed. */
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const { config } = o;
  const busyTimeoutMs = o.engine?.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  // lock: one daemon per state file (TK_ERR_STATE_LOCKED for a second one; released when this process ends).
  const store = openStore(o.statePath ?? config.statePath, { busyTimeoutMs, lock: true });
  const http = o.httpWorker
    ? new WorkerExchange(o.httpWorker === true ? defaultWorkerScript() : o.httpWorker, {
        onLost: (why, failed) =>
          o.log?.("error", "the HTTP worker thread died or hung; a new one starts with the next call", {
            code: "TK_ERR_HTTP_WORKER_LOST",
            error: why,
            failedCalls: failed,
            fix: "Nothing to do if it is rare: the failed calls are retried. If it repeats, report it with this log.",
          }),
      })
    : undefined;
  let previousExchange: Exchange | undefined;
  // Aborts what jobs still wait on (media downloads) once stop()'s grace period is over: a download from a
  // slow host must not keep the process alive after it stopped.
  const halt = new AbortController();
  const closeHttp = async () => {
    if (!http) return;
    // Put back what was there, unless someone replaced the worker's exchange meanwhile.
    if (previousExchange && currentExchange() === http.exchange) setExchange(previousExchange);
    await http.close();
    // The process is ours (serve): calls still on this thread (through a proxy dispatcher) end now too.
    abortDirectExchanges();
  };
  try {
    if (http) {
      await http.start();
      previousExchange = setExchange(http.exchange);
    }
    const retryBudget = o.engine?.retryBudget ?? RETRY_BUDGET;
    const engineStore = new SqliteEngineStore(store, retryBudget);
    const topology = buildTopology(config, {
      tokenStore: store.tokens,
      tokenKeys: (prefix) => store.tokens.keys(prefix),
      callCounts: store.callCounts,
    });
    const tuning = o.engine ?? {};
    const engine = new BridgeEngine({
      store: engineStore,
      topology,
      kommoHooks: {
        verify: verifyKommoWebhook,
        parse: (raw) => {
          const hook = parseKommoWebhook(raw);
          return hook.kind === "message" ? hook : { kind: "other" };
        },
      },
      nextRetryAt: (t) =>
        nextRetryAt({
          ...t,
          ...(tuning.baseRetryMs !== undefined ? { baseMs: tuning.baseRetryMs } : {}),
          ...(tuning.maxRetryMs !== undefined ? { maxMs: tuning.maxRetryMs } : {}),
        }),
      mode: config.sync.mode,
      pollIntervalMs: tuning.pollIntervalMs ?? config.sync.pollIntervalSeconds * 1000,
      attachments: config.attachments,
      download: (url) =>
        downloadMedia(url, {
          allowPrivateNetworks: mediaAllowsPrivateNetworks(config.media),
          signal: halt.signal,
        }),
      retryBudget,
      ...(tuning.concurrency !== undefined ? { concurrency: tuning.concurrency } : {}),
      ...(tuning.perShopConcurrency !== undefined ? { perShopConcurrency: tuning.perShopConcurrency } : {}),
      ...(tuning.leaseMs !== undefined ? { leaseMs: tuning.leaseMs } : {}),
      ...(tuning.initialLookbackMs !== undefined ? { initialLookbackMs: tuning.initialLookbackMs } : {}),
      ...(tuning.now ? { now: tuning.now } : {}),
      ...(o.log ? { log: o.log } : {}),
      orderNotes: store.orderNotes,
      onStateWritable: (failure) => {
        const ms =
          failure?.code === "TK_ERR_STATE_BUSY"
            ? Math.min(REFUSING_BUSY_TIMEOUT_MS, busyTimeoutMs)
            : busyTimeoutMs;
        if (store.db.open) store.db.pragma(`busy_timeout = ${ms}`);
      },
    });
    const readiness = (): ReadinessCheck[] => {
      const checks: ReadinessCheck[] = [{ name: "state", ok: store.db.open }];
      // From the daemon's own last write (no probe write): not ready from a refused write to the next commit.
      const refused = engine.state.lastFailure;
      checks.push({
        name: "state writable",
        ok: refused === undefined,
        ...(refused ? { detail: `${refused.code} since ${new Date(refused.since).toISOString()}` } : {}),
      });
      for (const s of store.shopStatus.listShopStatus()) {
        checks.push({
          name: `shop ${s.source}:${s.shopId}`,
          ok: s.healthy,
          ...(s.healthy ? {} : { detail: `${s.lastErrorCode ?? ""} ${s.lastError ?? ""}`.trim() }),
        });
      }
      return checks;
    };
    const server = await listen(
      createHttpServer({
        router: bridgeRoutes({ engine, readiness }),
        onError: (err) =>
          o.log?.("error", "request handler failed (answered 500)", {
            code: "TK_ERR_INTERNAL",
            error: String(err),
          }),
      }),
      o.host ?? config.server.host,
      o.port ?? config.server.port,
    );
    await engine.start();
    // Finished history older than retention.days leaves the state file: hourly, in small batches (retention.ts).
    const retention = startRetention(store, {
      days: config.retention.days,
      ...(tuning.now ? { now: tuning.now } : {}),
      ...(tuning.retentionFirstDelayMs !== undefined ? { firstDelayMs: tuning.retentionFirstDelayMs } : {}),
      onPruned: (counts) => o.log?.("info", "pruned old history from the state file", { ...counts }),
      onError: (err) =>
        o.log?.("warn", "pruning the state file failed; the next pass retries", {
          code: stateWriteCode(err) ?? "TK_ERR_STATE_QUEUE",
          error: String(err),
        }),
    });
    o.log?.("info", "tokokommo is serving", {
      url: server.url,
      shops: config.shops.length,
      mode: config.sync.mode,
    });
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      engine,
      store,
      server,
      stop: (graceMs = 5_000) => {
        stopping ??= (async () => {
          await server.close();
          try {
            await engine.stop(graceMs);
          } catch (err) {
            // Releasing the unfinished jobs failed (the state file locked or full): their leases run out and
            // the next start runs them. The shutdown itself goes on, so the file is closed cleanly.
            o.log?.("error", "could not release unfinished jobs at shutdown; the next start runs them", {
              code: stateWriteCode(err) ?? "TK_ERR_STATE_QUEUE",
              error: err instanceof Error ? err.message : String(err),
            });
          }
          halt.abort();
          await retention.stop();
          await closeHttp(); // after the engine: jobs still running when it stopped were waiting on it
          store.close();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await closeHttp();
    store.close();
    throw err;
  }
}
