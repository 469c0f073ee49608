/**
 * Client side of Tokopedia's per-endpoint token buckets (docs/platforms/tokopedia.md#rate-limits). Tokopedia
 * keeps one bucket per (app, endpoint), shared by every shop of the app, and every response carries
 *   X-Ratelimit-Limit            "5 req/s (burst 5)"
 *   X-Ratelimit-Remaining        requests left
 *   X-Ratelimit-Reset-After      seconds until one more request is allowed ("-0.000000" while quota remains)
 *   X-Ratelimit-Full-Reset-After seconds until the bucket is full
 * and an exhausted bucket answers 429. So the gate keeps its own bucket per endpoint at the app's
 * requestsPerSecond and every call takes a slot in it first: the app's shops together stay within the rate
 * instead of learning it from 429s. The headers only ever slow it down: a smaller announced limit is adopted, a
 * 429 empties our bucket and lowers the rate, and a pause Tokopedia asks for (Retry-After, Reset-After) is kept.
 * A pause longer than maxWaitMs becomes a TK_ERR_TOKOPEDIA_RATE_LIMITED with `retryAfterMs`, left to the
 * engine's job scheduler.
 *
 * The waits are measured on a monotonic clock: a wall-clock step (NTP, a VM resume) must neither park an
 * endpoint for the size of the step nor let calls through early. The wall clock only reads a Retry-After date. */
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

/** Tokopedia's default per-endpoint rate, requests per second (its documented example: 5 req/s, burst 5). */
export const DEFAULT_REQUESTS_PER_SECOND = 5;

/** "5 req/s (burst 5)" -> { perSecond: 5, burst: 5 }; undefined when the text has another shape. */
export function parseLimitText(text: string | undefined): { perSecond: number; burst?: number } | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*req\/s(?:\s*\(burst\s*(\d+)\))?/i.exec(text ?? "");
  if (!m) return undefined;
  const perSecond = Number(m[1]);
  if (!(perSecond > 0)) return undefined;
  return m[2] ? { perSecond, burst: Number(m[2]) } : { perSecond };
}

/**
 * Our own token bucket for one endpoint of one app: every caller takes a slot in it before its request goes out,
 * so the app's shops together never ask more of Tokopedia's bucket than it refills. A slot may be in the future:
 * the caller then waits for it (a queue in arrival order, not a race after a 429).
 *
 * It holds 200 ms worth of requests (at least one) less than Tokopedia's burst: a request leaves here a little
 * before it reaches Tokopedia, and requests that leave evenly spaced do not always arrive so; the spare tokens
 * absorb that much jitter instead of a 429.
 */
export class EndpointPace {
  private tokens: number;
  private at: number;
  /** The rate currently used: the configured one, or less after 429s and smaller X-Ratelimit-Limit headers. */
  rate: number;
  private ceiling: number;
  private capacity: number;
  private lastSlowdown = Number.NEGATIVE_INFINITY;

  constructor(perSecond: number, now: number) {
    this.ceiling = perSecond;
    this.rate = perSecond;
    this.capacity = capacityFor(perSecond);
    this.tokens = this.capacity;
    this.at = now;
  }

  /** Takes a slot; returns how long (ms) its holder must wait before sending. */
  reserve(now: number): number {
    this.refill(now);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1000);
  }

  /** Tokopedia announced a smaller bucket than ours: use it (never a larger one than configured). */
  limitTo(perSecond: number, burst: number | undefined, now: number): void {
    this.refill(now);
    if (perSecond < this.ceiling) {
      this.ceiling = perSecond;
      this.rate = Math.min(this.rate, perSecond);
    }
    if (burst !== undefined) this.capacity = Math.min(this.capacity, capacityFor(burst));
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  /**
   * A 429 from Tokopedia's limiter: its bucket is emptier than ours thought (another client of the same app, a
   * restart that found it drained). Empty ours and go 20 % slower; successes bring the rate back.
   */
  rejected(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.tokens, 0);
    // Requests already in flight come back refused together: that is one lesson, not one per request.
    if (now - this.lastSlowdown < 1000) return;
    this.lastSlowdown = now;
    this.rate = Math.max(this.ceiling / 10, this.rate * 0.8);
  }

  /** An answer that never passed Tokopedia's limiter (see RateGate.observe): its slot is given back. */
  refund(now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  accepted(): void {
    this.rate = Math.min(this.ceiling, this.rate * 1.1);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.at) / 1000) * this.rate);
    this.at = Math.max(this.at, now);
  }
}

function capacityFor(perSecond: number): number {
  return Math.max(1, Math.floor(perSecond - Math.max(1, perSecond / 5)));
}

