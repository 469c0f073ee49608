/**
 * Reads of a running daemon's state from outside it, where the state port offers no such read (row counts, the dead
 * jobs with their errors): the state file (read-only, beside the daemon's own connection) or the PostgreSQL
 * database (a connection of its own).
 */
import pg from "pg";
import { openStore } from "../../src/store/index.js";
import { isPostgresUrl } from "../../src/store/state-location.js";

/** Runs one read-only statement (the same text on both backends, no parameters) at `statePath`. */
async function readRows<R>(statePath: string, sql: string): Promise<R[]> {
  if (isPostgresUrl(statePath)) {
    const client = new pg.Client({ connectionString: statePath });
    await client.connect();
    try {
      return (await client.query(sql)).rows as R[];
    } finally {
      await client.end();
    }
  }
  const store = openStore(statePath, { readonly: true });
  try {
    return store.db.prepare(sql).all() as R[];
  } finally {
    store.close();
  }
}

/** How many rows `table` (a state table's name, never input) holds at `statePath` (a file or a postgres:// URL). */
export async function countRowsIn(statePath: string, table: string): Promise<number> {
  const [row] = await readRows<{ n: number | string }>(statePath, `SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row!.n);
}

/** A dead job as a failing assertion shows it: what it was and why it died. */
export interface DeadJob {
  kind: string;
  orderingKey: string;
  attempts: number;
  lastErrorCode: string | null;
  lastError: string | null;
}

/** The dead jobs at `statePath`, oldest first (an empty list when every job finished or may still run). */
export async function deadJobsIn(statePath: string): Promise<DeadJob[]> {
  const rows = await readRows<DeadJob>(
    statePath,
    `SELECT kind, ordering_key AS "orderingKey", attempts, last_error_code AS "lastErrorCode",
       last_error AS "lastError" FROM jobs WHERE state = 'dead' ORDER BY id`,
  );
  return rows.map((r) => ({ ...r, attempts: Number(r.attempts) }));
}
