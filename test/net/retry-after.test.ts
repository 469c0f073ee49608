import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { retryAfterFromHeader } from "../../src/kommo/errors.js";
import { KommoRateLimiter } from "../../src/kommo/limiter.js";
import { MAX_RETRY_AFTER_MS, parseRetryAfter } from "../../src/net/retry-after.js";
import { exchange as tiktokExchange } from "../../src/sources/tiktokshop/http.js";
import { RateGate } from "../../src/sources/tokopedia/rate-limit.js";
import { parseRetryAfter as backoffParse } from "../../src/store/index.js";

const NOW = Date.parse("2025-01-01T00:00:00Z");

describe("parseRetryAfter (the one Retry-After reader)", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter(" 0 ", NOW)).toBe(0);
    expect(parseRetryAfter(["1.5", "9"], NOW)).toBe(1_500);
  });

  it("reads the three HTTP-date forms, relative to the injected clock", () => {
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("Wednesday, 01-Jan-25 00:01:00 GMT", NOW)).toBe(60_000);
    expect(parseRetryAfter("Wed Jan  1 00:00:05 2025", NOW)).toBe(5_000);
    // the same date read one minute later is one minute closer
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:01:30 GMT", NOW + 60_000)).toBe(30_000);
  });

  it("a date in the past means now", () => {
    expect(parseRetryAfter("Tue, 31 Dec 2024 00:00:00 GMT", NOW)).toBe(0);
  });

  it("garbage and negative values are unreadable", () => {
    for (const v of ["soon", "-5", "-0.5", "1e3", "0x10", "Infinity", "NaN", "next 5", "5 s", "", "  "]) {
      expect(parseRetryAfter(v, NOW), v).toBeUndefined();
    }
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:30", NOW)).toBeUndefined(); // no zone
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter([], NOW)).toBeUndefined();
    expect(parseRetryAfter("9".repeat(100_000), NOW)).toBeUndefined();
  });

  it("huge values are capped", () => {
    expect(parseRetryAfter("99999999999999", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("86400", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", NOW)).toBe(MAX_RETRY_AFTER_MS);
  });

  it("is what the Kommo clients and the job backoff use", () => {
    expect(retryAfterFromHeader("99999999", NOW)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterFromHeader("-5", NOW)).toBeUndefined();
    expect(retryAfterFromHeader("Wed, 01 Jan 2025 00:00:30 GMT", NOW)).toBe(30_000);
    expect(backoffParse("99999999", NOW)).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe("Tokopedia rate gate", () => {
  it("honours a Retry-After given as an HTTP date", () => {
    const gate = new RateGate(() => NOW, 5_000);
    const wait = gate.observe("list-replies", 429, { "retry-after": "Wed, 01 Jan 2025 00:00:30 GMT" });
    expect(wait).toBe(30_000);
  });

  it("caps a huge Retry-After and ignores a garbage one (falls back to the reset headers)", () => {
    const gate = new RateGate(() => NOW, 5_000);
    expect(gate.observe("a", 429, { "retry-after": "9999999999" })).toBe(MAX_RETRY_AFTER_MS);
    expect(gate.observe("b", 429, { "retry-after": "-3", "x-ratelimit-reset-after": "2.5" })).toBe(2_500);
  });

  it("measures its wait on a monotonic clock: a wall-clock step back does not park the endpoint", async () => {
    let wall = NOW;
    let mono = 1_000;
    const gate = new RateGate(
      () => wall,
      5_000,
      async (ms) => {
        mono += ms;
      },
      () => mono,
    );
    gate.observe("list-replies", 429, { "retry-after": "2" });
    wall -= 3_600_000; // the wall clock is stepped back an hour
    await gate.pass("list-replies"); // waits the 2 s (on the monotonic clock), does not throw RATE_LIMITED
    expect(mono).toBe(3_000);
  });
});

describe("TikTok Shop client", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it("caps a huge Retry-After on a 429", async () => {
    server = createServer((_req, res) => {
      res.writeHead(429, { "retry-after": "99999999" });
      res.end("too many");
    });
    await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const err = await tiktokExchange({
      method: "GET",
      url: new URL(`http://127.0.0.1:${port}/x`),
      headers: {},
      timeoutMs: 5_000,
    }).catch((e: unknown) => e);
    expect(isTkError(err)).toBe(true);
    expect((err as { details?: { retryAfterMs?: number } }).details?.retryAfterMs).toBe(MAX_RETRY_AFTER_MS);
  });
});

describe("Kommo rate limiter", () => {
  afterEach(() => vi.restoreAllMocks());

  it("uses a monotonic clock by default: a wall-clock step back does not park it", async () => {
    const realNow = Date.now.bind(Date);
    let step = 0;
    vi.spyOn(Date, "now").mockImplementation(() => realNow() + step);
    const limiter = new KommoRateLimiter({ limit: 2, windowMs: 30 });
    await limiter.acquire();
    await limiter.acquire();
    step = -3_600_000; // the wall clock is stepped back an hour
    const third = limiter.acquire().then(() => "granted");
    const timeout = new Promise((r) => setTimeout(() => r("parked"), 2_000).unref());
    expect(await Promise.race([third, timeout])).toBe("granted");
  });

  it("takes an injected clock", async () => {
    let t = 0;
    const limiter = new KommoRateLimiter({ limit: 1, windowMs: 1_000, now: () => t });
    await limiter.acquire();
    t = 1_000; // the window has passed on the injected clock
    await limiter.acquire();
    expect(t).toBe(1_000);
  });
});
