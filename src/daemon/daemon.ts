/**
 * The daemon: state store + engine + HTTP server, started and stopped as one. `tokokommo serve`, the sandbox and
 * the end-to-end tests all run this, so what the tests prove is what production runs.
 *
 * Shutdown order (SIGTERM): stop accepting webhooks (the server stops listening; requests in flight finish and
 * are committed), stop sweeping and claiming, let running jobs finish within the grace period and release the
 * rest (their leases would expire anyway), then close the database.
 */

import type { BridgeEngine, EngineOptions, TopologyChange } from "../bridge/engine.js";
import { retryLeadSources, routingCard, syncLeadSources } from "../bridge/lead-sources.js";
import { stateWriteCode } from "../bridge/state-health.js";
import { type ShopBinding, Topology } from "../bridge/topology.js";
import type { Config } from "../config/index.js";
import type { Env } from "../config/secrets.js";
import { abortDirectExchanges, currentExchange, type Exchange, setExchange } from "../net/exchange.js";
import { defaultWorkerScript, WorkerExchange } from "../net/worker-transport.js";
import { createHttpServer, listen, type RunningServer } from "../server/http-server.js";
import { bridgeRoutes } from "../server/routes.js";
import { RETRY_BUDGET, type RetentionTimer, type Store } from "../store/index.js";
import { ConfigReloader, type DaemonLog } from "./config-reload.js";
import type { DaemonState } from "./daemon-state.js";
import { engineFromConfig, readinessOf } from "./engine-from-config.js";
import { openDaemonState } from "./open-daemon-state.js";
import { type ReplicaWiring, replicaWiring } from "./replica-wiring.js";
import { type DaemonRuntime, localUrl, type ReloadOutcome, removeRuntime } from "./runtime-file.js";
import { type BindingCache, buildBindings } from "./topology-from-config.js";

/** How long a write waits for another connection's write lock before SQLITE_BUSY. */
const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export type { DaemonLog } from "./config-reload.js";

export interface DaemonOptions {
  config: Config;
  /**
   * The config file `config` was read from, with the hash of its bytes (config-reload.ts): the daemon then
   * reloads it on reload() (serve sends SIGHUP there) and, unless watchConfig is false, when the file changes,
   * and keeps a runtime card next to the state file (runtime-file.ts).
   */
  configFile?: { path: string; hash: string; env: Env; watch?: boolean };
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
      | "concurrency"
      | "perShopConcurrency"
      | "retryBudget"
      | "leaseMs"
      | "initialLookbackMs"
      | "now"
      | "leadAcceptanceCheckMs"
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
    /** The reply-time guard's clock and tick (default the wall clock and a minute): tests move the clock on. */
    guardNow?: () => number;
    guardTickMs?: number;
    /** A replica's heartbeat and shop-lease tick on PostgreSQL (default 5 s): tests of handovers between replicas. */
    replicaTickMs?: number;
  };
}

export interface RunningDaemon {
  url: string;
  port: number;
  engine: BridgeEngine;
  /** The daemon's state, on whichever backend statePath names. */
  state: DaemonState;
  /** The SQLite store (tests); throws on PostgreSQL, which has none. */
  readonly store: Store;
  server: RunningServer;
  /** Reads the config file again and applies it (configFile only; otherwise resolves undefined). */
  reload(): Promise<ReloadOutcome | undefined>;
  /** Graceful stop; resolves when the database is closed. */
  stop(graceMs?: number): Promise<void>;
}

