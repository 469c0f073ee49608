/**
 * The process-wide Kommo limiter starts with a quiet window: the process before this one (a restart, a crash loop)
 * may have spent the whole budget of the second it died in. Injected clock, short window.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { getKommoLimiter, KommoRateLimiter } from "../../src/kommo/index.js";

// The limiter re-checks its window on timers: faked, so "still waiting after a while" costs no real time.
beforeEach(() => vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }));
afterEach(() => vi.useRealTimers());

/** Whether `p` settles while `ms` of (fake) timer time passes. */
async function settledWithin<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let settled = false;
  void p.then(() => {
    settled = true;
  });
  await vi.advanceTimersByTimeAsync(ms);
  return settled;
}

it("getKommoLimiter's first permit waits one full window, then the whole budget is there", async () => {
  let t = 0;
  const l = getKommoLimiter(`quiet-${process.pid}-${Math.random()}`, {
    limit: 3,
    windowMs: 40,
    now: () => t,
  });
  const first = l.acquire();
  // The injected clock has not moved: still quiet, however long the timers run.
  expect(await settledWithin(first, 10_000)).toBe(false);
  t = 40;
  expect(await settledWithin(first, 40)).toBe(true);
  await l.acquire();
  await l.acquire();
  const fourth = l.acquire();
  expect(await settledWithin(fourth, 10_000)).toBe(false); // 3 granted at t=40: the window is full again
  t = 80;
  expect(await settledWithin(fourth, 40)).toBe(true);
});

it("a limiter built directly starts open unless told quietStart", async () => {
  const t = 0;
  const open = new KommoRateLimiter({ limit: 2, windowMs: 40, now: () => t });
  await open.acquire();
  await open.acquire();
  const quiet = new KommoRateLimiter({ limit: 2, windowMs: 40, now: () => t, quietStart: true });
  expect(await settledWithin(quiet.acquire(), 10_000)).toBe(false);
});
