/**
 * PostgreSQL token stores for tests: a migrated database on the test server, and PgTokenStores each on a pool of its
 * own (one per "replica"), all ended by closeAll().
 */
import pg from "pg";
import { MIGRATIONS } from "../../src/store/migrations/index.js";
import { applyPgMigrations } from "../../src/store/postgres/migrate.js";
import { poolSql, type Sql } from "../../src/store/postgres/sql.js";
import { PgTokenStore, type PgTokenStoreOptions } from "../../src/store/postgres/tokens.js";
import type { TestPostgres } from "./postgres.js";

/** A fresh database holding the state schema (the tokens table among it). */
export async function migratedDatabase(server: TestPostgres): Promise<string> {
  const url = await server.createDatabase();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await applyPgMigrations(pool, url, MIGRATIONS, Date.now());
  } finally {
    await pool.end();
  }
  return url;
}

/** `sql` whose transactions (the store's writes) start `ms` late: a write in the background is slower than a read. */
export function slowWrites(sql: Sql, ms: number): Sql {
  return {
    query: (text, params) => sql.query(text, params),
    atomic: async (fn) => {
      await new Promise((r) => setTimeout(r, ms));
      return sql.atomic(fn);
    },
  };
}

/** A log that keeps its lines (tests check a failure is reported). */
export function recordingLog() {
  const lines: { level: "warn" | "error"; obj: object; msg: string }[] = [];
  return {
    lines,
    warn(obj: object, msg: string) {
      lines.push({ level: "warn", obj, msg });
    },
    error(obj: object, msg: string) {
      lines.push({ level: "error", obj, msg });
    },
  };
}

export interface OpenedTokenStore {
  store: PgTokenStore;
  pool: pg.Pool;
  sql: Sql;
}

/** Opens PgTokenStores on their own pools and ends them all at the end. */
export function pgTokenStores() {
  const opened: OpenedTokenStore[] = [];
  return {
    /** A replica's store: its own pool of `max` connections; no periodic reload unless asked. */
    async open(
      url: string,
      opts: PgTokenStoreOptions & { max?: number; wrapSql?: (sql: Sql) => Sql } = {},
    ): Promise<OpenedTokenStore> {
      const { max, wrapSql, ...storeOpts } = opts;
      const pool = new pg.Pool({ connectionString: url, max: max ?? 3 });
      pool.on("error", () => {});
      const sql = wrapSql ? wrapSql(poolSql(pool)) : poolSql(pool);
      const store = await PgTokenStore.open(sql, { reloadEveryMs: 0, log: recordingLog(), ...storeOpts });
      const o = { store, pool, sql };
      opened.push(o);
      return o;
    },
    async closeAll(): Promise<void> {
      for (const o of opened.splice(0)) {
        await o.store.close().catch(() => {});
        await o.pool.end().catch(() => {});
      }
    },
  };
}
