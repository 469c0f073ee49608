/**
 * A cluster-wide rate budget as the clients' limiters use it: a function that resolves when the caller may send.
 * It takes one grant from the coordinator (one round trip) and sleeps until that grant's time. The Kommo REST
 * limiter (7/s per account, src/kommo/limiter.ts) and Tokopedia's per-app gate (src/sources/tokopedia/rate-limit.ts)
 * take an optional shared budget of this shape and await it after their own, in-process pacing: that pacing stays
 * what it is, and the shared budget caps what every replica sends together.
 */
import type { Coordinator, RateBudget } from "./port.js";

/** Resolves when one more call under `key` may go out, cluster-wide. */
export type SharedBudget = (key: string) => Promise<void>;

export interface BudgetGateOptions {
  coordinator: Coordinator;
  budget: RateBudget;
  /** The wall clock (ms since the epoch), shared by the replicas' machines through NTP. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function budgetGate(o: BudgetGateOptions): SharedBudget {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  return async (key) => {
    const at = await o.coordinator.take(key, o.budget, now());
    // Measured after the round trip: the time it took is already spent of the wait.
    const wait = at - now();
    if (wait > 0) await sleep(wait);
  };
}

/** The key of a Kommo account's REST budget (all replicas name it the same). */
export const kommoBudgetKey = (accountKey: string) => `kommo:${accountKey}`;

/** The key of one Tokopedia app's budget for one endpoint. */
export const tokopediaBudgetKey = (appName: string, endpoint: string) => `tokopedia:${appName}:${endpoint}`;