export async function startDaemon(o: DaemonOptions): Promise<RunningDaemon> {
  const { config } = o;
  const state = await openDaemonState(o.statePath ?? config.statePath, {
    busyTimeoutMs: o.engine?.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    retryBudget: o.engine?.retryBudget ?? RETRY_BUDGET,
    ...(o.log ? { log: o.log } : {}),
  });
  // Aborts what jobs still wait on (media downloads) once stop()'s grace period is over: a download from a
  // slow host must not keep the process alive after it stopped.
  const halt = new AbortController();
  const http = httpWorker(o);
  let replica: ReplicaWiring | undefined;
  try {
    await http.start();
    const wired = await wireEngine(o, state, halt.signal);
    const { engine, bindingsOf, card } = wired;
    replica = wired.replica;
    const server = await listen(
      createHttpServer({
        router: bridgeRoutes({ engine, readiness: readinessOf(state, engine) }),
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
    // After the start-up sweep (which, holding no lease yet, sweeps nothing): each lease taken sweeps its shop.
    await replica?.start();
    const retention = startPruning(o, state);
    const reloader =
      o.configFile &&
      startReloader(o, o.configFile, state.cardPath, localUrl(o.host ?? config.server.host, server.port), {
        apply: async (next) => engine.reconfigure(await bindingsOf(next)),
        routing: card.routing,
      });
    card.refresh = () => reloader?.refreshCard();
    o.log?.("info", "tokokommo is serving", {
      url: server.url,
      shops: config.shops.length,
      mode: config.sync.mode,
      state: state.kind,
      ...(replica ? { replica: replica.hooks.leases.identity.id } : {}),
    });
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      engine,
      state,
      get store(): Store {
        if (!state.sqlite) throw new Error("this daemon's state is in PostgreSQL: it has no SQLite store");
        return state.sqlite;
      },
      server,
      reload: async () => (stopping ? undefined : reloader?.reload()),
      stop: (graceMs = 5_000) => {
        stopping ??= stopInOrder(
          { o, reloader, server, engine, retention, http, state, halt, replica },
          graceMs,
        );
        return stopping;
      },
    };
  } catch (err) {
    halt.abort();
    await replica?.stop();
    await http.close();
    await state.close();
    throw err;
  }
}

/**
 * The engine over the state and the config's topology, with a replica's cluster hooks when the state is shared
 * (PostgreSQL): the token store under the cluster's refresh lock, the shared budgets, sweeps under shop leases.
 */
async function wireEngine(o: DaemonOptions, state: DaemonState, halt: AbortSignal) {
  const { config } = o;
  const late: { engine?: BridgeEngine } = {};
  const topologyShops = { all: (): ShopBinding[] => [] };
  const replica = state.coordinator
    ? replicaWiring(state.coordinator, {
        shops: () => topologyShops.all(),
        taken: (shops) => late.engine?.poller.sweepNow(shops),
        ...(o.log ? { log: o.log } : {}),
        ...(o.engine?.replicaTickMs !== undefined ? { tickMs: o.engine.replicaTickMs } : {}),
      })
    : undefined;
  const topologyDeps = {
    tokenStore: replica ? replica.hooks.tokenStore(state.tokens) : state.tokens,
    tokenKeys: (prefix: string) => state.tokenKeys(prefix),
    callCounts: state.callCounts,
    ...(replica ? { shared: replica } : {}),
  };
  const bindingCache: BindingCache = new Map();
  const bindingsOf = (c: Config) => syncedBindings(c, topologyDeps, bindingCache, o.log);
  const topology = new Topology(await bindingsOf(config));
  topologyShops.all = () => topology.allShops();
  // The runtime card says each account's routing (status reads it); a retried sync rewrites it.
  const card = { refresh: (): void => undefined, routing: () => routingCard(topology.allShops()) };
  retryLeadSources(() => topology.allShops(), halt, { log: o.log, onSynced: () => card.refresh() });
  const tuning = o.engine ?? {};
  const engine = engineFromConfig({
    config,
    state,
    topology,
    tuning,
    halt,
    ...(o.log ? { log: o.log } : {}),
    ...(replica ? { sweepsShop: replica.hooks.sweepsShop } : {}),
  });
  late.engine = engine;
  return { engine, bindingsOf, card, replica };
}

/**
 * The shop bindings of a config with the Kommo lead sources of routed shops made to match (lead-sources.ts): at
 * start, before any delivery, so a shop's first chats already carry its source; and on every reload.
 */
async function syncedBindings(
  config: Config,
  deps: Parameters<typeof buildBindings>[1],
  cache: BindingCache,
  log: DaemonLog | undefined,
): Promise<ShopBinding[]> {
  const bindings = buildBindings(config, deps, cache);
  await syncLeadSources(bindings, log);
  return bindings;
}

/**
 * The HTTP exchanges on a worker thread (o.httpWorker), set as this process's exchange between start() and
 * close(); without it both do nothing.
 */
function httpWorker(o: DaemonOptions): { start(): Promise<void>; close(): Promise<void> } {
  if (!o.httpWorker) return { start: async () => undefined, close: async () => undefined };
  const http = new WorkerExchange(o.httpWorker === true ? defaultWorkerScript() : o.httpWorker, {
    onLost: (why, failed) =>
      o.log?.("error", "the HTTP worker thread died or hung; a new one starts with the next call", {
        code: "TK_ERR_HTTP_WORKER_LOST",
        error: why,
        failedCalls: failed,
        fix: "Nothing to do if it is rare: the failed calls are retried. If it repeats, report it with this log.",
      }),
  });
  let previous: Exchange | undefined;
  return {
    async start() {
      await http.start();
      previous = setExchange(http.exchange);
    },
    async close() {
      // Put back what was there, unless someone replaced the worker's exchange meanwhile.
      if (previous && currentExchange() === http.exchange) setExchange(previous);
      await http.close();
      // The process is ours (serve): calls still on this thread (through a proxy dispatcher) end now too.
      abortDirectExchanges();
    },
  };
}

/** Reloads of the config file (config-reload.ts), with the runtime card next to the state file. */
function startReloader(
  o: DaemonOptions,
  file: NonNullable<DaemonOptions["configFile"]>,
  statePath: string,
  url: string,
  how: { apply: (config: Config) => Promise<TopologyChange>; routing: () => DaemonRuntime["routing"] },
): ConfigReloader {
  return new ConfigReloader({
    configPath: file.path,
    env: file.env,
    initial: { config: o.config, hash: file.hash },
    apply: how.apply,
    routing: how.routing,
    statePath,
    card: { pid: process.pid, url, configPath: file.path, startedAt: new Date().toISOString() },
    ...(file.watch !== undefined ? { watch: file.watch } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
}

/** Finished history older than retention.days leaves the state: hourly, in small batches (retention.ts). */
function startPruning(o: DaemonOptions, state: DaemonState): RetentionTimer {
  return state.startRetention({
    days: o.config.retention.days,
    ...(o.engine?.now ? { now: o.engine.now } : {}),
    ...(o.engine?.retentionFirstDelayMs !== undefined
      ? { firstDelayMs: o.engine.retentionFirstDelayMs }
      : {}),
    onPruned: (counts) => o.log?.("info", "pruned old history from the state file", { ...counts }),
    onError: (err) =>
      o.log?.("warn", "pruning the state file failed; the next pass retries", {
        code: stateWriteCode(err) ?? "TK_ERR_STATE_QUEUE",
        error: String(err),
      }),
  });
}

/** The shutdown order of the header: intake, the engine (running jobs finish or are released), then the rest. */
async function stopInOrder(
  d: {
    o: DaemonOptions;
    reloader: ConfigReloader | undefined;
    server: RunningServer;
    engine: BridgeEngine;
    retention: RetentionTimer;
    http: { close(): Promise<void> };
    state: DaemonState;
    halt: AbortController;
    replica: ReplicaWiring | undefined;
  },
  graceMs: number,
): Promise<void> {
  d.reloader?.close();
  if (d.reloader) removeRuntime(d.state.cardPath);
  await d.server.close();
  try {
    await d.engine.stop(graceMs);
  } catch (err) {
    // Releasing the unfinished jobs failed (the state file locked or full): their leases run out and the next
    // start runs them. The shutdown itself goes on, so the file is closed cleanly.
    d.o.log?.("error", "could not release unfinished jobs at shutdown; the next start runs them", {
      code: stateWriteCode(err) ?? "TK_ERR_STATE_QUEUE",
      error: err instanceof Error ? err.message : String(err),
    });
  }
  d.halt.abort();
  // Its shops' leases and heartbeat go at once: the other replicas take the shops over without waiting.
  await d.replica?.stop();
  await d.retention.stop();
  await d.http.close(); // after the engine: jobs still running when it stopped were waiting on it
  await d.state.close();
}
