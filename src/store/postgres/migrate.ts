/**
 * The state schema in PostgreSQL, from the same MIGRATIONS list as the SQLite file (each step's `postgres` form).
 * Steps are recorded in `schema_migrations` (version, name, applied_at), as in SQLite. Several replicas starting
 * together may race to upgrade: each step runs in its own transaction under a transaction-level advisory lock,
 * re-reading the recorded version after taking it, so a step is applied once and the others skip it.
 * A database recording a version beyond this build's is refused (TK_ERR_STATE_TOO_NEW, as for a newer file), and
 * a database holding other tables but no schema_migrations is another program's (TK_ERR_STATE_NOT_OURS): neither
 * is written to.
 */
import type pg from "pg";
import { migrationFailed, stateNotOurs, stateTooNew } from "../errors.js";
import type { Migration } from "../migrations/index.js";
import { redactStateUrl } from "../state-location.js";
import { inTransaction, type Sql } from "./sql.js";

/** pg_advisory_xact_lock key of schema upgrades ("Tkkm" as in the SQLite application id, then 1). */
const MIGRATION_LOCK = 0x546b6b6d01;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

/** Refuses a newer or foreign database; returns the recorded version (0 for an empty database). */
export async function inspectDatabase(pool: pg.Pool, url: string, latest: number): Promise<number> {
  const shown = redactStateUrl(url);
  const tables = (
    await pool.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()",
    )
  ).rows.map((r) => r.name);
  if (tables.length === 0) return 0;
  if (!tables.includes("schema_migrations")) throw stateNotOurs(shown, "unknown tables");
  const version = await recordedVersion({
    query: async (t, p) => (await pool.query(t, p)).rows as never,
    atomic: () => Promise.reject(new Error("unused")),
  });
  if (version > latest) throw stateTooNew(shown, version, latest);
  return version;
}

/** Applies the steps the database has not seen yet; returns the versions applied by this call. */
export async function applyPgMigrations(
  pool: pg.Pool,
  url: string,
  migrations: readonly Migration[],
  now: number,
): Promise<number[]> {
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if ((await inspectDatabase(pool, url, latest)) >= latest) return [];
  const applied: number[] = [];
  for (const migration of migrations) {
    try {
      const done = await inTransaction(pool, async (sql) => {
        await sql.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
        await sql.query(CREATE_TABLE);
        if ((await recordedVersion(sql)) >= migration.version) return false;
        await sql.query(migration.postgres);
        await sql.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          now,
        ]);
        return true;
      });
      if (done) applied.push(migration.version);
    } catch (err) {
      throw migrationFailed(redactStateUrl(url), migration.version, migration.name, err);
    }
  }
  return applied;
}

async function recordedVersion(sql: Sql): Promise<number> {
  const rows = await sql.query<{ v: number }>(
    "SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations",
  );
  return rows[0]?.v ?? 0;
}
