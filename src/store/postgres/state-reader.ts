/**
 * The PostgreSQL state as `status` and `doctor` read it (StateReader, store/state-reader.ts): a small pool whose
 * sessions are read-only (the server refuses any write), no schema upgrade, the state's parts built on it as the
 * daemon builds them, and the cluster's rows (heartbeats, shop leases) read as they are.
 */
import type pg from "pg";
import { clusterView } from "../../cluster/cluster-view.js";
import { PostgresCoordinator } from "../../cluster/postgres.js";
import { TkError } from "../../errors/index.js";
import { stateOutdated } from "../errors.js";
import type { ShopJobCounts } from "../job-types.js";
import { LATEST_SCHEMA_VERSION } from "../migrations/index.js";
import { redactStateUrl } from "../state-location.js";
import type { DatabaseFacts, StateReader } from "../state-reader.js";
import { PgCallCounts } from "./call-counts.js";
import { databaseUnreachable, openPool } from "./connection.js";
import { inspectDatabase } from "./migrate.js";
import { PgOrderNotes } from "./order-notes.js";
import { PgPendingLeads } from "./pending-leads.js";
import { PgReplyWaits } from "./reply-waits.js";
import { PgShopStatus } from "./shop-status.js";
import { poolSql, type Sql } from "./sql.js";
import { PgTokenStore } from "./tokens.js";

/** Connections a reader holds at most: `status` and `doctor` run beside the replicas' pools. */
const READER_POOL_MAX = 2;

/** A database with none of tokokommo's tables: no replica has started on it yet. */
export function databaseEmpty(shown: string): TkError {
  return new TkError("TK_ERR_STATE_MISSING", `The state database ${shown} holds no tokokommo state yet.`, {
    fix: "Check statePath (or --state); `tokokommo serve` creates the tables on its first start.",
    details: { url: shown },
  });
}

/**
 * Connects (TK_ERR_STATE_UNREACHABLE when it cannot) and reads the recorded schema: refuses a foreign database
 * (TK_ERR_STATE_NOT_OURS), a newer one (TK_ERR_STATE_TOO_NEW), an older one (TK_ERR_STATE_OUTDATED: a replica
 * upgrades it at start) and an empty one (TK_ERR_STATE_MISSING).
 */
