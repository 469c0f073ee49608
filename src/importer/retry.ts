/**
 * Retries for the import's calls. The daemon's jobs retry with backoff; the import runs in the foreground instead,
 * so it waits and tries again itself when a platform says "too fast" or fails for a moment: another process (the
 * daemon) paces its own calls, not ours, and the per-app rate is shared. A daily quota stop is not retried (the
 * walk stops with "continue tomorrow"), nor is anything permanent.
 */
import { classifyError } from "../bridge/error-policy.js";
import { errorSpec } from "../errors/index.js";

export const IMPORT_ATTEMPTS = 6;
const MAX_DELAY_MS = 30_000;

export interface RetryOptions {
  signal?: AbortSignal;
  /** Waits `ms` (injected in tests). */
  sleep?: (ms: number) => Promise<void>;
  baseDelayMs?: number;
}

function retriable(err: unknown): { delayMs?: number } | undefined {
  const c = classifyError(err);
  const category = errorSpec(c.code).category;
  if (!c.retryable || (category !== "rate" && category !== "transient")) return undefined;
  return c.retryAfterMs !== undefined ? { delayMs: c.retryAfterMs } : {};
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs `fn`, again after a wait on a rate limit or a passing failure, up to IMPORT_ATTEMPTS times in all. */
export async function withRetries<T>(fn: () => Promise<T>, o: RetryOptions = {}): Promise<T> {
  const sleep = o.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const again = retriable(err);
      if (!again || attempt >= IMPORT_ATTEMPTS || o.signal?.aborted) throw err;
      const backoff = (o.baseDelayMs ?? 500) * 2 ** (attempt - 1);
      await sleep(Math.min(MAX_DELAY_MS, Math.max(again.delayMs ?? 0, backoff)));
    }
  }
}
