/**
 * Two replicas' pollers over one PostgreSQL database: each shop is swept by one of them, and when one dies (it
 * stops, without giving its leases up) the other sweeps its shops once their leases expire. The pollers and the
 * leases run on one manual clock; the leases are real rows.
 */
import { afterEach, describe, expect, it } from "vitest";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { type ReplicaHooks, replicaHooks } from "../../src/cluster/replica-hooks.js";
import { ManualTimers } from "../helpers/manual-timers.js";
import { usePostgresPools } from "../helpers/postgres.js";
import { cleanupWorlds, pollerWorld, SHOP_IDS } from "./poller-world.js";

interface Replica {
  hooks: ReplicaHooks;
  world: ReturnType<typeof pollerWorld>;
}

const db = usePostgresPools();

afterEach(cleanupWorlds);

describe("poll sweeps of two replicas on one database", () => {
  it("one replica per shop; a dead replica's shops are swept by the other after its leases expire", async () => {
    const url = await db.server().createDatabase();
    const timers = new ManualTimers();
    const [a, b] = [0, 1].map((i) => {
      const pool = db.pool(url, 2);
      const hooks = replicaHooks({
        coordinator: new PostgresCoordinator({ pool }),
        shopKeys: () => SHOP_IDS.map((id) => `tokopedia:${id}`),
        now: timers.now,
        identity: { id: `replica-${i}`, host: "h", pid: i, startedAt: i },
      });
      return { hooks, world: pollerWorld((shop) => hooks.sweepsShop(shop), timers) };
    }) as [Replica, Replica];
    await new PostgresCoordinator({ pool: db.pools[0]! }).ensureSchema();
    // Both start; the first round shares the shops out (A took all, sees B, gives its extra up; B takes it).
    await a.hooks.leases.tick();
    await b.hooks.leases.tick();
    await a.hooks.leases.tick();
    await b.hooks.leases.tick();
    await Promise.all([a.world.poller.start(), b.world.poller.start()]);
    const leasesTick = async (replicas: Replica[]) => {
      for (const r of replicas) await r.hooks.leases.tick();
    };
    for (let i = 0; i < 6; i++) {
      await timers.advance(5_000);
      await leasesTick([a, b]);
    }
    const sweptBy = (w: Replica) => new Set(w.world.listed);
    expect([...sweptBy(a)].filter((s) => sweptBy(b).has(s))).toEqual([]);
    expect(new Set([...sweptBy(a), ...sweptBy(b)])).toEqual(new Set(SHOP_IDS));
    expect(sweptBy(a).size).toBeGreaterThanOrEqual(1);
    expect(sweptBy(b).size).toBeGreaterThanOrEqual(1);
    // A dies: its poller stops and its leases are no longer renewed (nothing is given up).
    const fromA = [...sweptBy(a)];
    await a.world.poller.stop();
    b.world.listed.length = 0;
    for (let i = 0; i < 12; i++) {
      await timers.advance(5_000);
      await leasesTick([b]);
    }
    for (const shop of fromA) expect(b.world.listed).toContain(shop);
  });
});
