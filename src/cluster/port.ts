/**
 * The coordination port of `serve` replicas: what several processes sharing one state database agree on beyond
 * the state itself. One interface, two implementations: in-process (memory.ts), for the embedded SQLite state,
 * where the daemon lock guarantees one process per state file, so coordinating means coordinating with itself;
 * and PostgreSQL (postgres.ts), for replicas sharing one database.
 *
 * - Heartbeats: every replica writes a row every few seconds; the replicas seen within a timeout are alive.
 * - Named leases: one holder at a time, taken over once the holder stops renewing (a shop's poll sweep).
 * - Rate budgets: a sliding window of grants per key, shared by every replica (Kommo REST 7/s per account,
 *   Tokopedia's per-app rate).
 * - Refresh locks: one token refresh at a time per token key, cluster-wide (single-use refresh tokens).
 *
 * Times are wall-clock milliseconds since the epoch, passed in by the caller (tests inject a clock). Replicas on
 * different machines compare them, so their clocks must be kept in step (NTP).
 */

/** Who a replica is: a random id, and the host and pid for humans reading `status`. */
export interface ReplicaIdentity {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
}

export interface ReplicaRecord extends ReplicaIdentity {
  lastSeenAt: number;
}

export interface LeaseRecord {
  name: string;
  holder: string;
  /** The lease is the holder's until this time (ms); afterwards anyone may take it. */
  expiresAt: number;
}

/** A budget of `limit` grants in any `windowMs` span. */
export interface RateBudget {
  limit: number;
  windowMs: number;
}

/** A replica that has not written its heartbeat for this long is taken for dead (ms). */
export const REPLICA_TIMEOUT_MS = 15_000;

export interface Coordinator {
  /** Writes (or refreshes) the replica's heartbeat row. */
  heartbeat(replica: ReplicaIdentity, now: number): Promise<void>;
  /** The replicas whose heartbeat is younger than `timeoutMs` (default REPLICA_TIMEOUT_MS), oldest start first. */
  aliveReplicas(now: number, timeoutMs?: number): Promise<ReplicaRecord[]>;
  /** A clean stop: the replica's row goes at once, without waiting for the timeout. */
  removeReplica(id: string): Promise<void>;

  /**
   * Takes the lease `name` for `holder` until `now + ttlMs`, atomically: when nobody holds it, its holder let it
   * expire, or `holder` already holds it (then this renews it). Undefined when another holder's lease is live.
   */
  acquireLease(name: string, holder: string, ttlMs: number, now: number): Promise<LeaseRecord | undefined>;
  /** Extends a lease `holder` holds (even one past its expiry nobody took); false when someone else holds it. */
  renewLease(name: string, holder: string, ttlMs: number, now: number): Promise<boolean>;
  /** Gives the lease up at once; false when `holder` did not hold it. */
  releaseLease(name: string, holder: string): Promise<boolean>;
  /** Every lease row (live or expired), by name. */
  leaseHolders(): Promise<LeaseRecord[]>;

  /**
   * Takes one grant of the budget `key`: returns when (ms, on the caller's clock) the caller may proceed, `now`
   * or later. Grants are handed out in order, so that no `windowMs` span holds more than `limit` of them across
   * every replica; a caller told to wait has its grant already (it must not ask again).
   */
  take(key: string, budget: RateBudget, now: number): Promise<number>;

  /**
   * Runs `fn` while holding the refresh lock of `key`, cluster-wide: one `fn` at a time per key. `fn` re-reads
   * the token inside the lock and refreshes only if it is still the expired one: a replica that waited finds the
   * fresh token and makes no call.
   */
  withRefreshLock<T>(key: string, fn: () => Promise<T>): Promise<T>;

  /** Releases what the implementation holds (not the database's rows). */
  close(): Promise<void>;
}
