/**
 * The PostgreSQL coordinator: replicas sharing one database coordinate through its rows and advisory locks (see
 * port.ts for the contract, postgres-sql.ts for the statements). Every operation is one statement, atomic on its
 * own, except the refresh lock, which holds one pooled connection for as long as the refresh runs: an advisory
 * lock of that connection's transaction, released by PostgreSQL if the replica or its connection dies.
 */
import type pg from "pg";
import { TkError } from "../errors/index.js";
import { withClient } from "./pg-client.js";
import type { Coordinator, LeaseRecord, RateBudget, ReplicaIdentity, ReplicaRecord } from "./port.js";
import { REPLICA_TIMEOUT_MS } from "./port.js";
import * as sql from "./postgres-sql.js";

export interface PostgresCoordinatorOptions {
  /** The pool the coordinator queries (it does not end it: the owner does). */
  pool: pg.Pool;
  /**
   * The pool refresh locks take their connection from (default `pool`). A refresh holds that connection while it
   * runs and meanwhile needs others (saving the token, the rate budget): a pool filled with refreshes holding
   * locks would wait for itself. Give locks their own small pool, or make the shared one larger than the number of
   * tokens that may refresh at once plus two.
   */
  lockPool?: pg.Pool;
  /** How long a refresh waits for another replica's refresh of the same token (default 60 s). */
  refreshLockTimeoutMs?: number;
}

/** Heartbeat rows of replicas silent for longer than this are deleted. */
const FORGET_REPLICA_MS = 24 * 3600_000;
const LOCK_NOT_AVAILABLE = "55P03";

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v);

function leaseOf(r: Row): LeaseRecord {
  return { name: String(r.name), holder: String(r.holder), expiresAt: num(r.expires_at) };
}

export class PostgresCoordinator implements Coordinator {
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly lockTimeoutMs: number;

  constructor(o: PostgresCoordinatorOptions) {
    this.pool = o.pool;
    this.lockPool = o.lockPool ?? o.pool;
    this.lockTimeoutMs = o.refreshLockTimeoutMs ?? 60_000;
  }

  /** Creates the coordinator's tables if missing; safe to run from every replica at once. */
  async ensureSchema(): Promise<void> {
    await withClient(this.pool, async (client) => {
      try {
        await client.query("BEGIN");
        await client.query(sql.LOCK_SCHEMA, [sql.ADVISORY_NAMESPACE]);
        await client.query(sql.CLUSTER_DDL);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    });
  }

  async heartbeat(r: ReplicaIdentity, now: number): Promise<void> {
    await this.pool.query(sql.HEARTBEAT, [r.id, r.host, r.pid, r.startedAt, now]);
    await this.pool.query(sql.PRUNE_REPLICAS, [now - FORGET_REPLICA_MS]);
  }

  async aliveReplicas(now: number, timeoutMs = REPLICA_TIMEOUT_MS): Promise<ReplicaRecord[]> {
    const { rows } = await this.pool.query<Row>(sql.ALIVE_REPLICAS, [now - timeoutMs]);
    return rows.map((r) => ({
      id: String(r.id),
      host: String(r.host),
      pid: num(r.pid),
      startedAt: num(r.started_at),
      lastSeenAt: num(r.last_seen_at),
    }));
  }

  async removeReplica(id: string): Promise<void> {
    await this.pool.query(sql.REMOVE_REPLICA, [id]);
  }

  async acquireLease(
    name: string,
    holder: string,
    ttlMs: number,
    now: number,
  ): Promise<LeaseRecord | undefined> {
    const { rows } = await this.pool.query<Row>(sql.ACQUIRE_LEASE, [name, holder, now, ttlMs]);
    return rows[0] ? leaseOf(rows[0]) : undefined;
  }

  async renewLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    return ((await this.pool.query(sql.RENEW_LEASE, [name, holder, now, ttlMs])).rowCount ?? 0) > 0;
  }

  async releaseLease(name: string, holder: string): Promise<boolean> {
    return ((await this.pool.query(sql.RELEASE_LEASE, [name, holder])).rowCount ?? 0) > 0;
  }

  async leaseHolders(): Promise<LeaseRecord[]> {
    return (await this.pool.query<Row>(sql.LEASE_HOLDERS)).rows.map(leaseOf);
  }

  async take(key: string, budget: RateBudget, now: number): Promise<number> {
    const limit = Math.max(1, Math.floor(budget.limit));
    const { rows } = await this.pool.query<Row>(sql.TAKE_GRANT, [key, now, limit, budget.windowMs]);
    return num(rows[0]?.at);
  }

  async withRefreshLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    // A connection lost while the lock is held: the lock is simply gone (PostgreSQL released it).
    return withClient(this.lockPool, async (client, broken) => {
      try {
        await client.query("BEGIN");
        await client.query(sql.REFRESH_LOCK_TIMEOUT, [`${this.lockTimeoutMs}ms`]);
        await client.query(sql.REFRESH_LOCK, [sql.ADVISORY_NAMESPACE, key]);
      } catch (err) {
        await client.query("ROLLBACK").catch(broken);
        throw lockError(err, key, this.lockTimeoutMs);
      }
      try {
        return await fn();
      } finally {
        // Nothing was written in this transaction: ending it only releases the lock.
        await client.query("COMMIT").catch(broken);
      }
    });
  }

  async close(): Promise<void> {}
}

function lockError(err: unknown, key: string, timeoutMs: number): unknown {
  if ((err as { code?: unknown })?.code !== LOCK_NOT_AVAILABLE) return err;
  return new TkError(
    "TK_ERR_CLUSTER_LOCK_TIMEOUT",
    `Another replica has been refreshing the token ${key} for more than ${timeoutMs} ms.`,
    {
      fix: "Nothing if it is rare (the call is retried). If it repeats, look for a replica stuck in a refresh.",
      cause: err,
      details: { key, timeoutMs, retryable: true },
    },
  );
}
