/**
 * One end of `state copy`: an SQLite file or a PostgreSQL database, read as a source or written as a target.
 * Values travel as the drivers give them with exact integers (SQLite and PostgreSQL int64 both as BigInt), text as
 * strings, BLOB/bytea as Buffers and NULL as null, so nothing is rounded on the way.
 */
import { CLUSTER_DDL } from "../../cluster/postgres-sql.js";

/** A table of the state schema: its columns in the target's order and the primary key (the read order). */
export interface TableShape {
  table: string;
  columns: string[];
  key: string[];
}

/** What both roles share. */
interface Side {
  /** The file path, or the URL with its password hidden. */
  readonly location: string;
  /** The schema version recorded (0: nothing there yet). */
  schemaVersion(): Promise<number>;
  /** The state tables (not the bookkeeping ones, see NOT_COPIED), alphabetical. */
  tables(): Promise<string[]>;
  shape(table: string): Promise<TableShape>;
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

export interface CopySource extends Side {
  /** The rows of a table in key order, in batches; call once per table. */
  rows(shape: TableShape, batchSize: number): AsyncIterable<unknown[][]>;
  /** The highest id the table's id generator has handed out (deleted rows included), when it keeps one. */
  idHighWater(table: string): Promise<bigint | undefined>;
}

export interface CopyTarget extends Side {
  /** Tables holding rows, with their counts (looked at before anything is written). */
  nonEmpty(): Promise<Array<{ table: string; rows: number }>>;
  /** Applies the schema steps up to `version` (not beyond), each committed on its own as the daemon does. */
  migrateTo(version: number): Promise<void>;
  /** Opens the one transaction every row goes in, locking the tables against other writers. */
  begin(tables: string[]): Promise<void>;
  insert(shape: TableShape, rows: unknown[][]): Promise<number>;
  /** Makes the table's id generator continue above its ids and above `highWater`. */
  continueIds(table: string, highWater: bigint | undefined): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** The coordinator's tables (heartbeats, leases, rate budgets): live cluster state, not part of an install's data. */
const CLUSTER_TABLES = [...CLUSTER_DDL.matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]!);

/** Tables never copied: schema bookkeeping (each side records its own) and the cluster's coordination rows. */
export const NOT_COPIED: ReadonlySet<string> = new Set(["schema_migrations", ...CLUSTER_TABLES]);

/** A quoted SQL identifier (the same in SQLite and PostgreSQL). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
