/**
 * The daemon's engine and its readiness, wired from the config and the state store (daemon.ts starts them).
 */
import { downloadMedia, mediaAllowsPrivateNetworks } from "../bridge/download-media.js";
import { BridgeEngine, type EngineOptions } from "../bridge/engine.js";
import type { Topology } from "../bridge/topology.js";
import type { Config } from "../config/index.js";
import { parseKommoWebhook, verifyKommoWebhook } from "../kommo/index.js";
import type { ReadinessCheck } from "../server/routes.js";
import { nextRetryAt, RETRY_BUDGET } from "../store/index.js";
import type { DaemonLog, DaemonOptions } from "./daemon.js";
import type { DaemonState } from "./daemon-state.js";

export interface EngineWiring {
  config: Config;
  state: DaemonState;
  topology: Topology;
  tuning: NonNullable<DaemonOptions["engine"]>;
  /** Replicas: whether this replica sweeps the shop now (its lease); absent: every shop. */
  sweepsShop?: EngineOptions["sweepsShop"];
  /** Aborts what jobs still wait on (media downloads) once the shutdown's grace period is over. */
  halt: AbortSignal;
  log?: DaemonLog;
}

export function engineFromConfig(w: EngineWiring): BridgeEngine {
  const { config, state, tuning } = w;
  return new BridgeEngine({
    store: state.engineStore,
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
    retryBudget: tuning.retryBudget ?? RETRY_BUDGET,
    ...(tuning.concurrency !== undefined ? { concurrency: tuning.concurrency } : {}),
    ...(tuning.perShopConcurrency !== undefined ? { perShopConcurrency: tuning.perShopConcurrency } : {}),
    // The in-process tuning (tests) wins over the config key.
    leaseMs: tuning.leaseMs ?? config.jobs.leaseSeconds * 1000,
    ...(tuning.initialLookbackMs !== undefined ? { initialLookbackMs: tuning.initialLookbackMs } : {}),
    ...(tuning.now ? { now: tuning.now } : {}),
    ...(w.log ? { log: w.log } : {}),
    orderNotes: state.orderNotes,
    pendingLeads: state.pendingLeads,
    ...(tuning.leadAcceptanceCheckMs !== undefined
      ? { leadAcceptanceCheckMs: tuning.leadAcceptanceCheckMs }
      : {}),
    replyGuard: {
      store: state.replyWaits,
      ...(tuning.guardNow ? { now: tuning.guardNow } : {}),
      ...(tuning.guardTickMs !== undefined ? { tickMs: tuning.guardTickMs } : {}),
    },
    onStateWritable: (failure) => state.onStateWritable(failure),
    ...(w.sweepsShop ? { sweepsShop: w.sweepsShop } : {}),
  });
}

/** /readyz: the state file open and taking writes, and every shop healthy. */
export function readinessOf(state: DaemonState, engine: BridgeEngine): () => Promise<ReadinessCheck[]> {
  return async () => {
    const checks: ReadinessCheck[] = await state.stateChecks();
    // From the daemon's own last write (no probe write): not ready from a refused write to the next commit.
    const refused = engine.state.lastFailure;
    checks.push({
      name: "state writable",
      ok: refused === undefined,
      ...(refused ? { detail: `${refused.code} since ${new Date(refused.since).toISOString()}` } : {}),
    });
    // Replicas share the shops' health through the database: one failing shop would take every replica out of a
    // load balancer that checks /readyz. Theirs says whether the replica can take webhooks (the database) only;
    // shop health is in `status`, `doctor` and /metrics.
    if (state.coordinator) return checks;
    for (const s of await state.listShopStatus()) {
      checks.push({
        name: `shop ${s.source}:${s.shopId}`,
        ok: s.healthy,
        ...(s.healthy ? {} : { detail: `${s.lastErrorCode ?? ""} ${s.lastError ?? ""}`.trim() }),
      });
    }
    return checks;
  };
}