export class RateGate {
  private readonly notBefore = new Map<string, number>();
  private readonly paces = new Map<string, EndpointPace>();
  /** Last headers seen per endpoint (doctor/status). */
  readonly last = new Map<string, RateLimitSnapshot>();

  /**
   * `wallNow`: the wall clock (ms since the epoch), for Retry-After dates. `monotonicNow`: what the waits are
   * measured on (default performance.now). `requestsPerSecond`: the app's rate per endpoint, shared by all the
   * callers of this gate (one gate per app: every shop of the app goes through it). `shared`: the app's budget
   * per endpoint shared with the other replicas on the same database (src/cluster/budget-gate.ts), awaited after
   * this gate's own pacing; absent with one process per state.
   */
  constructor(
    private readonly wallNow: () => number,
    private readonly maxWaitMs: number,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly monotonicNow: () => number = () => performance.now(),
    readonly requestsPerSecond: number = DEFAULT_REQUESTS_PER_SECOND,
    private readonly shared?: (endpoint: string) => Promise<void>,
  ) {}

  /** The rate an endpoint is paced at now (requests per second). */
  rateOf(endpoint: string): number {
    return this.paces.get(endpoint)?.rate ?? this.requestsPerSecond;
  }

  private pace(endpoint: string): EndpointPace {
    let p = this.paces.get(endpoint);
    if (!p) {
      p = new EndpointPace(this.requestsPerSecond, this.monotonicNow());
      this.paces.set(endpoint, p);
    }
    return p;
  }

  /**
   * Waits until `endpoint` may be called: first for a pause Tokopedia asked for (throws RATE_LIMITED when that
   * is further away than maxWaitMs, so a long pause goes back to the job scheduler), then for a slot in the
   * app's own bucket (always waited: its queue is as long as the callers in flight, and each slot is a request
   * Tokopedia will accept).
   */
  async pass(endpoint: string): Promise<void> {
    const waitLeft = () => (this.notBefore.get(endpoint) ?? Number.NEGATIVE_INFINITY) - this.monotonicNow();
    for (;;) {
      const wait = waitLeft();
      if (wait > this.maxWaitMs) {
        throw tokopediaError("rateLimited", `Tokopedia rate limit for ${endpoint} is exhausted`, {
          endpoint,
          retryAfterMs: wait,
        });
      }
      // Node's timers count from the event loop's cached time, which lags the real clock on a busy loop, so a
      // timer may fire a little early: sleep again for whatever is left rather than spend a request on a 429.
      for (let left = wait; left > 0; left = waitLeft()) await this.sleep(left);
      const slot = this.monotonicNow() + this.pace(endpoint).reserve(this.monotonicNow());
      for (let left = slot - this.monotonicNow(); left > 0; left = slot - this.monotonicNow()) {
        await this.sleep(left);
      }
      // A 429 seen while this caller waited for its slot: Tokopedia's pause comes first.
      if (waitLeft() <= 0) {
        await this.shared?.(endpoint);
        return;
      }
    }
  }

  /**
   * Records a response's headers; for a 429 returns how long to wait before retrying (ms): never less than
   * Retry-After or X-Ratelimit-Reset-After say.
   */
  observe(endpoint: string, status: number, headers: Record<string, string | string[] | undefined>): number {
    const snap = readRateLimitHeaders(headers);
    this.last.set(endpoint, snap);
    const now = this.monotonicNow();
    const pace = this.pace(endpoint);
    const announced = parseLimitText(snap.limit);
    if (announced) pace.limitTo(announced.perSecond, announced.burst, now);
    // Tokopedia's limiter puts its headers on every answer it lets through or refuses. An answer without them
    // (an error page of a proxy or load balancer in front of it) was not counted there: give the slot back, and
    // a bare 429 teaches nothing about the bucket, only its pause is kept.
    const fromLimiter = snap.remaining !== undefined;
    if (!fromLimiter) pace.refund(now);
    let waitMs = 0;
    if (status === 429) {
      if (fromLimiter) pace.rejected(now);
      const retryAfter = parseRetryAfter(headerValue(headers, "retry-after"), this.wallNow());
      waitMs = Math.max(retryAfter ?? 0, snap.resetAfterMs ?? 0) || snap.fullResetAfterMs || 1000;
    } else {
      if (status < 400) pace.accepted();
      if (snap.remaining === 0 && snap.resetAfterMs) waitMs = snap.resetAfterMs;
    }
    if (waitMs > 0) {
      const until = now + waitMs;
      this.notBefore.set(endpoint, Math.max(until, this.notBefore.get(endpoint) ?? 0));
    }
    return waitMs;
  }
}
