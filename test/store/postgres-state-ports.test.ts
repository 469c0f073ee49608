/**
 * The orders notes' and TikTok Shop call counts' state ports on PostgreSQL: a real server (one throwaway cluster
 * for this file), a database per test, each `open` another pool on it (another `serve` replica).
 */
import { describe, expect, it } from "vitest";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { PgCallCounts, PgOrderNotes } from "../../src/store/postgres/index.js";
import { poolSql, type Sql } from "../../src/store/postgres/sql.js";
import { usePostgres } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait.js";
import { runCallCountsContract } from "./call-counts.contract.js";
import { runOrderNotesContract } from "./order-notes.contract.js";

describe("state ports on PostgreSQL", () => {
  const server = usePostgres();

  /** Opens replicas on one fresh database: each an engine store (its own pool) that `make` builds the port on. */
  async function replicas<P>(make: (store: PostgresEngineStore) => P, stop?: (port: P) => void) {
    const url = await server().createDatabase();
    const opened: Array<{ store: PostgresEngineStore; port: P }> = [];
    return {
      async open() {
        const store = await PostgresEngineStore.open(url, { max: 4 });
        const port = make(store);
        opened.push({ store, port });
        return port;
      },
      async close() {
        for (const o of opened) stop?.(o.port);
        await Promise.all(opened.map((o) => o.store.close()));
      },
    };
  }

  runOrderNotesContract("postgres", () => replicas((s) => new PgOrderNotes(poolSql(s.pool))), {
    replicas: true,
  });

  // A short refresh period: the catch-up case waits for it rather than the 5 s default.
  runCallCountsContract(
    "postgres",
    () =>
      replicas(
        (s) => new PgCallCounts(poolSql(s.pool), { refreshMs: 50 }),
        (counts) => counts.close(),
      ),
    { replicas: true },
  );

  it("call counts: a failed periodic read keeps the last sight; close stops the reads", async () => {
    const url = await server().createDatabase();
    const store = await PostgresEngineStore.open(url, { max: 2 });
    let queries = 0;
    const pool = poolSql(store.pool);
    const counted: Sql = {
      ...pool,
      query<R>(text: string, params?: unknown[]) {
        queries += 1;
        return pool.query<R>(text, params);
      },
    };
    const errors: unknown[] = [];
    const counts = new PgCallCounts(counted, { refreshMs: 10, onRefreshError: (e) => errors.push(e) });
    const shop = { source: "tiktokshop" as const, shopId: "7000" };
    try {
      await counts.add(shop, 0, 3, 1);
      await waitFor("a periodic read", () => queries > 2);
      await store.close(); // the database goes away under the timer
      await waitFor("a failed periodic read", () => errors.length > 0);
      expect(counts.known(shop, 0).used).toBe(3);
      counts.close();
      const after = queries;
      await new Promise((r) => setTimeout(r, 50)); // five periods
      expect(queries).toBe(after);
    } finally {
      counts.close();
      await store.close();
    }
  });

  it("call counts: a day first asked about shows moments later, not at the next period; prune forgets old days", async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all([1, 2].map(() => PostgresEngineStore.open(url, { max: 2 })));
    const [writer, reader] = stores.map((s) => new PgCallCounts(poolSql(s.pool), { refreshMs: 600_000 }));
    const shop = { source: "tiktokshop" as const, shopId: "7000" };
    try {
      await writer!.add(shop, 0, 4, 1);
      expect(reader!.known(shop, 0).used).toBe(0);
      await waitFor("the first read of the day", () => reader!.known(shop, 0).used === 4);
      // Retention forgets days before the cut-off only.
      await writer!.add(shop, 86_400_000, 2, 1);
      expect(await writer!.prune(86_400_000)).toBe(1);
      expect((await reader!.get(shop, 0)).used).toBe(0);
      expect((await reader!.get(shop, 86_400_000)).used).toBe(2);
    } finally {
      writer!.close();
      reader!.close();
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
