/**
 * Retry timing for failed jobs (pure functions; the jobs table stores the result as run_after).
 *
 * Why exponential: a platform that fails is usually overloaded or briefly down; hammering it at a fixed rate makes
 * it worse, and Kommo blocks integrations that keep exceeding 7 req/s (403 on every call). Why jitter: after an
 * outage many jobs fail at the same moment; without jitter they would all retry in lock-step and cause the next
 * spike. "Full" jitter (a uniform draw in [0, cap]) spreads them best (AWS Architecture Blog, "Exponential Backoff
 * And Jitter"). Why Retry-After wins: when the server says when to come back (429 Retry-After, Tokopedia's
 * X-Ratelimit-* reset), retrying earlier only earns another 429.
 */
import { MAX_RETRY_AFTER_MS } from "../net/retry-after.js";

/**
 * Failed attempts before a job is dead (visible in status, re-queued by `tokokommo retry --dead`). With the
 * defaults below, 12 attempts span roughly 10–25 minutes: long enough to ride out a deploy or a short outage,
 * short enough that an operator learns of a persistent problem the same hour.
 */
export const RETRY_BUDGET = 12;
export const DEFAULT_BASE_MS = 1_000;
export const DEFAULT_MAX_MS = 5 * 60_000;
/** A Retry-After beyond this is treated as this (a broken proxy must not park a job for days). */
export { MAX_RETRY_AFTER_MS };

export type Jitter = "full" | "equal" | "none";

export interface RetryTiming {
  /** 1 for the first retry (after the first failure), 2 for the second... */
  attempt: number;
  now: number;
  baseMs?: number;
  maxMs?: number;
  jitter?: Jitter;
  /** Delay the server asked for (from Retry-After / rate-limit reset headers), ms. */
  retryAfterMs?: number;
  /** Uniform [0, 1) source; injectable for tests. */
  random?: () => number;
}

/** Delay before the next attempt, ms: jittered min(maxMs, baseMs * 2^(attempt-1)), but never below Retry-After. */
export function retryDelay(t: RetryTiming): number {
  const base = t.baseMs ?? DEFAULT_BASE_MS;
  const max = t.maxMs ?? DEFAULT_MAX_MS;
  const random = t.random ?? Math.random;
  const exponent = Math.min(Math.max(t.attempt, 1) - 1, 30); // 2^30 * base already exceeds any sane max
  const cap = Math.min(max, base * 2 ** exponent);
  let delay: number;
  switch (t.jitter ?? "full") {
    case "full":
      delay = random() * cap;
      break;
    case "equal":
      delay = cap / 2 + random() * (cap / 2);
      break;
    case "none":
      delay = cap;
      break;
  }
  const serverSays =
    t.retryAfterMs === undefined ? 0 : Math.min(Math.max(t.retryAfterMs, 0), MAX_RETRY_AFTER_MS);
  return Math.round(Math.max(delay, serverSays));
}

/** Absolute time (ms) for jobs.fail({retryAt}). */
export function nextRetryAt(t: RetryTiming): number {
  return t.now + retryDelay(t);
}

/** Parses an HTTP Retry-After value into a delay in ms from `now` (the shared reader; see net/retry-after.ts). */
export { parseRetryAfter } from "../net/retry-after.js";
