/**
 * Client-side limiter for Kommo REST v4: 7 requests/s per account (docs/platforms/kommo.md#rate-limits), shared
 * by every client instance in the process that talks to the same account (getKommoLimiter(accountKey)).
 *
 * Why a sliding window, not a token bucket: a bucket of 7 refilling at 7/s lets up to 13 requests through in one
 * second (a full bucket plus the refill), and Kommo counts requests per second. The window also has a margin
 * (default 1100 ms instead of 1000 ms) because what Kommo counts is arrival time: network jitter can push a
 * request sent at the end of one window into the next second, where 7 others may already be landing.
 *
 * Permits are handed out in FIFO order; a waiting caller sleeps until the oldest permit leaves the window.
 * The window is measured on a monotonic clock (performance.now): with the wall clock, a step back (NTP, a VM
 * resume) would park every caller for the size of the step.
 *
 * Across processes (a restart, a crash loop under systemd): the shared limiters start with a *quiet window* — the
 * first permit waits one full window, as if `limit` permits had just been granted. The process before this one
 * (the daemon lock allows one per state file) may have spent the whole budget of the second it died in; it is
 * gone before this one starts, so after one quiet window none of its requests can share a second with ours.
 * Chosen over remembering the send times in the state file because it costs nothing on the hot path (no write
 * per request), needs no clock shared between processes (monotonic clocks are per process, and persisting wall
 * time would bring back the clock-step problem above), and its price is small: the first Kommo REST call of a
 * process (lead tags, a token refresh, a doctor check) starts about a second later.
 *
 * Replicas on one PostgreSQL database run at the same time, so a quiet window does not cover them: each limiter
 * then also takes from the account's cluster-wide budget (the `shared` option), which every replica shares.
 */
export interface KommoLimiterOptions {
  /** Requests allowed per window, default 7. */
  limit?: number;
  /** Window length in ms, default 1100 (1 s plus margin for jitter). */
  windowMs?: number;
  /** A monotonic clock in ms (default performance.now); injectable for tests. */
  now?: () => number;
  /**
   * The first permit waits one full window (see above). Default false for a limiter built directly, true for
   * the process-wide ones from getKommoLimiter, which is what the clients use.
   */
  quietStart?: boolean;
  /**
   * The account's budget shared with the other replicas on the same database (src/cluster/budget-gate.ts):
   * awaited after this process's own window, it resolves when the cluster may send one more request. Absent:
   * one process per state, and the window above is the whole budget.
   */
  shared?: () => Promise<void>;
}

/** Kommo's budget as the limiter keeps it: 7 requests per window of 1 s plus a margin for jitter. */
export const KOMMO_REQUESTS_PER_WINDOW = 7;
export const KOMMO_WINDOW_MS = 1100;

export class KommoRateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  private readonly now: () => number;
  /** Grant times of the permits still inside the window, oldest first. */
  private readonly granted: number[] = [];
  private tail: Promise<void> = Promise.resolve();
  private readonly shared: (() => Promise<void>) | undefined;

  constructor(o: KommoLimiterOptions = {}) {
    this.limit = o.limit ?? KOMMO_REQUESTS_PER_WINDOW;
    this.windowMs = o.windowMs ?? KOMMO_WINDOW_MS;
    this.now = o.now ?? (() => performance.now());
    this.shared = o.shared;
    if (o.quietStart) {
      const t = this.now();
      for (let i = 0; i < this.limit; i++) this.granted.push(t);
    }
  }

  /** Resolves when a request may be sent now. Callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.waitForSlot());
    // The chain must survive a rejected turn (it cannot reject today, but keep the queue alive regardless).
    this.tail = turn.catch(() => undefined);
    // The cluster's budget is taken outside the local queue: its grants come back in the database's order.
    const shared = this.shared;
    return shared ? turn.then(() => shared()) : turn;
  }

  private async waitForSlot(): Promise<void> {
    for (;;) {
      const t = this.now();
      while (this.granted.length > 0 && t - (this.granted[0] ?? 0) >= this.windowMs) this.granted.shift();
      if (this.granted.length < this.limit) {
        this.granted.push(t);
        return;
      }
      const wait = (this.granted[0] ?? t) + this.windowMs - t;
      await new Promise((r) => setTimeout(r, Math.max(1, wait)));
    }
  }
}

const shared = new Map<string, KommoRateLimiter>();

/**
 * The process-wide limiter for one Kommo account (key: subdomain or account name). The first caller's options
 * win; later calls return the same instance so that every client of that account shares one budget. It starts
 * with a quiet window unless the options say `quietStart: false`: the process before may have just spent it.
 */
export function getKommoLimiter(accountKey: string, options?: KommoLimiterOptions): KommoRateLimiter {
  let l = shared.get(accountKey);
  if (!l) {
    l = new KommoRateLimiter({ quietStart: true, ...options });
    shared.set(accountKey, l);
  }
  return l;
}
