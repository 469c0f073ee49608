/**
 * A cluster-wide rate budget as the clients' limiters use it: a function that resolves when the caller may send.
 * It takes one grant from the coordinator (one round trip) and sleeps until that grant's time (see budgetGate for
 * a call that would go out late). The Kommo REST
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

/**
 * How late after its grant a call may still go out. The budgets' windows carry a margin of 100 ms over the
 * platforms' second; half of it is left for the way to the platform.
 */
export const LATE_GRANT_MS = 50;
/** Grants a call gives up in a row before it goes out late anyway: a process that stalls every time still sends. */
const MAX_RETAKES = 3;

/**
 * A call goes out at its grant, not later: a grant is a place in the window that every replica's grants share, and
 * a call sent well after it lands beside grants made after its own (more than the limit in one window, across
 * replicas). Two things make a call late. The round trip: a grant for "now" is back only a round trip later, so
 * the question asks for the time the answer should be back (now plus the last round trip measured). A stalled
 * event loop (or a round trip slower than the last): the grant is given up, unused, and the call asks again.
 */
export function budgetGate(o: BudgetGateOptions): SharedBudget {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? realSleep;
  let roundTripMs = 0;
  return async (key) => {
    for (let retakes = 0; ; retakes++) {
      const asked = now();
      const at = await o.coordinator.take(key, o.budget, asked + roundTripMs);
      const back = now();
      roundTripMs = back - asked;
      if (at > back) await sleep(at - back);
      if (now() - at <= LATE_GRANT_MS || retakes >= MAX_RETAKES) return;
    }
  };
}

/** The key of a Kommo account's REST budget (all replicas name it the same). */
export const kommoBudgetKey = (accountKey: string) => `kommo:${accountKey}`;

/** The key of one Tokopedia app's budget for one endpoint. */
export const tokopediaBudgetKey = (appName: string, endpoint: string) => `tokopedia:${appName}:${endpoint}`;
