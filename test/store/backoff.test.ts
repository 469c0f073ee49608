import { describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_MS,
  MAX_RETRY_AFTER_MS,
  nextRetryAt,
  parseRetryAfter,
  RETRY_BUDGET,
  retryDelay,
} from "../../src/store/index.js";

describe("backoff", () => {
  it("grows exponentially from the base and is capped at maxMs (no jitter)", () => {
    const delays = [1, 2, 3, 4, 10, 40].map((attempt) => retryDelay({ attempt, now: 0, jitter: "none" }));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, DEFAULT_MAX_MS, DEFAULT_MAX_MS]);
    expect(nextRetryAt({ attempt: 2, now: 5_000, jitter: "none", baseMs: 100 })).toBe(5_200);
  });

  it("full jitter draws uniformly in [0, cap]; equal jitter in [cap/2, cap]", () => {
    expect(retryDelay({ attempt: 3, now: 0, random: () => 0 })).toBe(0);
    expect(retryDelay({ attempt: 3, now: 0, random: () => 0.5 })).toBe(2_000);
    expect(retryDelay({ attempt: 3, now: 0, random: () => 0.999 })).toBeLessThanOrEqual(4_000);
    expect(retryDelay({ attempt: 3, now: 0, jitter: "equal", random: () => 0 })).toBe(2_000);
    const spread = new Set(Array.from({ length: 50 }, () => retryDelay({ attempt: 8, now: 0 })));
    expect(spread.size).toBeGreaterThan(10);
  });

  it("never retries before the server's Retry-After, which is capped", () => {
    expect(retryDelay({ attempt: 1, now: 0, retryAfterMs: 30_000, random: () => 0.5 })).toBe(30_000);
    expect(retryDelay({ attempt: 9, now: 0, retryAfterMs: 10, jitter: "none" })).toBe(256_000);
    expect(retryDelay({ attempt: 1, now: 0, retryAfterMs: 7 * 86_400_000 })).toBe(MAX_RETRY_AFTER_MS);
  });

  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(["1.5"], now)).toBe(1_500);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", now)).toBe(30_000);
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("has a finite default budget", () => {
    expect(RETRY_BUDGET).toBe(12);
  });
});
