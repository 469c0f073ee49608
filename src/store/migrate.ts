import type { Database } from "better-sqlite3";
import { migrationFailed, upgradeBusy } from "./errors.js";
import type { Migration } from "./migrations/index.js";
import { APPLICATION_ID } from "./preflight.js";

/**
 * Applies the migrations the file has not seen yet, each in its own IMMEDIATE transaction (so two processes
 * opening the same new file cannot both apply a step: the second re-reads the version under the write lock and
 * skips). Each step records itself in schema_migrations and in PRAGMA user_version. Re-opening is a no-op.
 * Returns the versions applied by this call.
 */
export function applyMigrations(
  db: Database,
  path: string,
  migrations: readonly Migration[],
  now: number,
): number[] {
  // An up-to-date file is opened without a write: the daemon (and status, doctor) must start while another
  // process holds the write lock for a while (a backup, a long sqlite3 session); only a due step needs the lock.
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  if (recordedVersion(db) >= latest) return [];
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  const current = db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations");
  const record = db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
  const applied: number[] = [];
  for (const migration of migrations) {
    const step = db.transaction(() => {
      if ((current.get() as { v: number }).v >= migration.version) return false;
      migration.up(db);
      record.run(migration.version, migration.name, now);
      db.pragma(`user_version = ${migration.version}`);
      db.pragma(`application_id = ${APPLICATION_ID}`);
      return true;
    });
    try {
      if (step.immediate()) applied.push(migration.version);
    } catch (err) {
      if (isBusy(err)) throw upgradeBusy(path, migration.version, err);
      throw migrationFailed(path, migration.version, migration.name, err);
    }
  }
  return applied;
}

/** The highest step recorded in schema_migrations (0 for a new file), read without taking the write lock. */
function recordedVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  return (db.prepare("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations").get() as { v: number })
    .v;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"));
}

/** Throws unless versions run 1, 2, 3... (guards the append-only rule in MIGRATIONS). */
export function assertMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}
