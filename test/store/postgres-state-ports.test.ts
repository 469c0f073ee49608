/**
 * The orders notes' and TikTok Shop call counts' state ports on PostgreSQL: a real server (one throwaway cluster
 * for this file), a database per test, each `open` another pool on it (another `serve` replica).
 */
import { describe } from "vitest";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { PgCallCounts, PgOrderNotes } from "../../src/store/postgres/index.js";
import { poolSql } from "../../src/store/postgres/sql.js";
import { usePostgres } from "../helpers/postgres.js";
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
});
