/**
 * Every SQL statement of the PostgreSQL coordinator, in one place. CLUSTER_DDL creates its tables; it is
 * idempotent (IF NOT EXISTS) and run by PostgresCoordinator.ensureSchema() under an advisory lock, so replicas
 * starting together do not race on it. Times are bigint milliseconds since the epoch, as in the rest of the state.
 */

/** The coordinator's tables: heartbeats, leases, rate budgets. */
export const CLUSTER_DDL = `
CREATE TABLE IF NOT EXISTS cluster_replicas (
  id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at bigint NOT NULL,
  last_seen_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at bigint NOT NULL,
  acquired_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_rate_budgets (
  key text PRIMARY KEY,
  grants bigint[] NOT NULL,
  updated_at bigint NOT NULL
);
`;

/** The first key of every advisory lock the coordinator takes (the second is the lock's own): "tk" in ASCII. */
export const ADVISORY_NAMESPACE = 0x746b;

/** Serializes schema creation across replicas (second key 0; refresh locks hash their key instead). */
export const LOCK_SCHEMA = "SELECT pg_advisory_xact_lock($1::int, 0)";

/** $1 id, $2 host, $3 pid, $4 started_at, $5 now. */
export const HEARTBEAT = `
INSERT INTO cluster_replicas (id, host, pid, started_at, last_seen_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (id) DO UPDATE SET host = EXCLUDED.host, pid = EXCLUDED.pid, last_seen_at = EXCLUDED.last_seen_at`;

/** Rows of replicas gone for a day ($1: the cut-off), so the table does not grow with every restart. */
export const PRUNE_REPLICAS = "DELETE FROM cluster_replicas WHERE last_seen_at < $1";

/** $1: seen after this time. */
export const ALIVE_REPLICAS = `
SELECT id, host, pid, started_at, last_seen_at FROM cluster_replicas WHERE last_seen_at > $1
ORDER BY started_at, id`;

export const REMOVE_REPLICA = "DELETE FROM cluster_replicas WHERE id = $1";

/**
 * $1 name, $2 holder, $3 now, $4 ttl. Atomic take-or-renew: the row is written only when nobody holds the lease,
 * its holder let it expire, or the caller holds it; no row comes back when another holder's lease is live.
 */
export const ACQUIRE_LEASE = `
INSERT INTO cluster_leases AS l (name, holder, expires_at, acquired_at) VALUES ($1, $2, $3::bigint + $4::bigint, $3)
ON CONFLICT (name) DO UPDATE SET
  holder = EXCLUDED.holder,
  expires_at = EXCLUDED.expires_at,
  acquired_at = CASE WHEN l.holder = EXCLUDED.holder THEN l.acquired_at ELSE EXCLUDED.acquired_at END
WHERE l.holder = EXCLUDED.holder OR l.expires_at <= $3::bigint
RETURNING name, holder, expires_at`;

/** $1 name, $2 holder, $3 now, $4 ttl. */
export const RENEW_LEASE =
  "UPDATE cluster_leases SET expires_at = $3::bigint + $4::bigint WHERE name = $1 AND holder = $2";

export const RELEASE_LEASE = "DELETE FROM cluster_leases WHERE name = $1 AND holder = $2";

export const LEASE_HOLDERS = "SELECT name, holder, expires_at FROM cluster_leases ORDER BY name";

/**
 * $1 key, $2 now, $3 limit, $4 window. One grant of a sliding-window budget (sliding-window.ts says why and how),
 * in one statement: the row lock of ON CONFLICT DO UPDATE serializes the replicas taking from one key. The grant
 * is the latest of now, the newest grant, and the grant `limit` back plus the window; the row keeps the last
 * `limit` grants.
 */
export const TAKE_GRANT = `
INSERT INTO cluster_rate_budgets AS b (key, grants, updated_at) VALUES ($1, ARRAY[$2::bigint], $2::bigint)
ON CONFLICT (key) DO UPDATE SET
  grants = (
    SELECT (b.grants || g.at)[greatest(1, cardinality(b.grants) + 2 - $3::int):]
    FROM (SELECT GREATEST(
      $2::bigint,
      b.grants[cardinality(b.grants)],
      CASE WHEN cardinality(b.grants) >= $3::int THEN b.grants[cardinality(b.grants) + 1 - $3::int] + $4::bigint
      ELSE $2::bigint END
    ) AS at) g
  ),
  updated_at = $2::bigint
RETURNING grants[cardinality(grants)] AS at`;

/** Opens the refresh lock's transaction: $1 lock_timeout (e.g. "60000ms"). */
export const REFRESH_LOCK_TIMEOUT = "SELECT set_config('lock_timeout', $1, true)";

/** $1 namespace, $2 key: held until the transaction ends, released by PostgreSQL if the connection drops. */
export const REFRESH_LOCK = "SELECT pg_advisory_xact_lock($1::int, hashtext($2))";
