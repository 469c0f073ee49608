/**
 * The coordinator contract, run against each implementation (memory.test.ts, postgres.test.ts). `pair()` gives two
 * replicas' views of one coordination space: two pools on one database for PostgreSQL, the same instance twice in
 * process. Times are injected; nothing here sleeps.
 */
import { describe, expect, it } from "vitest";
import type { Coordinator, ReplicaIdentity } from "../../src/cluster/port.js";
import { gate } from "../helpers/gate.js";
import { maxInAnyWindow } from "../helpers/virtual-clock.js";

export type CoordinatorPair = () => Promise<{ a: Coordinator; b: Coordinator }>;

let n = 0;
const unique = (what: string) => `${what}-${process.pid}-${++n}`;

function replica(id: string, startedAt = 0): ReplicaIdentity {
  return { id, host: "host-1", pid: 4242, startedAt };
}

export function coordinatorContract(name: string, pair: CoordinatorPair): void {
  describe(`${name}: leases`, () => {
    it("a lease held by one replica is not taken by the other until it expires, then it is", async () => {
      const { a, b } = await pair();
      const shop = unique("tokopedia:shop");
      expect(await a.acquireLease(shop, "A", 10_000, 1_000)).toEqual({
        name: shop,
        holder: "A",
        expiresAt: 11_000,
      });
      expect(await b.acquireLease(shop, "B", 10_000, 5_000)).toBeUndefined();
      expect(await a.renewLease(shop, "A", 10_000, 5_000)).toBe(true);
      expect(await b.acquireLease(shop, "B", 10_000, 14_999)).toBeUndefined();
      expect((await b.leaseHolders()).find((l) => l.name === shop)).toEqual({
        name: shop,
        holder: "A",
        expiresAt: 15_000,
      });
      // A stops renewing (it died): at its expiry the lease is B's.
      expect(await b.acquireLease(shop, "B", 10_000, 15_000)).toEqual({
        name: shop,
        holder: "B",
        expiresAt: 25_000,
      });
      expect(await a.renewLease(shop, "A", 10_000, 15_001)).toBe(false);
      expect(await a.acquireLease(shop, "A", 10_000, 15_001)).toBeUndefined();
      expect(await a.releaseLease(shop, "A")).toBe(false);
      expect(await b.acquireLease(shop, "B", 10_000, 20_000)).toMatchObject({
        holder: "B",
        expiresAt: 30_000,
      });
      expect(await b.releaseLease(shop, "B")).toBe(true);
      // Released: A takes it at once, long before B's expiry.
      expect(await a.acquireLease(shop, "A", 10_000, 20_001)).toMatchObject({ holder: "A" });
    });

    it("of replicas racing for a free lease exactly one gets it", async () => {
      const { a, b } = await pair();
      const shop = unique("race");
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireLease(shop, `R${i}`, 10_000, 1_000)),
      );
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect((await a.leaseHolders()).find((l) => l.name === shop)?.holder).toBe(winners[0]?.holder);
    });
  });

  describe(`${name}: heartbeats`, () => {
    it("lists both replicas, drops a dead one after the timeout, and a clean stop removes its row", async () => {
      const { a, b } = await pair();
      const ra = replica(unique("A"), 100);
      const rb = replica(unique("B"), 200);
      await a.heartbeat(ra, 1_000_000);
      await b.heartbeat(rb, 1_000_000);
      const ours = async (c: Coordinator, now: number) =>
        (await c.aliveReplicas(now, 15_000)).filter((r) => r.id === ra.id || r.id === rb.id);
      expect(await ours(a, 1_001_000)).toEqual([
        { ...ra, lastSeenAt: 1_000_000 },
        { ...rb, lastSeenAt: 1_000_000 },
      ]);
      // A keeps beating; B died.
      await a.heartbeat(ra, 1_010_000);
      expect((await ours(b, 1_014_999)).map((r) => r.id)).toEqual([ra.id, rb.id]);
      expect((await ours(b, 1_015_000)).map((r) => r.id)).toEqual([ra.id]);
      await a.removeReplica(ra.id);
      expect(await ours(b, 1_015_000)).toEqual([]);
    });
  });

  describe(`${name}: rate budgets`, () => {
    it("never lets more than N per window through across both replicas, and no fewer than it may", async () => {
      const { a, b } = await pair();
      const key = unique("kommo:acme");
      const budget = { limit: 7, windowMs: 1_000 };
      const grants = await Promise.all(
        Array.from({ length: 42 }, (_, i) => (i % 2 ? a : b).take(key, budget, 50_000)),
      );
      expect(maxInAnyWindow(grants, 1_000)).toBe(7);
      for (const g of grants) expect(g).toBeGreaterThanOrEqual(50_000);
      // Counted per window too: six windows of seven each, none spent early or wasted.
      const perWindow = new Map<number, number>();
      for (const g of grants) perWindow.set(g, (perWindow.get(g) ?? 0) + 1);
      expect([...perWindow.entries()].sort(([x], [y]) => x - y)).toEqual(
        [0, 1, 2, 3, 4, 5].map((w) => [50_000 + w * 1_000, 7]),
      );
    });

    it("lets callers through at once while under the budget, and keeps the budget as the clock moves", async () => {
      const { a, b } = await pair();
      const key = unique("tokopedia:app:/v1/chat");
      const budget = { limit: 3, windowMs: 1_000 };
      expect(await a.take(key, budget, 10_000)).toBe(10_000);
      expect(await b.take(key, budget, 10_400)).toBe(10_400);
      expect(await a.take(key, budget, 10_800)).toBe(10_800);
      // The fourth within a second waits for the first to leave the window.
      expect(await b.take(key, budget, 10_900)).toBe(11_000);
      // A replica whose clock lags cannot slip in before a grant already given.
      expect(await a.take(key, budget, 10_100)).toBe(11_400);
      expect(await b.take(key, budget, 20_000)).toBe(20_000);
      // Other keys are other budgets.
      expect(await a.take(unique("other"), budget, 10_950)).toBe(10_950);
    });
  });

  describe(`${name}: refresh locks`, () => {
    it("runs one refresh of a key at a time across both replicas; other keys are not held up", async () => {
      const { a, b } = await pair();
      const key = unique("kommo:token");
      const events: string[] = [];
      const { wait: held, open: release } = gate();
      const { wait: inside, open: entered } = gate();
      const first = a.withRefreshLock(key, async () => {
        events.push("a in");
        entered();
        await held;
        events.push("a out");
        return "a";
      });
      await inside;
      const second = b.withRefreshLock(key, async () => {
        events.push("b in");
        return "b";
      });
      // Another key runs while the first is held.
      expect(await b.withRefreshLock(unique("other"), async () => "free")).toBe("free");
      expect(events).toEqual(["a in"]);
      release();
      expect(await Promise.all([first, second])).toEqual(["a", "b"]);
      expect(events).toEqual(["a in", "a out", "b in"]);
    });

    it("a refresh that throws releases the lock and passes its error on", async () => {
      const { a, b } = await pair();
      const key = unique("tts:token");
      await expect(
        a.withRefreshLock(key, async () => {
          throw new Error("refused");
        }),
      ).rejects.toThrow("refused");
      expect(await b.withRefreshLock(key, async () => 1)).toBe(1);
    });
  });
}
