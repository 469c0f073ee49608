/**
 * The orders notes' and TikTok Shop call counts' state ports on PostgreSQL: a real server (one throwaway cluster
 * for this file), a database per test, each `open` another pool on it (another `serve` replica).
 */
import { describe } from "vitest";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { PgOrderNotes } from "../../src/store/postgres/index.js";
import { poolSql } from "../../src/store/postgres/sql.js";
import { usePostgres } from "../helpers/postgres.js";
import { runOrderNotesContract } from "./order-notes.contract.js";

describe("state ports on PostgreSQL", () => {
  const server = usePostgres();

  /** Opens replicas on one fresh database: each an engine store (its own pool) that `make` builds the port on. */
  async function replicas<P>(make: (store: PostgresEngineStore) => P) {
    const url = await server().createDatabase();
    const opened: PostgresEngineStore[] = [];
    return {
      async open() {
        const store = await PostgresEngineStore.open(url, { max: 4 });
        opened.push(store);
        return make(store);
      },
      async close() {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  }

  runOrderNotesContract("postgres", () => replicas((s) => new PgOrderNotes(poolSql(s.pool))), {
    replicas: true,
  });
});
