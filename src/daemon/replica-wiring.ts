/**
 * A `serve` replica's part in the cluster (state in PostgreSQL): its heartbeat and shop leases ticking, the hooks
 * the clients and the poller take (src/cluster/replica-hooks.ts), and the catch-up sweep of each shop whose lease
 * it takes over. The daemon starts it after the engine and stops it before closing the state, so a clean stop
 * hands the shops over at once.
 */
import type { ShopBinding } from "../bridge/topology.js";
import { type Coordinator, type ReplicaHooks, replicaHooks } from "../cluster/index.js";
import { shopKey } from "../domain/marketplace.js";
import { KommoRateLimiter } from "../kommo/index.js";
import type { DaemonLog } from "./daemon.js";

export interface ReplicaWiring {
  hooks: ReplicaHooks;
  /**
   * The replica's limiter of a Kommo account (one per account key, shared by its clients): this process's 7/s
   * window, then the account's budget across every replica. Not the process-wide registry's, so a limiter never
   * outlives the coordinator it takes from (tests run several daemons in one process).
   */
  kommoLimiter(limiterKey: string): KommoRateLimiter;
  tokopediaShared: ReplicaHooks["tokopediaShared"];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ReplicaWiringOptions {
  /** The topology's shops now (reloads change them). */
  shops: () => ShopBinding[];
  /** Shops whose lease this replica just took: sweep them now. */
  taken: (shops: ShopBinding[]) => void;
  log?: DaemonLog;
  /** How often the heartbeat and the shop leases tick (default the cluster's 5 s). */
  tickMs?: number;
}

export function replicaWiring(coordinator: Coordinator, o: ReplicaWiringOptions): ReplicaWiring {
  const keyOf = (s: ShopBinding) => shopKey(s.source, s.shopId);
  const hooks = replicaHooks({
    coordinator,
    shopKeys: () => o.shops().map(keyOf),
    ...(o.tickMs !== undefined ? { intervalMs: o.tickMs } : {}),
    onAcquired: (keys) => {
      const taken = new Set(keys);
      o.taken(o.shops().filter((s) => taken.has(keyOf(s))));
    },
    onError: (err) =>
      o.log?.("warn", "the replica's heartbeat or shop leases could not be written; the next tick retries", {
        code: "TK_ERR_STATE_UNREACHABLE",
        error: err instanceof Error ? err.message : String(err),
      }),
  });
  const limiters = new Map<string, KommoRateLimiter>();
  const kommoLimiter = (key: string) => {
    let l = limiters.get(key);
    if (!l) {
      // A quiet first window, as the process-wide limiters start: the process before may have just spent it.
      l = new KommoRateLimiter({ quietStart: true, shared: hooks.kommoShared(key) });
      limiters.set(key, l);
    }
    return l;
  };
  return {
    hooks,
    kommoLimiter,
    tokopediaShared: hooks.tokopediaShared,
    start: () => hooks.leases.start(),
    stop: () => hooks.leases.stop(),
  };
}
