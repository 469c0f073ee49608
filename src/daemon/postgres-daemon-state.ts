/**
 * The daemon's state in PostgreSQL, shared by every `serve` replica with the same config (docs/operations.md,
 * "Several replicas on PostgreSQL"). Two pools per replica: the state's (engine, tokens, counts, coordination)
 * and a small one for refresh locks, which hold their connection while the refresh runs and meanwhile need
 * others (saving the token, the rate budget): one pool filled with lock holders would wait for itself.
 */
import { PostgresCoordinator } from "../cluster/index.js";
import { startRetention } from "../store/index.js";
import { openPool } from "../store/postgres/connection.js";
import {
  PgCallCounts,
  PgOrderNotes,
  PgPendingLeads,
  PgPruner,
  PgReplyWaits,
  PgShopStatus,
  PgTokenStore,
  PostgresEngineStore,
  poolSql,
} from "../store/postgres/index.js";
import { redactStateUrl } from "../store/state-location.js";
import type { DaemonLog } from "./daemon.js";
import type { DaemonState, OpenDaemonStateOptions } from "./daemon-state.js";

/** Connections of the refresh-lock pool: tokens refreshing at once, per replica (docs/operations.md). */
const LOCK_POOL_MAX = 2;
/** /readyz gives the database this long to answer. */
const READY_PROBE_MS = 2_000;

export async function openPostgresDaemonState(url: string, o: OpenDaemonStateOptions): Promise<DaemonState> {
  const engineStore = await PostgresEngineStore.open(url, { retryBudget: o.retryBudget });
  const closing: (() => Promise<void>)[] = [() => engineStore.close()];
  const close = async () => {
    for (const c of closing.reverse()) await c().catch(() => undefined);
  };
  try {
    const sql = poolSql(engineStore.pool);
    const lockPool = await openPool(url, { max: LOCK_POOL_MAX });
    closing.push(() => lockPool.end());
    const coordinator = new PostgresCoordinator({ pool: engineStore.pool, lockPool });
    await coordinator.ensureSchema();
    closing.push(() => coordinator.close());
    const tokens = await PgTokenStore.open(sql, o.log ? { log: tokenLog(o.log) } : {});
    closing.push(() => tokens.close());
    const callCounts = new PgCallCounts(sql, {
      onRefreshError: (err) =>
        o.log?.("warn", "reading the TikTok Shop call counts failed; the next read retries", {
          code: "TK_ERR_STATE_UNREACHABLE",
          error: err instanceof Error ? err.message : String(err),
        }),
    });
    closing.push(async () => callCounts.close());
    const shopStatus = new PgShopStatus(sql);
    const location = redactStateUrl(url);
    return {
      kind: "postgres",
      location,
      cardPath: url,
      engineStore,
      tokens,
      tokenKeys: (prefix) => tokens.keys(prefix),
      callCounts,
      orderNotes: new PgOrderNotes(sql),
      pendingLeads: new PgPendingLeads(sql),
      replyWaits: new PgReplyWaits(sql),
      coordinator,
      stateChecks: async () => [await probe(engineStore, location)],
      listShopStatus: () => shopStatus.listShopStatus(),
      onStateWritable: () => undefined,
      startRetention: (r) => startRetention(new PgPruner(sql), r),
      // In reverse order of opening: the token store (its last writes) before the pool it writes through ends.
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The database answers a round trip within READY_PROBE_MS. */
async function probe(store: PostgresEngineStore, location: string) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      store.pool.query("SELECT 1"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${READY_PROBE_MS} ms`)), READY_PROBE_MS);
      }),
    ]);
    return { name: "state", ok: true };
  } catch (err) {
    return {
      name: "state",
      ok: false,
      detail: `${location}: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The token store's reports, as daemon log lines (never a token's value: the store logs keys only). */
function tokenLog(log: DaemonLog) {
  return {
    warn: (obj: object, msg: string) => log("warn", msg, { ...obj }),
    error: (obj: object, msg: string) => log("error", msg, { ...obj }),
  };
}
