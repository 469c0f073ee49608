/**
 * What the PostgreSQL backend does beyond the engine store contract: its schema from the shared migration list
 * (a newer or foreign database refused), the job claim's per-key lock and re-check, and how it connects.
 */
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { openStore } from "../../src/store/index.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/store/migrations/index.js";
import { openStateBackend } from "../../src/store/open-backend.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { freePort } from "../helpers/daemon-process.js";
import { queryOnce as sql, usePostgres } from "../helpers/postgres.js";
import { refusal } from "../helpers/refusal.js";
import { syncJob } from "./engine-store.contract.js";
import { useTempDir } from "./helpers.js";

describe("PostgreSQL state backend: schema, claims, connection", () => {
  const tmp = useTempDir();
  const server = usePostgres();

  it("creates every step of the shared list once, even when replicas start together", async () => {
    const url = await server().createDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => PostgresEngineStore.open(url, { max: 2 })));
    await Promise.all(stores.map((s) => s.close()));
    const rows = await sql<{ version: number }>(
      url,
      "SELECT version FROM schema_migrations ORDER BY version",
    );
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    const tables = await sql<{ t: string }>(
      url,
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.map((r) => r.t)).toEqual(expect.arrayContaining(["jobs", "rooms", "lead_order_notes"]));
  });

  it("has the same tables and columns as an SQLite file migrated by the same list", async () => {
    const url = await server().createDatabase();
    await (await PostgresEngineStore.open(url)).close();
    const pgColumns = await sql<{ c: string }>(
      url,
      `SELECT table_name || '.' || column_name AS c FROM information_schema.columns
       WHERE table_schema = 'public' ORDER BY 1`,
    );
    const file = openStore(join(tmp.dir(), "parity.db"));
    const sqliteColumns = (
      file.db
        .prepare(
          `SELECT m.name || '.' || p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1`,
        )
        .all() as { c: string }[]
    ).map((r) => r.c);
    file.close();
    expect(pgColumns.map((r) => r.c).sort()).toEqual(sqliteColumns.sort());
  });

  it("refuses a database written by a newer version, and changes nothing in it", async () => {
    const url = await server().createDatabase();
    await (await PostgresEngineStore.open(url)).close();
    await sql(url, "INSERT INTO schema_migrations VALUES ($1, 'from-the-future', 0)", [
      LATEST_SCHEMA_VERSION + 1,
    ]);
    expect(await refusal(PostgresEngineStore.open(url))).toBe("TK_ERR_STATE_TOO_NEW");
    expect(await sql(url, "SELECT 1 FROM schema_migrations")).toHaveLength(LATEST_SCHEMA_VERSION + 1);
  });

  it("refuses a database holding another program's tables", async () => {
    const url = await server().createDatabase();
    await sql(url, "CREATE TABLE customers (id int)");
    expect(await refusal(PostgresEngineStore.open(url))).toBe("TK_ERR_STATE_NOT_OURS");
    expect(await sql(url, "SELECT to_regclass('jobs') AS t")).toEqual([{ t: null }]);
  });

  it("does not hand out a key's job while another transaction holds that key's claim lock", async () => {
    const url = await server().createDatabase();
    const store = await PostgresEngineStore.open(url);
    try {
      const id = await store.enqueue(syncJob("A"), 0);
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      await other.query("SELECT pg_advisory_lock(hashtextextended('A', 0))");
      expect(await store.jobs.claimNext({ now: 1, leaseMs: 1_000, limit: 5 })).toEqual([]);
      await other.end();
      expect((await store.jobs.claimNext({ now: 1, leaseMs: 1_000, limit: 5 })).map((j) => j.id)).toEqual([
        id,
      ]);
    } finally {
      await store.close();
    }
  });

  it("keeps a re-queued dead job waiting while a later job of its key runs", async () => {
    const url = await server().createDatabase();
    const store = await PostgresEngineStore.open(url);
    try {
      const a1 = await store.enqueue(syncJob("A"), 0);
      await store.enqueue(syncJob("A"), 0);
      const [first] = await store.jobs.claimNext({ now: 1, leaseMs: 60_000, limit: 5 });
      await store.jobs.kill(first!, "unsendable");
      const [second] = await store.jobs.claimNext({ now: 1, leaseMs: 60_000, limit: 5 });
      expect(await store.requeueDead()).toBe(1);
      expect(await store.jobs.claimNext({ now: Date.now(), leaseMs: 60_000, limit: 5 })).toEqual([]);
      await store.jobs.complete(second!);
      expect(
        (await store.jobs.claimNext({ now: Date.now(), leaseMs: 60_000, limit: 5 })).map((j) => j.id),
      ).toEqual([a1]);
    } finally {
      await store.close();
    }
  });

  describe("openStateBackend", () => {
    it("opens the PostgreSQL store for a postgres:// or postgresql:// URL, the SQLite store for a path", async () => {
      const url = await server().createDatabase();
      const pgBackend = await openStateBackend(url.replace(/^postgres:/, "postgresql:"));
      try {
        expect(pgBackend.kind).toBe("postgres");
        if (pgBackend.kind === "postgres")
          expect(await pgBackend.store.seenOnce("tokopedia", "n", 1)).toBe(true);
      } finally {
        if (pgBackend.kind === "postgres") await pgBackend.store.close();
      }
      const file = await openStateBackend(join(tmp.dir(), "state.db"));
      expect(file.kind).toBe("sqlite");
      if (file.kind === "sqlite") file.store.close();
    });

    it("says TK_ERR_STATE_UNREACHABLE, without the password, when no server answers", async () => {
      const port = await freePort();
      const err = await openStateBackend(`postgres://bridge:pw-never-shown@127.0.0.1:${port}/x`).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isTkError(err) && err.code).toBe("TK_ERR_STATE_UNREACHABLE");
      expect(JSON.stringify(isTkError(err) ? err.toJSON() : err)).not.toContain("pw-never-shown");
      expect(String((err as Error).message)).toContain(`127.0.0.1:${port}`);
    });
  });
});
