/**
 * The engine's state store over PostgreSQL (EngineStore): a connection pool shared by this process's work,
 * on a database several `serve` replicas may share. Calls on the store run on the pool, each atomic on its own;
 * `transaction(fn)` holds one pooled connection from BEGIN to COMMIT/ROLLBACK, so a call outside it never joins it.
 */
import type pg from "pg";
import type { EngineStore, EngineStoreTx, JobQueuePort } from "../../bridge/store-port.js";
import { RETRY_BUDGET } from "../backoff.js";
import { MIGRATIONS } from "../migrations/index.js";
import { redactStateUrl } from "../state-location.js";
import { openPool, type PoolOptions } from "./connection.js";
import { pgJobQueue } from "./job-queue.js";
import { applyPgMigrations } from "./migrate.js";
import { inTransaction, poolSql } from "./sql.js";
import { PgStoreTx } from "./store-tx.js";
import { PgWriteBehind } from "./write-behind.js";

/** Attempts of a transaction that PostgreSQL ended for a deadlock or a serialization conflict. */
const TRANSACTION_ATTEMPTS = 5;
const RETRY_PAUSE_MS = 20;
/** deadlock_detected, serialization_failure: PostgreSQL's "run the transaction again". */
const RETRYABLE_CONFLICTS = new Set(["40P01", "40001"]);

function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && RETRYABLE_CONFLICTS.has(code);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface PostgresStoreOptions extends PoolOptions {
  /** Failed attempts before a job whose lease keeps expiring is dead (default RETRY_BUDGET). */
  retryBudget?: number;
  now?: number;
}

export class PostgresEngineStore extends PgStoreTx implements EngineStore {
  readonly jobs: JobQueuePort;
  /** The URL with its password hidden, for messages and status. */
  readonly location: string;
  private readonly behind: PgWriteBehind<PgStoreTx>;

  private constructor(
    readonly pool: pg.Pool,
    url: string,
    retryBudget: number,
  ) {
    super(poolSql(pool));
    this.location = redactStateUrl(url);
    this.behind = new PgWriteBehind<PgStoreTx>((fn) => this.transaction(fn));
    this.jobs = pgJobQueue((fn) => this.transaction(fn), this.sql, this.behind, retryBudget);
  }

  /**
   * Connects (TK_ERR_STATE_UNREACHABLE when it cannot), refuses a newer or foreign database, and applies the
   * schema steps the database has not seen yet.
   */
  static async open(url: string, opts: PostgresStoreOptions = {}): Promise<PostgresEngineStore> {
    const pool = await openPool(url, opts);
    try {
      await applyPgMigrations(pool, url, MIGRATIONS, opts.now ?? Date.now());
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
    return new PostgresEngineStore(pool, url, opts.retryBudget ?? RETRY_BUDGET);
  }

  /**
   * Runs `fn` in one transaction. PostgreSQL may end a transaction to break a deadlock (two transactions locking the
   * same rows in different orders: concurrent intake batches, another replica) or a serialization conflict; it
   * asks the client to run it again, and that is what happens here, a few times, after a short random pause. The
   * body does store work only (the port's rule), so running it again is safe: the rolled-back attempt left nothing.
   */
  async transaction<T>(fn: (tx: PgStoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTransaction(this.pool, (sql) => fn(new PgStoreTx(sql)));
      } catch (err) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isRetryableConflict(err)) throw err;
        await sleep(Math.random() * RETRY_PAUSE_MS * attempt);
      }
    }
  }

  writeBehind(write: (tx: EngineStoreTx) => Promise<void>): void {
    this.behind.push(write);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.behind.flush();
    } finally {
      await this.pool.end();
    }
  }
}
