import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { gate } from "../helpers/gate.js";
import { usePostgresPools } from "../helpers/postgres.js";
import { coordinatorContract } from "./coordinator-contract.js";

// Its own server: a test ends every session that holds an advisory lock, on the whole server.
const db = usePostgresPools({ own: true });
let url: string;

/** One replica: its own pool on the shared database. */
function replica(): PostgresCoordinator {
  const pool = db.pool(url, 4);
  // The pool's owner hears idle connections dropping (the daemon logs them); here one is killed on purpose.
  pool.on("error", () => {});
  return new PostgresCoordinator({ pool, refreshLockTimeoutMs: 5_000 });
}

beforeAll(async () => {
  url = await db.server().createDatabase();
});

describe("PostgreSQL coordinator schema", () => {
  it("ensureSchema is idempotent and safe from replicas starting together", async () => {
    const [a, b, c] = [replica(), replica(), replica()];
    await Promise.all([a.ensureSchema(), b.ensureSchema(), c.ensureSchema()]);
    await a.ensureSchema();
    const { rows } = await db.pools[0]!.query(
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'cluster_%' ORDER BY 1",
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      "cluster_leases",
      "cluster_rate_budgets",
      "cluster_replicas",
    ]);
  });
});

describe("PostgreSQL refresh locks", () => {
  it("a refresh that waits longer than the lock timeout fails with TK_ERR_CLUSTER_LOCK_TIMEOUT and runs nothing", async () => {
    const holder = replica();
    await holder.ensureSchema();
    const lockPool = db.pool(url, 1);
    const waiter = new PostgresCoordinator({ pool: lockPool, lockPool, refreshLockTimeoutMs: 200 });
    const { wait: held, open: release } = gate();
    const { wait: inside, open: entered } = gate();
    const first = holder.withRefreshLock("refresh:kommo:slow", async () => {
      entered();
      await held;
    });
    await inside;
    let ran = false;
    const err = await waiter
      .withRefreshLock("refresh:kommo:slow", async () => {
        ran = true;
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "TK_ERR_CLUSTER_LOCK_TIMEOUT" });
    expect(ran).toBe(false);
    release();
    await first;
    // The waiter's only connection went back to its pool in a usable state.
    expect(await waiter.withRefreshLock("refresh:kommo:slow", async () => "after")).toBe("after");
  });
});

describe("a replica that dies holding a refresh lock", () => {
  it("loses it with its connection: the other replica's refresh runs", async () => {
    const dying = replica();
    await dying.ensureSchema();
    const other = replica();
    let entered!: () => void;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    let finish!: () => void;
    const stuck = dying
      .withRefreshLock("refresh:tts:seller", async () => {
        entered();
        await new Promise<void>((r) => {
          finish = r;
        });
      })
      .catch((e: unknown) => e);
    await inside;
    const waiting = other.withRefreshLock("refresh:tts:seller", async () => "other ran");
    // The dying replica's connection goes (a crash, a network cut): PostgreSQL ends its transaction and lock.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()",
    );
    await admin.end();
    expect(await waiting).toBe("other ran");
    finish();
    await stuck;
  });
});

coordinatorContract("PostgreSQL", async () => {
  const a = replica();
  await a.ensureSchema();
  return { a, b: replica() };
});
