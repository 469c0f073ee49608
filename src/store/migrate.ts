import type { Database } from "better-sqlite3";
import { migrationFailed } from "./errors.js";
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
      throw migrationFailed(path, migration.version, migration.name, err);
    }
  }
  return applied;
}

/** Throws unless versions run 1, 2, 3... (guards the append-only rule in MIGRATIONS). */
export function assertMigrationOrder(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration #${i} has version ${m.version}, expected ${i + 1}`);
  });
}
