/**
 * Shops shared out between replicas by leases (src/cluster/shop-leases.ts), against both coordinators: every shop
 * is held by exactly one replica, about evenly; a dead replica's shops move to the others once its leases expire;
 * a clean stop hands them over at once. The ticks are called directly on an injected clock.
 */
import { describe, expect, it } from "vitest";
import { clusterView } from "../../src/cluster/cluster-view.js";
import { MemoryCoordinator } from "../../src/cluster/memory.js";
import type { Coordinator } from "../../src/cluster/port.js";
import { ShopLeases } from "../../src/cluster/shop-leases.js";
import { usePostgresPools } from "../helpers/postgres.js";
import { coordinatorPair } from "./postgres-pair.js";

const db = usePostgresPools();

/** Two replicas' coordinators on a fresh coordination space. */
type Pair = () => Promise<[Coordinator, Coordinator]>;

const postgresPair: Pair = async () => coordinatorPair(db, await db.server().createDatabase(), 2);

const memoryPair: Pair = async () => {
  const c = new MemoryCoordinator();
  return [c, c];
};

const SHOPS = ["tokopedia:1", "tokopedia:2", "tokopedia:3", "tiktokshop:4"];

function replicas(pair: [Coordinator, Coordinator], clock: { t: number }) {
  const acquired: string[][] = [[], []];
  const [a, b] = pair.map(
    (coordinator, i) =>
      new ShopLeases({
        coordinator,
        shopKeys: () => SHOPS,
        now: () => clock.t,
        identity: { id: `replica-${i}`, host: "h", pid: i, startedAt: i },
        onAcquired: (keys) => acquired[i]?.push(...keys),
      }),
  ) as [ShopLeases, ShopLeases];
  const holders = () => SHOPS.map((s) => [a.holds(s), b.holds(s)].filter(Boolean).length);
  return { a, b, acquired, holders };
}

for (const [name, pair] of [
  ["in-process", memoryPair],
  ["PostgreSQL", postgresPair],
] as const) {
  describe(`${name}: shop leases`, () => {
    it("shares the shops out, one holder each, and moves a dead replica's shops after its leases expire", async () => {
      const clock = { t: 1_000_000 };
      const { a, b, acquired, holders } = replicas(await pair(), clock);
      await a.tick();
      expect(a.heldShops()).toEqual([...SHOPS].sort());
      await b.tick();
      expect(b.heldShops()).toEqual([]);
      // A sees B alive: over its share, it gives two leases up; B takes them.
      clock.t += 5_000;
      await a.tick();
      await b.tick();
      expect(a.heldShops()).toHaveLength(2);
      expect(b.heldShops()).toHaveLength(2);
      expect(holders()).toEqual([1, 1, 1, 1]);
      expect(acquired[1]).toEqual(b.heldShops());
      // What status shows: both replicas, and each shop's holder.
      const view = await clusterView(a.coordinator, clock.t);
      expect(view.replicas.map((r) => r.id)).toEqual(["replica-0", "replica-1"]);
      expect(view.shopHolders).toEqual(
        Object.fromEntries(SHOPS.map((s) => [s, a.holds(s) ? "replica-0" : "replica-1"])),
      );
      // A dies: B ticks on. A's leases (renewed at +5 s) are live until +35 s: nothing moves before.
      const fromA = a.heldShops();
      for (let i = 0; i < 5; i++) {
        clock.t += 5_000;
        await b.tick();
        expect(b.heldShops()).toHaveLength(2);
      }
      clock.t += 5_000;
      await b.tick();
      expect(b.heldShops()).toEqual([...SHOPS].sort());
      expect(acquired[1]?.slice(2)).toEqual(fromA);
      // A's own clock tells it that its leases are gone too: it sweeps nothing more.
      expect(a.heldShops()).toEqual([]);
    });

    it("a clean stop hands every shop over at the next tick of the others", async () => {
      const clock = { t: 2_000_000 };
      const coordinators = await pair();
      const { a, b, holders } = replicas(coordinators, clock);
      await a.tick();
      await b.tick();
      await a.stop();
      expect(a.heldShops()).toEqual([]);
      await b.tick();
      expect(b.heldShops()).toEqual([...SHOPS].sort());
      expect(holders()).toEqual([1, 1, 1, 1]);
      // A's heartbeat row went with it; B's is there.
      expect((await coordinators[1].aliveReplicas(clock.t)).map((r) => r.id)).toEqual(["replica-1"]);
    });
  });
}
