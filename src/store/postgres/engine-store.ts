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

  transaction<T>(fn: (tx: PgStoreTx) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (sql) => fn(new PgStoreTx(sql)));
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
