/** The per-app bound on rooms created from unsigned webhook hints: a sliding minute, on an injected clock. */
import { expect, it } from "vitest";
import { UNSIGNED_NEW_ROOMS_PER_MINUTE, UnsignedRoomBudget } from "../../src/bridge/mark-room.js";

it("lets the bound through per app and minute, refuses the rest, and warns once per window", () => {
  const budget = new UnsignedRoomBudget();
  const t0 = 1_000_000;
  for (let i = 0; i < UNSIGNED_NEW_ROOMS_PER_MINUTE; i++)
    expect(budget.take("tokopedia:main", t0 + i).ok).toBe(true);
  expect(budget.take("tokopedia:main", t0 + 100)).toEqual({ ok: false, firstRefusal: true });
  expect(budget.take("tokopedia:main", t0 + 200)).toEqual({ ok: false, firstRefusal: false });
  // Another app has its own budget.
  expect(budget.take("tokopedia:other", t0 + 300).ok).toBe(true);
  // A minute after the first rooms, their places free up one by one.
  expect(budget.take("tokopedia:main", t0 + 60_000).ok).toBe(true);
  expect(budget.take("tokopedia:main", t0 + 60_000).ok).toBe(false);
  expect(budget.take("tokopedia:main", t0 + 60_001).ok).toBe(true);
});

it("takes its bound from the constructor", () => {
  const budget = new UnsignedRoomBudget(2);
  expect([1, 2, 3].map((i) => budget.take("a", i).ok)).toEqual([true, true, false]);
});
