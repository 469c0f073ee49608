/**
 * Client side of Tokopedia's per-endpoint buckets (docs/platforms/tokopedia.md#rate-limits). Every response carries
 *   X-Ratelimit-Remaining        requests left
 *   X-Ratelimit-Reset-After      seconds until one more request is allowed ("-0.000000" while quota remains)
 *   X-Ratelimit-Full-Reset-After seconds until the bucket is full
 * and an exhausted bucket answers 429. We remember, per endpoint, the earliest time the next call may go, and
 * wait for it when the wait is short (so a page walk just slows down); a longer wait becomes a
 * TK_ERR_TOKOPEDIA_RATE_LIMITED with `retryAfterMs`, left to the engine's job scheduler.
 *
 * The waits are measured on a monotonic clock: a wall-clock step (NTP, a VM resume) must neither park an
 * endpoint for the size of the step nor let calls through early. The wall clock only reads a Retry-After date.
 */
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "../../net/retry-after.js";
import { tokopediaError } from "./errors.js";
import { headerValue } from "./http.js";

export interface RateLimitSnapshot {
  limit?: string;
  remaining?: number;
  resetAfterMs?: number;
  fullResetAfterMs?: number;
}

/** The X-Ratelimit-*-After headers: seconds, possibly fractional or "-0.000000"; capped like a Retry-After. */
function seconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number.parseFloat(v);
  return Number.isFinite(n) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Math.ceil(n * 1000))) : undefined;
}

export function readRateLimitHeaders(
  headers: Record<string, string | string[] | undefined>,
): RateLimitSnapshot {
  const snap: RateLimitSnapshot = {};
  const limit = headerValue(headers, "x-ratelimit-limit");
  if (limit) snap.limit = limit;
  const remaining = Number.parseInt(headerValue(headers, "x-ratelimit-remaining") ?? "", 10);
  if (Number.isFinite(remaining)) snap.remaining = remaining;
  const reset = seconds(headerValue(headers, "x-ratelimit-reset-after"));
  if (reset !== undefined) snap.resetAfterMs = reset;
  const full = seconds(headerValue(headers, "x-ratelimit-full-reset-after"));
  if (full !== undefined) snap.fullResetAfterMs = full;
  return snap;
}

export class RateGate {
  private readonly notBefore = new Map<string, number>();
  /** Last headers seen per endpoint (doctor/status). */
  readonly last = new Map<string, RateLimitSnapshot>();

  /**
   * `wallNow`: the wall clock (ms since the epoch), for Retry-After dates. `monotonicNow`: what the waits are
   * measured on (default performance.now).
   */
  constructor(
    private readonly wallNow: () => number,
    private readonly maxWaitMs: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly monotonicNow: () => number = () => performance.now(),
  ) {}

  /** Waits until `endpoint` may be called; throws RATE_LIMITED when that is further away than maxWaitMs. */
  async pass(endpoint: string): Promise<void> {
    const waitLeft = () => (this.notBefore.get(endpoint) ?? Number.NEGATIVE_INFINITY) - this.monotonicNow();
    const wait = waitLeft();
    if (wait <= 0) return;
    if (wait > this.maxWaitMs) {
      throw tokopediaError("rateLimited", `Tokopedia rate limit for ${endpoint} is exhausted`, {
        endpoint,
        retryAfterMs: wait,
      });
    }
    // Node's timers count from the event loop's cached time, which lags the real clock on a busy loop, so a
    // timer may fire a little early: sleep again for whatever is left rather than spend a request on a 429.
    for (let left = wait; left > 0; left = waitLeft()) await this.sleep(left);
  }

  /** Records a response's headers; for a 429 returns how long to wait before retrying (ms). */
  observe(endpoint: string, status: number, headers: Record<string, string | string[] | undefined>): number {
    const snap = readRateLimitHeaders(headers);
    this.last.set(endpoint, snap);
    let waitMs = 0;
    if (status === 429) {
      const retryAfter = parseRetryAfter(headerValue(headers, "retry-after"), this.wallNow());
      waitMs = retryAfter || snap.resetAfterMs || snap.fullResetAfterMs || 1000;
    } else if (snap.remaining === 0 && snap.resetAfterMs) {
      waitMs = snap.resetAfterMs;
    }
    if (waitMs > 0) this.notBefore.set(endpoint, this.monotonicNow() + waitMs);
    return waitMs;
  }
}
