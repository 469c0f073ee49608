/**
 * The cluster-wide rate budgets as the clients use them: two replicas' Kommo limiters (each allowing 7 per window
 * on its own) and two replicas' Tokopedia gates, each with a shared budget over its own PostgreSQL pool, never let
 * more than the budget through together. Time is virtual: the replicas sleep on one clock that the test moves to
 * the next wake-up once every caller is either done or asleep.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { budgetGate, kommoBudgetKey, tokopediaBudgetKey } from "../../src/cluster/budget-gate.js";
import type { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { KommoRateLimiter } from "../../src/kommo/limiter.js";
import { RateGate } from "../../src/sources/tokopedia/rate-limit.js";
import { usePostgresPools } from "../helpers/postgres.js";
import { maxInAnyWindow, VirtualClock } from "../helpers/virtual-clock.js";
import { coordinatorPair } from "./postgres-pair.js";

const db = usePostgresPools();
let url: string;

beforeAll(async () => {
  url = await db.server().createDatabase();
});

function replicas(): Promise<[PostgresCoordinator, PostgresCoordinator]> {
  return coordinatorPair(db, url, 3);
}

describe("cluster-wide rate budgets in the clients", () => {
  it("two replicas' Kommo limiters send at most 7 per 1100 ms together", async () => {
    const clock = new VirtualClock();
    const limiters = (await replicas()).map((coordinator) => {
      const gate = budgetGate({ coordinator, budget: { limit: 7, windowMs: 1_100 }, ...clock });
      // Each replica's own window would let 7 through at once; the shared budget is what holds them together.
      return new KommoRateLimiter({
        limit: 7,
        windowMs: 1_100,
        now: clock.now,
        shared: () => gate(kommoBudgetKey("acme")),
      });
    });
    const sent = await clock.run(
      Array.from({ length: 14 }, (_, i) => () => (limiters[i % 2] as KommoRateLimiter).acquire()),
    );
    expect(sent).toHaveLength(14);
    expect(maxInAnyWindow(sent, 1_100)).toBe(7);
    expect(Math.max(...sent) - Math.min(...sent)).toBe(1_100);
  });

  it("two replicas' Tokopedia gates of one app keep the app's rate together", async () => {
    const clock = new VirtualClock();
    const gates = (await replicas()).map((coordinator) => {
      const shared = budgetGate({ coordinator, budget: { limit: 5, windowMs: 1_000 }, ...clock });
      return new RateGate(clock.now, 60_000, clock.sleep, clock.now, 50, (endpoint) =>
        shared(tokopediaBudgetKey("app", endpoint)),
      );
    });
    const sent = await clock.run(
      Array.from({ length: 20 }, (_, i) => () => (gates[i % 2] as RateGate).pass("/v1/chat/messages")),
    );
    expect(sent).toHaveLength(20);
    expect(maxInAnyWindow(sent, 1_000)).toBe(5);
    expect(Math.max(...sent) - Math.min(...sent)).toBe(3_000);
  });
});
