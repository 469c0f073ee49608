/**
 * The SQLite file as either end of `state copy`. Both ends hold the file's daemon lock for the whole copy, so a
 * daemon running on it is refused up front and none can start until the copy is over. The source is read in one
 * read transaction (a consistent snapshot) through a read-only connection; the target is created private (0600)
 * when absent and written in one IMMEDIATE transaction.
 */
import { rmSync, statSync } from "node:fs";
import { resolve } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { isTkError } from "../../errors/index.js";
import { acquireDaemonLock, type DaemonLock } from "../daemon-lock.js";
import { stateMissing } from "../errors.js";
import { applyMigrations } from "../migrate.js";
import { MIGRATIONS } from "../migrations/index.js";
import { assertNativeSqlite } from "../native.js";
import { assertSqliteHeader, inspectStateFile } from "../preflight.js";
import { createPrivateFile, makeLockFile, stateErrorFor } from "../store.js";
import { copyInUse, sourceEmpty } from "./errors.js";
import { type CopySource, type CopyTarget, ident, NOT_COPIED, type TableShape } from "./side.js";

export class SqliteSide implements CopySource, CopyTarget {
  private committed = false;

  private constructor(
    readonly location: string,
    private readonly db: Database,
    private readonly lock: DaemonLock,
    private readonly version: number,
    /** This copy created the file: removed again unless the copy commits. */
    private readonly created: boolean,
  ) {}

  /** Opens `path` as the source (it must exist and hold state) or the target (created when absent). */
  static open(path: string, role: "source" | "target"): SqliteSide {
    assertNativeSqlite();
    const file = resolve(path);
    const size = sizeOf(file);
    if (role === "source" && size === undefined) throw stateMissing(file);
    if (size !== undefined) assertSqliteHeader(file, size);
    const lock = takeLock(file);
    try {
      if (role === "target" && size === undefined) createPrivateFile(file);
      const db = new BetterSqlite3(file, { readonly: role === "source", fileMustExist: true });
      try {
        db.pragma("busy_timeout = 5000");
        const version = inspectStateFile(db, file); // refuses a damaged, foreign or newer file
        if (role === "source" && version === 0) throw sourceEmpty(file);
        if (role === "source")
          db.exec("BEGIN"); // one snapshot for every table
        else db.pragma("journal_mode = WAL");
        return new SqliteSide(file, db, lock, version, size === undefined);
      } catch (err) {
        db.close();
        throw err;
      }
    } catch (err) {
      lock.release();
      throw isTkError(err) ? err : stateErrorFor(file, err);
    }
  }

  async schemaVersion(): Promise<number> {
    return Math.max(this.version, Number(this.db.pragma("user_version", { simple: true })));
  }

  async tables(): Promise<string[]> {
    const rows = this.db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[];
    return rows.filter((t) => !NOT_COPIED.has(t));
  }

  async shape(table: string): Promise<TableShape> {
    const cols = this.db
      .prepare("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid")
      .all(table) as Array<{
      name: string;
      pk: number;
    }>;
    const key = cols.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk);
    return { table, columns: cols.map((c) => c.name), key: key.map((c) => c.name) };
  }

  async count(table: string): Promise<number> {
    return Number(
      this.db
        .prepare(`SELECT COUNT(*) FROM ${ident(table)}`)
        .pluck()
        .get(),
    );
  }

  async *rows(shape: TableShape, batchSize: number): AsyncIterable<unknown[][]> {
    const order = shape.key.length > 0 ? ` ORDER BY ${shape.key.map(ident).join(", ")}` : "";
    const stmt = this.db
      .prepare(`SELECT ${shape.columns.map(ident).join(", ")} FROM ${ident(shape.table)}${order}`)
      .raw(true)
      .safeIntegers(true);
    let batch: unknown[][] = [];
    for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
      batch.push(row);
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async idHighWater(table: string): Promise<bigint | undefined> {
    if (!this.hasSequenceTable()) return undefined;
    const seq = this.db.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?").pluck().safeIntegers(true);
    return seq.get(table) as bigint | undefined;
  }

  async nonEmpty(): Promise<Array<{ table: string; rows: number }>> {
    const counts = [];
    for (const table of await this.tables()) counts.push({ table, rows: await this.count(table) });
    return counts.filter((c) => c.rows > 0);
  }

  async migrateTo(version: number): Promise<void> {
    applyMigrations(this.db, this.location, MIGRATIONS.slice(0, version), Date.now());
  }

  async begin(): Promise<void> {
    this.db.exec("BEGIN IMMEDIATE");
  }

  private readonly inserts = new Map<string, BetterSqlite3.Statement>();

  async insert(shape: TableShape, rows: unknown[][]): Promise<number> {
    let stmt = this.inserts.get(shape.table);
    if (!stmt) {
      const marks = shape.columns.map(() => "?").join(", ");
      const cols = shape.columns.map(ident).join(", ");
      stmt = this.db.prepare(`INSERT INTO ${ident(shape.table)} (${cols}) VALUES (${marks})`);
      this.inserts.set(shape.table, stmt);
    }
    let written = 0;
    for (const row of rows) written += stmt.run(row).changes;
    return written;
  }

  /**
   * Only AUTOINCREMENT tables keep a high-water mark (sqlite_sequence): raised to `highWater` so an id handed out
   * before (a pruned job's) is never handed out again; other tables continue from their largest id by themselves.
   */
  async continueIds(table: string, highWater: bigint | undefined): Promise<void> {
    if (highWater === undefined || highWater <= 0n || !this.isAutoIncrement(table)) return;
    const updated = this.db
      .prepare("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = ?")
      .run(highWater, table).changes;
    if (updated === 0)
      this.db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)").run(table, highWater);
  }

  async commit(): Promise<void> {
    this.db.exec("COMMIT");
    this.committed = true;
  }

  async rollback(): Promise<void> {
    if (this.db.inTransaction) this.db.exec("ROLLBACK");
  }

  async close(): Promise<void> {
    try {
      if (this.db.open && this.db.inTransaction) this.db.exec("ROLLBACK");
      if (this.db.open) this.db.close();
    } finally {
      this.lock.release();
    }
    if (this.created && !this.committed)
      for (const suffix of ["-wal", "-shm", ".lock", ""])
        rmSync(`${this.location}${suffix}`, { force: true });
  }

  private hasSequenceTable(): boolean {
    return this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").get() !== undefined;
  }

  private isAutoIncrement(table: string): boolean {
    const sql = this.db
      .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
      .pluck()
      .get(table);
    return typeof sql === "string" && /\bAUTOINCREMENT\b/i.test(sql);
  }
}

function sizeOf(file: string): number | undefined {
  try {
    return statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw stateErrorFor(file, err);
  }
}

/** The daemon lock (see daemon-lock.ts), or TK_ERR_STATE_COPY_IN_USE naming the daemon holding it. */
function takeLock(file: string): DaemonLock {
  makeLockFile(file);
  try {
    return acquireDaemonLock(file, (p) => new BetterSqlite3(p));
  } catch (err) {
    if (isTkError(err) && err.code === "TK_ERR_STATE_LOCKED") {
      const d = err.details ?? {};
      const who = d.pid !== undefined ? `tokokommo pid ${d.pid} on ${d.host}` : "a running tokokommo daemon";
      throw copyInUse(file, who, err);
    }
    throw isTkError(err) ? err : stateErrorFor(file, err);
  }
}
