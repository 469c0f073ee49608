/**
 * The daemon's engine and its readiness, wired from the config and the state store (daemon.ts starts them).
 */
import { downloadMedia, mediaAllowsPrivateNetworks } from "../bridge/download-media.js";
import { BridgeEngine } from "../bridge/engine.js";
import { SqliteEngineStore } from "../bridge/sqlite-engine-store.js";
import type { Topology } from "../bridge/topology.js";
import type { Config } from "../config/index.js";
import { parseKommoWebhook, verifyKommoWebhook } from "../kommo/index.js";
import type { ReadinessCheck } from "../server/routes.js";
import { nextRetryAt, RETRY_BUDGET, type Store } from "../store/index.js";
import type { DaemonLog, DaemonOptions } from "./daemon.js";

/**
 * The busy timeout while writes are being refused for a lock. A write waiting on the lock holds the main thread
 * (SQLite waits synchronously): with the full timeout on every write, a long lock would leave webhooks and probes
 * unanswered for seconds at a time, and Kommo gives up on a webhook after 5 s. After the first refusal each write
 * tries briefly, so the daemon keeps answering (503) and still sees the lock go within this time.
 */
const REFUSING_BUSY_TIMEOUT_MS = 200;

export interface EngineWiring {
  config: Config;
  store: Store;
  topology: Topology;
  tuning: NonNullable<DaemonOptions["engine"]>;
  busyTimeoutMs: number;
  /** Aborts what jobs still wait on (media downloads) once the shutdown's grace period is over. */
  halt: AbortSignal;
  log?: DaemonLog;
}

export function engineFromConfig(w: EngineWiring): BridgeEngine {
  const { config, store, tuning, busyTimeoutMs } = w;
  const retryBudget = tuning.retryBudget ?? RETRY_BUDGET;
  return new BridgeEngine({
    store: new SqliteEngineStore(store, retryBudget),
    topology: w.topology,
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
      downloadMedia(url, { allowPrivateNetworks: mediaAllowsPrivateNetworks(config.media), signal: w.halt }),
    retryBudget,
    ...(tuning.concurrency !== undefined ? { concurrency: tuning.concurrency } : {}),
    ...(tuning.perShopConcurrency !== undefined ? { perShopConcurrency: tuning.perShopConcurrency } : {}),
    ...(tuning.leaseMs !== undefined ? { leaseMs: tuning.leaseMs } : {}),
    ...(tuning.initialLookbackMs !== undefined ? { initialLookbackMs: tuning.initialLookbackMs } : {}),
    ...(tuning.now ? { now: tuning.now } : {}),
    ...(w.log ? { log: w.log } : {}),
    orderNotes: store.orderNotes,
    pendingLeads: store.pendingLeads,
    ...(tuning.leadAcceptanceCheckMs !== undefined
      ? { leadAcceptanceCheckMs: tuning.leadAcceptanceCheckMs }
      : {}),
    replyGuard: {
      store: store.replyWaits,
      ...(tuning.guardNow ? { now: tuning.guardNow } : {}),
      ...(tuning.guardTickMs !== undefined ? { tickMs: tuning.guardTickMs } : {}),
    },
    onStateWritable: (failure) => {
      const ms =
        failure?.code === "TK_ERR_STATE_BUSY"
          ? Math.min(REFUSING_BUSY_TIMEOUT_MS, busyTimeoutMs)
          : busyTimeoutMs;
      if (store.db.open) store.db.pragma(`busy_timeout = ${ms}`);
    },
  });
}

/** /readyz: the state file open and taking writes, and every shop healthy. */
export function readinessOf(store: Store, engine: BridgeEngine): () => ReadinessCheck[] {
  return () => {
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
}
