/**
 * What `status` and `doctor` read of the state, the same on both backends: the SQLite file opened read-only, or
 * the PostgreSQL database read without upgrading it (postgres/state-reader.ts). Neither writes: a state at an
 * older schema is refused with TK_ERR_STATE_OUTDATED, one written by a newer tokokommo with TK_ERR_STATE_TOO_NEW,
 * and one with nothing in it yet with TK_ERR_STATE_MISSING.
 */
import type { TokenStore } from "../auth/token-store.js";
import type { PendingLeadsPort } from "../bridge/pending-leads-port.js";
import type { ReplyGuardStore } from "../bridge/reply-guard-store.js";
import type { ClusterView } from "../cluster/cluster-view.js";
import type { CallCountsPort } from "../sources/tiktokshop/quota.js";
import type { ShopJobCounts } from "./job-types.js";
import type { ShopStatus } from "./shop-status.js";
import type { Store } from "./store.js";

/** Jobs that are due and waiting (pending, run_after reached). */
export interface DueJobs {
  count: number;
  /** The run_after of the one waiting longest (ms); null when none. */
  oldest: number | null;
}

/** What doctor checks of a database only (none of it exists for a file). */
export interface DatabaseFacts {
  /** The server's version as it reports it (`server_version`), e.g. "15.4". */
  serverVersion: string;
  /** The login (current_user). */
  login: string;
  /** tokokommo's tables the login may not read, insert, update or delete in (empty: all rights there). */
  tablesLackingRights(): Promise<string[]>;
  /** The login may create tables in the state's schema (needed by the first start and by upgrades). */
  mayCreateTables(): Promise<boolean>;
}

export interface StateReader {
  readonly kind: "sqlite" | "postgres";
  /** The state file's path, or the database URL with its password hidden: safe to print. */
  readonly location: string;
  /** The schema version the state records (this build's latest: older and newer are refused at open). */
  readonly schemaVersion: number;
  listShopStatus(): Promise<ShopStatus[]>;
  /** Unfinished and dead jobs per shop key (null: jobs tied to no shop), by shop key. */
  jobCounts(): Promise<ShopJobCounts[]>;
  /** Due jobs (of `shopKeys` only, when given). */
  dueJobs(now: number, shopKeys?: string[]): Promise<DueJobs>;
  /** The latest time a room of each shop was marked for syncing (the shop's last activity). */
  lastMarkedByShop(): Promise<{ source: string; shopId: string; at: number }[]>;
  /** The latest webhook seen from a source (ms), from the de-duplication table. */
  lastWebhookSeenAt(source: string): Promise<number | undefined>;
  /** Order API calls of a shop on the UTC day of `at`. */
  orderCallsOn(source: string, shopId: string, at: number): Promise<number>;
  readonly pendingLeads: Pick<PendingLeadsPort, "list">;
  readonly replyWaits: ReplyGuardStore;
  readonly callCounts: Pick<CallCountsPort, "get">;
  /** The stored tokens (read; doctor keeps whatever it obtains in memory), and the keys under a prefix. */
  readonly tokens: TokenStore & { keys(prefix: string): string[] };
  /** The replicas alive and the shops' sweep holders: PostgreSQL only (an SQLite file has one daemon). */
  cluster?(now: number): Promise<ClusterView>;
  /** PostgreSQL only. */
  readonly database?: DatabaseFacts;
  /** The SQLite store itself (doctor's integrity check); undefined on PostgreSQL. */
  readonly sqlite?: Store;
  close(): Promise<void>;
}

/** The reader of an open SQLite store (`borrowed`: the caller closes it, close() leaves it open). */
export function sqliteStateReader(store: Store, borrowed = false): StateReader {
  const db = store.db;
  return {
    kind: "sqlite",
    location: store.path,
    schemaVersion: store.schemaVersion(),
    listShopStatus: async () => store.shopStatus.listShopStatus(),
    jobCounts: async () => store.jobs.counts(),
    dueJobs: async (now, shopKeys) => {
      const row = db
        .prepare(
          `SELECT COUNT(*) AS n, MIN(run_after) AS oldest FROM jobs WHERE state = 'pending' AND run_after <= ?
             AND (? = 0 OR shop_key IN (SELECT value FROM json_each(?)))`,
        )
        .get(now, shopKeys === undefined ? 0 : 1, JSON.stringify(shopKeys ?? [])) as {
        n: number;
        oldest: number | null;
      };
      return { count: row.n, oldest: row.oldest };
    },
    lastMarkedByShop: async () => store.rooms.lastMarkedByShop(),
    lastWebhookSeenAt: async (source) => {
      const row = db.prepare("SELECT MAX(seen_at) AS at FROM webhook_seen WHERE source = ?").get(source) as
        | { at: number | null }
        | undefined;
      return row?.at ?? undefined;
    },
    orderCallsOn: (source, shopId, at) => store.orderNotes.callsOn(source, shopId, at),
    pendingLeads: store.pendingLeads,
    replyWaits: store.replyWaits,
    callCounts: store.callCounts,
    tokens: store.tokens,
    sqlite: store,
    close: async () => {
      if (!borrowed) store.close();
    },
  };
}
