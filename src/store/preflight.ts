import { closeSync, openSync, readSync } from "node:fs";
import type { Database } from "better-sqlite3";
import { stateCorrupt, stateNotOurs, stateNotSqlite, stateTooNew } from "./errors.js";
import { LATEST_SCHEMA_VERSION } from "./migrations/index.js";

/** Written into the SQLite header (PRAGMA application_id) by migration runner: "Tkkm". */
export const APPLICATION_ID = 0x546b6b6d;

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Checks the first bytes of an existing file before SQLite ever opens it (so nothing, not even a journal, is
 * written next to a stranger's file). An empty file is what SQLite itself treats as a new database: allowed.
 */
export function assertSqliteHeader(path: string, size: number): void {
  if (size === 0) return;
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (size < 100 || !head.equals(SQLITE_MAGIC)) throw stateNotSqlite(path);
}

/** Runs an integrity pragma; SQLite's own "corrupt"/"not a database" errors count as failures too. */
export function runCheck(db: Database, pragma: "quick_check" | "integrity_check"): string[] {
  const rows = db.pragma(pragma) as Array<Record<string, unknown>>;
  const lines = rows.flatMap((r) => String(Object.values(r)[0] ?? "").split("\n"));
  return lines.length === 1 && lines[0] === "ok" ? [] : lines;
}

function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT_INDEX";
}

/**
 * Read-only inspection of a just-opened file, run before anything is written to it:
 * 1. quick_check (a damaged file is refused, never "repaired" by writing to it);
 * 2. ownership: our application_id, or an empty file, or a file with our schema_migrations table;
 * 3. version: a file migrated by a newer tokokommo is refused (we would not know its tables' meaning).
 * Returns the schema version recorded in the file (0 for a new file).
 */
export function inspectStateFile(db: Database, path: string): number {
  let fileVersion = 0;
  try {
    const problems = runCheck(db, "quick_check");
    if (problems.length > 0) throw stateCorrupt(path, problems);

    const appId = db.pragma("application_id", { simple: true }) as number;
    const tables = (
      db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .all() as Array<{
        name: string;
      }>
    ).map((t) => t.name);
    const hasMigrations = tables.includes("schema_migrations");
    if (appId !== 0 && appId !== APPLICATION_ID) throw stateNotOurs(path, `application_id ${appId}`);
    if (appId === 0 && tables.length > 0 && !hasMigrations) throw stateNotOurs(path, "unknown tables");

    const userVersion = db.pragma("user_version", { simple: true }) as number;
    const recorded = hasMigrations
      ? ((db.prepare("SELECT MAX(version) AS v FROM schema_migrations").get() as { v: number | null }).v ?? 0)
      : 0;
    fileVersion = Math.max(userVersion, recorded);
  } catch (err) {
    if (isCorruptionError(err)) throw stateCorrupt(path, [String((err as Error).message)], err);
    throw err;
  }
  if (fileVersion > LATEST_SCHEMA_VERSION) throw stateTooNew(path, fileVersion, LATEST_SCHEMA_VERSION);
  return fileVersion;
}
