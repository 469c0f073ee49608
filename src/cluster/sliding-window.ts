/**
 * The grant arithmetic of a rate budget, one place for both implementations (the PostgreSQL one does the same in
 * SQL, see postgres-sql.ts). Why a sliding window of grants and not per-second counters: fixed windows let `limit`
 * requests through at the end of one window and `limit` more at the start of the next, twice the budget within
 * one second, and Kommo counts requests per second. Here any `limit + 1` consecutive grants are at least
 * `windowMs` apart, so no `windowMs` span ever holds more than `limit`.
 *
 * State: the last `limit` grant times, ascending. A new grant is the latest of now, the newest grant (grants stay
 * in order, so a replica whose clock lags cannot slip in before one already given), and the grant `limit` back
 * plus the window.
 */
import type { RateBudget } from "./port.js";

/** The next grant time for `grants` (ascending), and the grants to keep after it. */
export function nextGrant(
  grants: readonly number[],
  budget: RateBudget,
  now: number,
): { at: number; grants: number[] } {
  const limit = Math.max(1, Math.floor(budget.limit));
  let at = Math.max(now, grants.at(-1) ?? now);
  if (grants.length >= limit) at = Math.max(at, (grants[grants.length - limit] ?? now) + budget.windowMs);
  return { at, grants: [...grants, at].slice(-limit) };
}
