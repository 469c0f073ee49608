/**
 * The process-wide Kommo limiter starts with a quiet window: the process before this one (a restart, a crash loop)
 * may have spent the whole budget of the second it died in. Injected clock, short window.
 */
import { expect, it } from "vitest";
import { getKommoLimiter, KommoRateLimiter } from "../../src/kommo/index.js";

const settledWithin = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);

it("getKommoLimiter's first permit waits one full window, then the whole budget is there", async () => {
  let t = 0;
  const l = getKommoLimiter(`quiet-${process.pid}-${Math.random()}`, {
    limit: 3,
    windowMs: 40,
    now: () => t,
  });
  const first = l.acquire();
  expect(await settledWithin(first, 60)).toBe(false); // the injected clock has not moved: still quiet
  t = 40;
  await first;
  await l.acquire();
  await l.acquire();
  const fourth = l.acquire();
  expect(await settledWithin(fourth, 60)).toBe(false); // 3 granted at t=40: the window is full again
  t = 80;
  await fourth;
});

it("a limiter built directly starts open unless told quietStart", async () => {
  const t = 0;
  const open = new KommoRateLimiter({ limit: 2, windowMs: 40, now: () => t });
  await open.acquire();
  await open.acquire();
  const quiet = new KommoRateLimiter({ limit: 2, windowMs: 40, now: () => t, quietStart: true });
  expect(await settledWithin(quiet.acquire(), 60)).toBe(false);
});