export async function openPgStateReader(url: string, env?: NodeJS.ProcessEnv): Promise<StateReader> {
  const shown = redactStateUrl(url);
  const pool = await openPool(url, { max: READER_POOL_MAX, readOnly: true, ...(env ? { env } : {}) });
  try {
    const version = await inspectDatabase(pool, url, LATEST_SCHEMA_VERSION);
    if (version === 0) throw await emptyOrHidden(pool, url);
    if (version < LATEST_SCHEMA_VERSION) throw stateOutdated(shown, version, LATEST_SCHEMA_VERSION);
    const sql = poolSql(pool);
    const tokens = await PgTokenStore.open(sql, { reloadEveryMs: 0 });
    return await pgReader(pool, sql, shown, version, tokens);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

/**
 * Why a database looks empty: it is, or the login may see none of its tables (information_schema lists only the
 * tables a login has a right on; the catalog lists them all).
 */
async function emptyOrHidden(pool: pg.Pool, url: string): Promise<TkError> {
  const { rows } = await pool.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename LIMIT 3",
  );
  if (rows.length === 0) return databaseEmpty(redactStateUrl(url));
  const names = rows.map((r) => r.name).join(", ");
  return databaseUnreachable(url, `the login may read none of its tables (${names}, …)`);
}

async function pgReader(
  pool: pg.Pool,
  sql: Sql,
  location: string,
  schemaVersion: number,
  tokens: PgTokenStore,
): Promise<StateReader> {
  const orderNotes = new PgOrderNotes(sql);
  const shopStatus = new PgShopStatus(sql);
  const coordinator = new PostgresCoordinator({ pool });
  const callCounts = new PgCallCounts(sql);
  return {
    kind: "postgres",
    location,
    schemaVersion,
    listShopStatus: () => shopStatus.listShopStatus(),
    jobCounts: () =>
      sql.query<ShopJobCounts>(
        `SELECT shop_key AS "shopKey", COUNT(*) FILTER (WHERE state = 'pending')::int AS pending,
           COUNT(*) FILTER (WHERE state = 'running')::int AS running,
           COUNT(*) FILTER (WHERE state = 'dead')::int AS dead
         FROM jobs WHERE state IN ('pending', 'running', 'dead')
         GROUP BY shop_key ORDER BY shop_key COLLATE "C" NULLS FIRST`,
      ),
    dueJobs: async (now, shopKeys) => {
      const [row] = await sql.query<{ count: number; oldest: number | null }>(
        `SELECT COUNT(*)::int AS count, MIN(run_after) AS oldest FROM jobs
         WHERE state = 'pending' AND run_after <= $1 AND ($2::text[] IS NULL OR shop_key = ANY($2::text[]))`,
        [now, shopKeys ?? null],
      );
      return { count: row?.count ?? 0, oldest: row?.oldest ?? null };
    },
    lastMarkedByShop: () =>
      sql.query(
        `SELECT source, shop_id AS "shopId", MAX(dirty_at) AS at FROM rooms WHERE dirty_at IS NOT NULL
         GROUP BY source, shop_id`,
      ),
    lastWebhookSeenAt: async (source) => {
      const [row] = await sql.query<{ at: number | null }>(
        "SELECT MAX(seen_at) AS at FROM webhook_seen WHERE source = $1",
        [source],
      );
      return row?.at ?? undefined;
    },
    orderCallsOn: (source, shopId, at) => orderNotes.callsOn(source, shopId, at),
    pendingLeads: new PgPendingLeads(sql),
    replyWaits: new PgReplyWaits(sql),
    callCounts,
    tokens,
    cluster: async (now) =>
      (await clusterTablesExist(sql)) ? clusterView(coordinator, now) : { replicas: [], shopHolders: {} },
    database: await databaseFacts(sql),
    close: async () => {
      // The call counts' refresh timer would go on querying the ended pool.
      callCounts.close();
      await tokens.close().catch(() => undefined);
      await pool.end();
    },
  };
}

/** The coordinator's tables appear with the first replica's start (not with the state's schema). */
async function clusterTablesExist(sql: Sql): Promise<boolean> {
  const [row] = await sql.query<{ ok: boolean }>(
    "SELECT to_regclass('cluster_replicas') IS NOT NULL AND to_regclass('cluster_leases') IS NOT NULL AS ok",
  );
  return row?.ok === true;
}

async function databaseFacts(sql: Sql): Promise<DatabaseFacts> {
  const [who] = await sql.query<{ version: string; login: string }>(
    "SELECT current_setting('server_version') AS version, current_user AS login",
  );
  return {
    serverVersion: who?.version ?? "unknown",
    login: who?.login ?? "unknown",
    tablesLackingRights: async () =>
      (
        await sql.query<{ name: string }>(
          `SELECT tablename AS name FROM pg_tables t WHERE schemaname = current_schema() AND NOT (
             has_table_privilege(format('%I.%I', t.schemaname, t.tablename), 'SELECT')
             AND has_table_privilege(format('%I.%I', t.schemaname, t.tablename), 'INSERT')
             AND has_table_privilege(format('%I.%I', t.schemaname, t.tablename), 'UPDATE')
             AND has_table_privilege(format('%I.%I', t.schemaname, t.tablename), 'DELETE'))
           ORDER BY tablename`,
        )
      ).map((r) => r.name),
    mayCreateTables: async () => {
      const [row] = await sql.query<{ ok: boolean }>(
        "SELECT has_schema_privilege(current_schema(), 'CREATE') AS ok",
      );
      return row?.ok === true;
    },
  };
}
