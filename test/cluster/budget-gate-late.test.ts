/**
 * A shared rate budget's grant is a time on the cluster's clock: the budget keeps its grants `limit` to a window
 * (1.1 s for Kommo's 7 a second, the 0.1 s beyond the second a margin for the network), so a call must go out at
 * its grant, not later. Two ways a replica would send late: a slow round trip to the database (the grant was
 * stamped with the time of the question, the call leaves when the answer is back), and an event loop that stalled
 * past the grant's time. Either would put the late calls beside grants made after theirs, more than `limit` in one
 * window across the replicas. Time is virtual (test/helpers/virtual-clock.ts); the database is the in-process
 * coordinator, its answers to one replica delayed by the clock.
 */
import { describe, expect, it } from "vitest";
import { budgetGate, kommoBudgetKey } from "../../src/cluster/budget-gate.js";
import { type Coordinator, MemoryCoordinator } from "../../src/cluster/index.js";
import { maxInAnyWindow, VirtualClock } from "../helpers/virtual-clock.js";

const BUDGET = { limit: 7, windowMs: 1_100 };
const KEY = kommoBudgetKey("acme");

/** The database as a replica sees it when each answer takes `rttMs` to come back. */
function slowAnswers(db: MemoryCoordinator, clock: VirtualClock, rttMs: number): Coordinator {
  const view = Object.create(db) as MemoryCoordinator;
  view.take = async (key, budget, now) => {
    const at = await db.take(key, budget, now);
    await clock.sleep(rttMs);
    return at;
  };
  return view;
}

describe("a shared budget's calls go out at their grants", () => {
  it("a replica whose database answers 300 ms late does not send beside the other replica's later grants", async () => {
    const clock = new VirtualClock();
    const db = new MemoryCoordinator();
    const slow = budgetGate({ coordinator: slowAnswers(db, clock, 300), budget: BUDGET, ...clock });
    const fast = budgetGate({ coordinator: db, budget: BUDGET, ...clock });
    const sent = await clock.run(Array.from({ length: 14 }, (_, i) => () => (i % 2 ? fast : slow)(KEY)));
    expect(sent).toHaveLength(14);
    expect(maxInAnyWindow(sent, BUDGET.windowMs)).toBeLessThanOrEqual(BUDGET.limit);
  });

  it("a replica whose event loop stalls past its grant once does not send beside later grants", async () => {
    const clock = new VirtualClock();
    const db = new MemoryCoordinator();
    let stalls = 1;
    // The first wait of the stalled replica ends 400 ms after its time (a long synchronous task held the loop).
    const stalledSleep = (ms: number) => clock.sleep(ms + (stalls-- > 0 ? 400 : 0));
    const stalled = budgetGate({ coordinator: db, budget: BUDGET, now: clock.now, sleep: stalledSleep });
    const steady = budgetGate({ coordinator: db, budget: BUDGET, ...clock });
    // The steady replica fills the first window, so the stalled one's grant opens the second, a wait (and its
    // stall) away; the steady replica's next seven fill the second and third windows behind it.
    const calls = [
      ...Array.from({ length: 7 }, () => () => steady(KEY)),
      () => stalled(KEY),
      ...Array.from({ length: 13 }, () => () => steady(KEY)),
    ];
    const sent = await clock.run(calls);
    expect(sent).toHaveLength(21);
    expect(maxInAnyWindow(sent, BUDGET.windowMs)).toBeLessThanOrEqual(BUDGET.limit);
  });
});
