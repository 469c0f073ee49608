/**
 * The daemon: state store + engine + HTTP server, started and stopped as one. `tokokommo serve`, the sandbox and
 * the end-to-end tests all run this, so what the tests prove is what production runs.
 *
 * Shutdown order (SIGTERM): stop accepting webhooks (the server stops listening; requests in flight finish and
 * are committed), stop sweeping and claiming, let running jobs finish within the grace period and release the
 * rest (their leases would expire anyway), then close the database.
 */

import { downloadMedia } from "../bridge/download-media.js";
import { BridgeEngine, type EngineOptions } from "../bridge/engine.js";
import { SqliteEngineStore } from "../bridge/sqlite-engine-store.js";
import type { Config } from "../config/index.js";
import { parseKommoWebhook, verifyKommoWebhook } from "../kommo/index.js";
import { currentExchange, type Exchange, setExchange } from "../net/exchange.js";
import { defaultWorkerScript, WorkerExchange } from "../net/worker-transport.js";
import { createHttpServer, listen, type RunningServer } from "../server/http-server.js";
import { bridgeRoutes, type ReadinessCheck } from "../server/routes.js";
import { nextRetryAt, openStore, RETRY_BUDGET, type Store, startRetention } from "../store/index.js";
import { buildTopology } from "./topology-from-config.js";

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
  > & { baseRetryMs?: number; maxRetryMs?: number; retentionFirstDelayMs?: number };
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
  // lock: one daemon per state file (TK_ERR_STATE_LOCKED for a second one; released when this process ends).
  const store = openStore(o.statePath ?? config.statePath, { lock: true });
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
  const closeHttp = async () => {
    if (!http) return;
    // Put back what was there, unless someone replaced the worker's exchange meanwhile.
    if (previousExchange && currentExchange() === http.exchange) setExchange(previousExchange);
    await http.close();
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
      pollIntervalMs: config.sync.pollIntervalSeconds * 1000,
      attachments: config.attachments,
      download: (url) => downloadMedia(url),
      retryBudget,
      ...(tuning.concurrency !== undefined ? { concurrency: tuning.concurrency } : {}),
      ...(tuning.perShopConcurrency !== undefined ? { perShopConcurrency: tuning.perShopConcurrency } : {}),
      ...(tuning.leaseMs !== undefined ? { leaseMs: tuning.leaseMs } : {}),
      ...(tuning.initialLookbackMs !== undefined ? { initialLookbackMs: tuning.initialLookbackMs } : {}),
      ...(tuning.now ? { now: tuning.now } : {}),
      ...(o.log ? { log: o.log } : {}),
    });
    const readiness = (): ReadinessCheck[] => {
      const checks: ReadinessCheck[] = [{ name: "state", ok: store.db.open }];
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
        onError: (err) => o.log?.("error", "request handler failed", { error: String(err) }),
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
        o.log?.("warn", "pruning the state file failed; the next pass retries", { error: String(err) }),
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
          await engine.stop(graceMs);
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
