/**
 * Everything the daemon keeps in its state, as one object with the same shape on both backends: the embedded SQLite
 * file (one daemon per file, the default) and a PostgreSQL database shared by several `serve` replicas
 * (docs/operations.md, "Several replicas on PostgreSQL"). The daemon, the engine and the platform clients take
 * their parts from here and never ask which backend they got.
 */
import type { TokenStore } from "../auth/token-store.js";
import type { OrderNotesPort } from "../bridge/order-note.js";
import type { PendingLeadsPort } from "../bridge/pending-leads-port.js";
import type { ReplyGuardStore } from "../bridge/reply-guard-store.js";
import { SqliteEngineStore } from "../bridge/sqlite-engine-store.js";
import type { StateWriteFailure } from "../bridge/state-health.js";
import type { EngineStore } from "../bridge/store-port.js";
import type { Coordinator } from "../cluster/index.js";
import type { ReadinessCheck } from "../server/routes.js";
import type { CallCountsPort } from "../sources/tiktokshop/quota.js";
import {
  openStore,
  type RetentionTimer,
  type RetentionTimerOptions,
  type ShopStatus,
  type Store,
  startRetention,
} from "../store/index.js";
import type { DaemonLog } from "./daemon.js";

export interface DaemonState {
  readonly kind: "sqlite" | "postgres";
  /** The state file's path, or the database URL with its password hidden: for messages and `status`. */
  readonly location: string;
  /** Where the daemon's runtime card goes: the statePath it was opened with (runtime-file.ts). */
  readonly cardPath: string;
  readonly engineStore: EngineStore;
  readonly tokens: TokenStore;
  /** Keys of stored tokens with a prefix (TikTok Shop sellers of an app). */
  tokenKeys(prefix: string): string[];
  readonly callCounts: CallCountsPort;
  readonly orderNotes: OrderNotesPort;
  readonly pendingLeads: PendingLeadsPort;
  readonly replyWaits: ReplyGuardStore;
  /**
   * How replicas agree beyond the state (heartbeats, shop leases, shared budgets, refresh locks). Present on
   * PostgreSQL only: an SQLite file has one daemon (its lock sees to that), which coordinates with nobody.
   */
  readonly coordinator?: Coordinator;
  /** /readyz's checks of the state itself: open (reachable), and nothing else the backend knows of. */
  stateChecks(): Promise<ReadinessCheck[]>;
  listShopStatus(): Promise<ShopStatus[]>;
  /** Writes started (a failure) or stopped (undefined) being refused: SQLite shortens its busy timeout meanwhile. */
  onStateWritable(failure: StateWriteFailure | undefined): void;
  /** Prunes finished history older than retention.days, on a timer (store/retention.ts). */
  startRetention(o: RetentionTimerOptions): RetentionTimer;
  /** The SQLite store itself (tests, and the commands that read the file); undefined on PostgreSQL. */
  readonly sqlite?: Store;
  close(): Promise<void>;
}

export interface OpenDaemonStateOptions {
  /** How long an SQLite write waits for another connection's lock before SQLITE_BUSY. */
  busyTimeoutMs: number;
  /** Failed attempts before a job whose lease keeps expiring is dead. */
  retryBudget: number;
  /** Where the state's own troubles go (PostgreSQL: token writes, count reads). */
  log?: DaemonLog;
}

/**
 * The busy timeout while writes are being refused for a lock. A write waiting on the lock holds the main thread
 * (SQLite waits synchronously): with the full timeout on every write, a long lock would leave webhooks and probes
 * unanswered for seconds at a time, and Kommo gives up on a webhook after 5 s. After the first refusal each write
 * tries briefly, so the daemon keeps answering (503) and still sees the lock go within this time.
 */
const REFUSING_BUSY_TIMEOUT_MS = 200;

/**
 * The embedded state file, locked for this daemon (TK_ERR_STATE_LOCKED for a second one; released when the
 * process ends).
 */
export function openSqliteDaemonState(path: string, o: OpenDaemonStateOptions): DaemonState {
  const store = openStore(path, { busyTimeoutMs: o.busyTimeoutMs, lock: true });
  return sqliteDaemonState(store, o);
}

/** The daemon's view of an open SQLite store. */
export function sqliteDaemonState(store: Store, o: OpenDaemonStateOptions): DaemonState {
  return {
    kind: "sqlite",
    location: store.path,
    cardPath: store.path,
    engineStore: new SqliteEngineStore(store, o.retryBudget),
    tokens: store.tokens,
    tokenKeys: (prefix) => store.tokens.keys(prefix),
    callCounts: store.callCounts,
    orderNotes: store.orderNotes,
    pendingLeads: store.pendingLeads,
    replyWaits: store.replyWaits,
    stateChecks: async () => [{ name: "state", ok: store.db.open }],
    listShopStatus: async () => store.shopStatus.listShopStatus(),
    onStateWritable: (failure) => {
      const ms =
        failure?.code === "TK_ERR_STATE_BUSY"
          ? Math.min(REFUSING_BUSY_TIMEOUT_MS, o.busyTimeoutMs)
          : o.busyTimeoutMs;
      if (store.db.open) store.db.pragma(`busy_timeout = ${ms}`);
    },
    startRetention: (r) => startRetention(store, r),
    sqlite: store,
    close: async () => store.close(),
  };
}
