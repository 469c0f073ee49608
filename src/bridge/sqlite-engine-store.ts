/**
 * The state port (store-port.ts) over SQLite: better-sqlite3 stays synchronous underneath (sqlite-state-ops.ts), and
 * every call is handed out as a promise already settled when nothing else holds the file.
 *
 * Isolation. better-sqlite3 has one connection: whatever runs while a transaction is open is part of it. With an
 * asynchronous body, other code runs between the body's awaits, so a transaction holds a SerialLock from BEGIN to
 * COMMIT/ROLLBACK; calls on the store itself (and the job queue's) run only while it is free, else after it, in
 * arrival order. So a call never joins, and is never rolled back with, a transaction another caller has open.
 * Speed: bodies do store work only, so their awaits are on statements already done and a transaction lasts a few
 * microtasks; outside calls usually find the lock free and run at once.
 */
import type { Database, Statement } from "better-sqlite3";
import type { Store } from "../store/index.js";
import { SerialLock } from "./serial-lock.js";
import { sqliteJobQueue } from "./sqlite-job-queue.js";
import { SqliteStateOps } from "./sqlite-state-ops.js";
import type { EngineStore, EngineStoreTx, JobQueuePort } from "./store-port.js";
import { type BehindWrite, WriteBehind } from "./write-behind.js";

type TxMethod = keyof EngineStoreTx;

/** Every call of the port's transaction handle; the type makes sure none is missing. */
const TX_METHODS = Object.keys({
  upsertRoom: 1,
  getRoom: 1,
  markDirty: 1,
  advanceCursor: 1,
  setAmojoChatId: 1,
  markLeadTagsQueued: 1,
  insertInbound: 1,
  getInbound: 1,
  markInboundDelivered: 1,
  insertOutbound: 1,
  getOutbound: 1,
  markOutboundPartSent: 1,
  markOutboundSent: 1,
  markOutboundFailed: 1,
  rememberEcho: 1,
  isEcho: 1,
  enqueue: 1,
  hasPendingJob: 1,
  openJobs: 1,
  jobCounts: 1,
  jobCountsByKind: 1,
  requeueDead: 1,
  makeWaitingDue: 1,
  recordSyncSuccess: 1,
  recordShopError: 1,
  lastSyncSuccess: 1,
  addFallback: 1,
  listFallbacks: 1,
  clearFallbacks: 1,
  seenOnce: 1,
} satisfies Record<TxMethod, 1>) as TxMethod[];

type AnyOp = (...args: unknown[]) => unknown;

/**
 * The handle a transaction body gets: its calls run at once (the body's transaction holds the lock). Refused once
 * the transaction is over, so a handle kept past its body cannot write outside any transaction.
 */
class SqliteTx {
  live = true;
  constructor(readonly ops: SqliteStateOps) {}
}
for (const name of TX_METHODS) {
  Object.defineProperty(SqliteTx.prototype, name, {
    value: function (this: SqliteTx, ...args: unknown[]): Promise<unknown> {
      if (!this.live)
        return Promise.reject(new Error(`${name}: the transaction this handle belongs to is over`));
      try {
        return Promise.resolve((this.ops[name] as AnyOp)(...args));
      } catch (err) {
        return Promise.reject(err);
      }
    },
  });
}

export class SqliteEngineStore implements EngineStore {
  readonly jobs: JobQueuePort;
  private readonly ops: SqliteStateOps;
  private readonly lock = new SerialLock();
  private readonly behind: WriteBehind;
  private readonly db: Database;
  private readonly begin: Statement;
  private readonly commit: Statement;
  private readonly rollback: Statement;

  constructor(
    readonly store: Store,
    retryBudget: number,
  ) {
    this.db = store.db;
    this.ops = new SqliteStateOps(store);
    // IMMEDIATE: the write lock is taken at BEGIN, so a busy file fails the transaction before its body runs.
    this.begin = this.db.prepare("BEGIN IMMEDIATE");
    this.commit = this.db.prepare("COMMIT");
    this.rollback = this.db.prepare("ROLLBACK");
    this.behind = new WriteBehind(
      (fn) => this.transaction(fn),
      () => this.db.open,
    );
    this.jobs = sqliteJobQueue({
      store,
      behind: this.behind,
      lock: this.lock,
      transaction: (fn) => this.transaction(fn),
      retryBudget,
    });
  }

  async transaction<T>(fn: (tx: EngineStoreTx) => Promise<T>): Promise<T> {
    await this.lock.acquire();
    const tx = new SqliteTx(this.ops);
    try {
      this.begin.run();
      let result: T;
      try {
        result = await fn(tx as unknown as EngineStoreTx);
        tx.live = false;
        this.commit.run();
      } catch (err) {
        // Some errors (a full disk) end the transaction in SQLite already; roll back only what is still open.
        if (this.db.inTransaction) this.rollback.run();
        throw err;
      }
      return result;
    } finally {
      tx.live = false;
      this.lock.release();
    }
  }

  /** Writes behind: job completions and plain "delivered" marks, committed in batches (see write-behind.ts). */
  writeBehind(write: (tx: EngineStoreTx) => Promise<void>): void {
    this.behind.push(write as BehindWrite);
  }

  /**
   * Commits the writes behind and waits for the transaction in progress. The state file itself is closed by its
   * owner (the daemon shares it with the token store and the order notes).
   */
  async close(): Promise<void> {
    await this.behind.flush();
    await this.lock.run(() => undefined);
  }

  // Calls outside a transaction: each runs alone (see the header).
  private outside<K extends TxMethod>(name: K): EngineStoreTx[K] {
    // Looked up at the call: these fields are set before the constructor body creates `ops`.
    return ((...args: unknown[]) =>
      this.lock.run(() => (this.ops[name] as AnyOp).apply(this.ops, args))) as unknown as EngineStoreTx[K];
  }

  readonly upsertRoom = this.outside("upsertRoom");
  readonly getRoom = this.outside("getRoom");
  readonly markDirty = this.outside("markDirty");
  readonly advanceCursor = this.outside("advanceCursor");
  readonly setAmojoChatId = this.outside("setAmojoChatId");
  readonly markLeadTagsQueued = this.outside("markLeadTagsQueued");
  readonly insertInbound = this.outside("insertInbound");
  readonly getInbound = this.outside("getInbound");
  readonly markInboundDelivered = this.outside("markInboundDelivered");
  readonly insertOutbound = this.outside("insertOutbound");
  readonly getOutbound = this.outside("getOutbound");
  readonly markOutboundPartSent = this.outside("markOutboundPartSent");
  readonly markOutboundSent = this.outside("markOutboundSent");
  readonly markOutboundFailed = this.outside("markOutboundFailed");
  readonly rememberEcho = this.outside("rememberEcho");
  readonly isEcho = this.outside("isEcho");
  readonly enqueue = this.outside("enqueue");
  readonly hasPendingJob = this.outside("hasPendingJob");
  readonly openJobs = this.outside("openJobs");
  readonly jobCounts = this.outside("jobCounts");
  readonly jobCountsByKind = this.outside("jobCountsByKind");
  readonly requeueDead = this.outside("requeueDead");
  readonly makeWaitingDue = this.outside("makeWaitingDue");
  readonly recordSyncSuccess = this.outside("recordSyncSuccess");
  readonly recordShopError = this.outside("recordShopError");
  readonly lastSyncSuccess = this.outside("lastSyncSuccess");
  readonly addFallback = this.outside("addFallback");
  readonly listFallbacks = this.outside("listFallbacks");
  readonly clearFallbacks = this.outside("clearFallbacks");
  readonly seenOnce = this.outside("seenOnce");
}
