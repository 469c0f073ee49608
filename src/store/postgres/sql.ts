/**
 * How the PostgreSQL store runs SQL: on the pool (each call on whichever connection is free, committed on its own)
 * or on the one connection a transaction holds. `atomic` is how a method that needs several statements stays
 * atomic either way: inside a transaction it just runs; on the pool it opens a transaction of its own.
 */
import type pg from "pg";
import { markStateFailure } from "../../bridge/postgres-state-errors.js";
import { withClient } from "../../cluster/pg-client.js";

/** Every failure of the database goes up marked as the state's (state-health.ts tells it from a platform's). */
function rethrowMarked(err: unknown): never {
  throw markStateFailure(err);
}

export interface Sql {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `fn` atomically (see above). */
  atomic<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

/** SQL on the pool: a call outside a transaction never runs on (or joins) a connection a transaction holds. */
export function poolSql(pool: pg.Pool): Sql {
  return {
    query: async <R>(text: string, params?: unknown[]) =>
      (await pool.query(text, params as unknown[]).catch(rethrowMarked)).rows as R[],
    atomic: (fn) => inTransaction(pool, fn),
  };
}

/** SQL on a transaction's own connection. */
export function clientSql(client: pg.PoolClient): Sql {
  const sql: Sql = {
    query: async <R>(text: string, params?: unknown[]) =>
      (await client.query(text, params as unknown[]).catch(rethrowMarked)).rows as R[],
    atomic: (fn) => fn(sql),
  };
  return sql;
}

/**
 * Runs `fn` in one transaction on one dedicated pooled connection: BEGIN, then COMMIT when `fn` resolves or
 * ROLLBACK when it rejects. A connection lost meanwhile, or whose ROLLBACK failed (the server went away
 * mid-transaction), is discarded rather than returned to the pool (withClient).
 */
export function inTransaction<T>(pool: pg.Pool, fn: (sql: Sql) => Promise<T>): Promise<T> {
  return withClient(
    pool,
    async (client, broken) => {
      // READ COMMITTED whatever the server's default: each statement sees what committed before it started, which
      // the job claim's re-check relies on (job-queue.ts), and FOR UPDATE skips or re-checks rows instead of
      // failing.
      await client.query("BEGIN ISOLATION LEVEL READ COMMITTED").catch(rethrowMarked);
      try {
        const result = await fn(clientSql(client));
        await client.query("COMMIT").catch(rethrowMarked);
        return result;
      } catch (err) {
        await client.query("ROLLBACK").catch(broken);
        throw err;
      }
    },
    { onConnectError: rethrowMarked },
  );
}
