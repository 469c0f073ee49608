/**
 * `tokokommo state copy`: a stopped install's state from an SQLite file to PostgreSQL or back (or file to file,
 * database to database). The target is brought to the source's schema version (not beyond: the next daemon start
 * upgrades it as it would the source), every state table is copied in batches inside one transaction on the
 * target, ids kept and id generators continued above them, and each table's rows read must equal its rows written
 * and the rows the target then holds, or nothing is committed.
 */
import { resolve } from "node:path";
import { isTkError } from "../../errors/index.js";
import { stateTooNew } from "../errors.js";
import { LATEST_SCHEMA_VERSION } from "../migrations/index.js";
import { isPostgresUrl, redactStateUrl } from "../state-location.js";
import { copyFailed, countMismatch, sameLocation, schemaMismatch, targetNotEmpty } from "./errors.js";
import type { CopySource, CopyTarget, TableShape } from "./side.js";

export interface CopyStateOptions {
  /** The state to copy: an SQLite file path or a postgres:// URL. */
  from: string;
  /** Where to: a path where no state exists yet, or an empty database. */
  to: string;
  /** Rows per read and write (default 1000). */
  batchSize?: number;
  /** For the database password (TOKOKOMMO_STATE_PASSWORD); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Called after every batch. */
  onProgress?: (p: CopyProgress) => void;
}

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface TableCount {
  table: string;
  read: number;
  written: number;
}

export interface CopyReport {
  /** Locations as shown to people: file paths, URLs without their password. */
  from: string;
  to: string;
  schemaVersion: number;
  tables: TableCount[];
  rows: number;
  tookMs: number;
}

export async function copyState(opts: CopyStateOptions): Promise<CopyReport> {
  const started = performance.now();
  if (sameTarget(opts.from, opts.to))
    throw sameLocation(isPostgresUrl(opts.from) ? redactStateUrl(opts.from) : resolve(opts.from));
  const source = await openSide(opts.from, "source", opts.env);
  try {
    const version = await source.schemaVersion();
    if (version > LATEST_SCHEMA_VERSION) throw stateTooNew(source.location, version, LATEST_SCHEMA_VERSION);
    const target = (await openSide(opts.to, "target", opts.env)) as CopyTarget;
    try {
      const shapes = await prepareTarget(source, target, version);
      const tables = await copyRows(source, target, shapes, opts);
      const rows = tables.reduce((n, t) => n + t.written, 0);
      const tookMs = Math.round(performance.now() - started);
      return { from: source.location, to: target.location, schemaVersion: version, tables, rows, tookMs };
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

async function openSide(
  location: string,
  role: "source" | "target",
  env: NodeJS.ProcessEnv | undefined,
): Promise<CopySource & CopyTarget> {
  if (isPostgresUrl(location)) {
    const { PostgresSide } = await import("./postgres-side.js");
    return PostgresSide.open(location, role, env);
  }
  const { SqliteSide } = await import("./sqlite-side.js");
  return SqliteSide.open(location, role);
}

function sameTarget(from: string, to: string): boolean {
  if (isPostgresUrl(from) || isPostgresUrl(to)) return from === to;
  return resolve(from) === resolve(to);
}

/**
 * Refuses a target holding rows (before anything is written to it), migrates it to the source's version and
 * checks both now have the same version, tables and columns. Returns the tables to copy, shaped as the target has
 * them.
 */
async function prepareTarget(source: CopySource, target: CopyTarget, version: number): Promise<TableShape[]> {
  const filled = await target.nonEmpty();
  if (filled.length > 0) throw targetNotEmpty(target.location, filled);
  const before = await target.schemaVersion();
  if (before < version) await target.migrateTo(version);
  const after = await target.schemaVersion();
  if (after !== version)
    throw schemaMismatch(`the source is at schema ${version}, the target at ${after}`, {
      sourceVersion: version,
      targetVersion: after,
    });
  const tables = await target.tables();
  const sourceTables = await source.tables();
  if (tables.join() !== sourceTables.join())
    throw schemaMismatch("their tables differ", { sourceTables, targetTables: tables });
  const shapes: TableShape[] = [];
  for (const table of tables) {
    const shape = await target.shape(table);
    const theirs = await source.shape(table);
    if ([...shape.columns].sort().join() !== [...theirs.columns].sort().join())
      throw schemaMismatch(`the columns of ${table} differ`, { table });
    shapes.push({ ...shape, key: theirs.key });
  }
  return shapes;
}

/** Every table in one transaction on the target; committed only when every count matches. */
async function copyRows(
  source: CopySource,
  target: CopyTarget,
  shapes: TableShape[],
  opts: CopyStateOptions,
): Promise<TableCount[]> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 1000));
  const counts: TableCount[] = [];
  let current = "(start)";
  try {
    await target.begin(shapes.map((s) => s.table));
    const filled = await target.nonEmpty(); // again, under the lock: nothing slipped in since the first look
    if (filled.length > 0) throw targetNotEmpty(target.location, filled);
    for (const shape of shapes) {
      current = shape.table;
      const total = await source.count(shape.table);
      let read = 0;
      let written = 0;
      for await (const batch of source.rows(shape, batchSize)) {
        read += batch.length;
        written += await target.insert(shape, batch);
        opts.onProgress?.({ table: shape.table, copied: written, total });
      }
      await target.continueIds(shape.table, await source.idHighWater(shape.table));
      const inTarget = await target.count(shape.table);
      if (read !== written || written !== inTarget || read !== total)
        throw countMismatch(shape.table, read, written, inTarget);
      counts.push({ table: shape.table, read, written });
    }
    current = "(commit)";
    await target.commit();
  } catch (err) {
    await target.rollback();
    throw isTkError(err) ? err : copyFailed(current, err);
  }
  return counts;
}
