/**
 * The engine's state port: what both backends can honour — SQLite (better-sqlite3, in process: sqlite-engine-store.ts)
 * and PostgreSQL (a connection pool shared by several `serve` replicas). Every call is asynchronous;
 * `transaction` makes several writes atomic, which is what lets intake commit "message + job" or "room dirty +
 * sync job" as one step.
 *
 * Rules every implementation keeps (the store contract suite checks them on each backend):
 * - `transaction(fn)` runs `fn` with a handle whose calls all belong to one database transaction, committed when
 *   the promise `fn` returned resolves and rolled back when it rejects. `fn` does store work only (no network I/O),
 *   and only through the handle: transactions stay short, so SQLite can hold its single writer and PostgreSQL its
 *   row locks briefly. (On SQLite a body calling the store itself would wait for its own transaction: a deadlock.)
 * - Calls on the store itself (outside `transaction`) are each atomic on their own; none of them ever joins a
 *   transaction that another caller has open (SQLite: they wait for it; PostgreSQL: another pooled connection).
 * - `writeBehind` writes may be committed later, batched (before the next job claim at the latest); only for writes
 *   whose loss in a crash makes a job run again harmlessly.
 * - Job claims (jobs.claimNext) offer at most one job per ordering key at a time, across every process sharing the
 *   database (PostgreSQL: row locks that skip locked rows, plus leases), and never a job whose lease is live.
 */
import type { BuyerPlatform, SenderRole, SourceKind } from "../domain/index.js";
import type { JobKind } from "../domain/job-kinds.js";
import type { RoomRef, SourceMessage } from "../sources/types.js";
import type { NewJobOf } from "./job-kinds.js";
import type { JobClaim, QueuedJob } from "./job-runner.js";

export interface SourceRoomRef extends RoomRef {
  source: SourceKind;
}

/** Who the room's buyer is, as far as the bridge learned it. */
export interface RoomBuyerFields {
  conversationId: string;
  buyerId?: string;
  buyerName?: string;
  buyerAvatar?: string;
  buyerProfileUrl?: string;
  buyerPlatform?: BuyerPlatform;
}

export interface RoomRecord extends SourceRoomRef, RoomBuyerFields {
  cursorMessageId?: string;
  cursorTime?: number;
  amojoChatId?: string;
  /** The job tagging the room's Kommo lead was queued (once per room). */
  leadTagsQueued?: boolean;
  dirty: boolean;
  dirtyAt?: number;
  createdAt: number;
}

export interface RoomUpsert extends SourceRoomRef, RoomBuyerFields {
  /** For a room seen for the first time: where its cursor starts (ms), so history before it is not imported. */
  initialCursorTime?: number;
}

export interface InboundRecord extends SourceRoomRef {
  id: number;
  platformMessageId: string;
  kommoMsgId: string;
  sender: SenderRole;
  contentJson: string;
  sentAt: number;
  state: string;
  amojoMessageId?: string;
}

export interface OutboundRecord {
  id: number;
  scopeId: string;
  amojoMessageId: string;
  amojoChatId?: string;
  conversationId?: string;
  source?: SourceKind;
  shopId?: string;
  roomId?: string;
  contentJson: string;
  state: string;
  createdAt: number;
  /** Parts of the reply the marketplace already confirmed (a retry starts after them). */
  partsSent?: number;
  /** Platform ids of the parts sent so far, in order. */
  platformMessageIds?: string[];
}

/** The delivery job created with a stored message or reply, in the same transaction. */
export interface NewDeliveryJob {
  orderingKey: string;
  shopKey: string;
  runAfter?: number;
}

export interface JobCounts {
  shopKey: string;
  pending: number;
  running: number;
  dead: number;
}

/** What the engine reads and writes, inside a transaction or outside one (then each call is its own). */
export interface EngineStoreTx {
  /** Creates the room or refreshes its buyer; a new room's cursor starts at `initialCursorTime`. */
  upsertRoom(room: RoomUpsert, now: number): Promise<void>;
  getRoom(ref: SourceRoomRef): Promise<RoomRecord | undefined>;
  markDirty(ref: SourceRoomRef, at: number): Promise<void>;
  /** Moves the cursor after a complete walk; clears `dirty` only if nobody marked the room dirty after `walkStartedAt`. */
  advanceCursor(
    ref: SourceRoomRef,
    cursor: { messageId: string; time: number } | undefined,
    walkStartedAt: number,
  ): Promise<void>;
  setAmojoChatId(ref: SourceRoomRef, amojoChatId: string): Promise<void>;
  /** Records that the lead-tagging job of the room was queued; in the transaction that queues it. */
  markLeadTagsQueued(ref: SourceRoomRef): Promise<void>;

  /** Inserts a marketplace message and its delivery job once; false when (source, shop, room, message id) exists. */
  insertInbound(
    msg: Omit<InboundRecord, "id" | "state" | "amojoMessageId">,
    job: NewDeliveryJob,
    now: number,
  ): Promise<boolean>;
  getInbound(id: number): Promise<InboundRecord | undefined>;
  markInboundDelivered(id: number, amojo: { amojoMessageId?: string; amojoChatId?: string }): Promise<void>;

  /** Inserts a Kommo reply and its job once; false when the amojo message id was seen before. */
  insertOutbound(
    reply: Omit<OutboundRecord, "id" | "state" | "createdAt">,
    job: NewDeliveryJob,
    now: number,
  ): Promise<boolean>;
  getOutbound(id: number): Promise<OutboundRecord | undefined>;
  /**
   * Records part `index` (0-based) of a pending reply as confirmed by the platform, durably, before the next part is
   * sent; false when it was not the next part (nothing changed).
   */
  markOutboundPartSent(id: number, index: number, platformMessageIds: string[]): Promise<boolean>;
  markOutboundSent(id: number, platformMessageIds: string[]): Promise<void>;
  markOutboundFailed(id: number, code: string, text: string): Promise<void>;

  rememberEcho(ref: SourceRoomRef, platformMessageIds: string[], text: string, sentAt: number): Promise<void>;
  isEcho(
    ref: SourceRoomRef,
    platformMessageId: string,
    text: string | undefined,
    sentAt: number,
  ): Promise<boolean>;

  enqueue(job: NewJobOf, now: number): Promise<number>;
  /** True when a job of this kind for this ordering key is pending (not yet running). */
  hasPendingJob(kind: JobKind, orderingKey: string): Promise<boolean>;
  /** The open (pending or running) jobs of this kind for this ordering key, oldest first. */
  openJobs(
    kind: JobKind,
    orderingKey: string,
  ): Promise<{ state: "pending" | "running"; runAfter: number; lastErrorCode: string | null }[]>;
  jobCounts(): Promise<JobCounts[]>;
  jobCountsByKind(): Promise<{ kind: string; pending: number; running: number; dead: number }[]>;
  /** `retry --dead`: dead jobs (optionally of one kind) back to pending with a fresh retry budget, due now. */
  requeueDead(kind?: JobKind): Promise<number>;
  /**
   * `retry`: pending jobs waiting for their retry time (run_after after `now`) become due at `now`; their attempt
   * counts stay. Running and dead jobs are left alone.
   */
  makeWaitingDue(now: number): Promise<number>;

  recordSyncSuccess(source: SourceKind, shopId: string, at: number): Promise<void>;
  recordShopError(
    source: SourceKind,
    shopId: string,
    code: string,
    message: string,
    at: number,
  ): Promise<void>;
  /** Last successful sync of a shop (ms), for the start-up sweep. */
  lastSyncSuccess(source: SourceKind, shopId: string): Promise<number | undefined>;

  /**
   * Webhook fallbacks: the message text a webhook carried, kept until the room is read. If the room cannot be
   * read within the retry budget, these are delivered (with their synthetic ids) rather than lost.
   */
  addFallback(ref: SourceRoomRef, message: SourceMessage, now: number): Promise<void>;
  listFallbacks(ref: SourceRoomRef): Promise<SourceMessage[]>;
  /** Drops fallbacks received at or before `upTo` (a complete walk has covered them). */
  clearFallbacks(ref: SourceRoomRef, upTo: number): Promise<void>;

  /** True the first time a (source, notification id) is seen: de-duplicates redelivered webhooks. */
  seenOnce(source: SourceKind, notificationId: string, now: number): Promise<boolean>;
}

/** The job queue as the job runner sees it (job-runner.ts). */
export interface JobQueuePort {
  claimNext(opts: {
    now: number;
    leaseMs: number;
    limit: number;
    excludeShopKeys?: string[];
    /** Only these kinds (absent: all). */
    kinds?: string[];
  }): Promise<QueuedJob[]>;
  complete(job: JobClaim): Promise<void>;
  fail(job: JobClaim, opts: { error: string; code?: string; retryAt: number }): Promise<void>;
  kill(job: JobClaim, error: string, code?: string): Promise<void>;
  releaseExpiredLeases(now: number): Promise<number>;
  /** Extends the leases of the caller's jobs; returns the ids whose lease it lost (released or claimed again). */
  renewLeases(jobs: JobClaim[], leaseUntil: number): Promise<number[]>;
  /** Puts claimed jobs back without counting an attempt (clean shutdown); jobs no longer held are left alone. */
  release(jobs: JobClaim[]): Promise<void>;
  /** Commits what the queue writes behind (completions); called when the runner stops. */
  flush?(): Promise<void>;
}

export interface EngineStore extends EngineStoreTx {
  /** Runs `fn` in one transaction (see the rules above); its result is the transaction's. */
  transaction<T>(fn: (tx: EngineStoreTx) => Promise<T>): Promise<T>;
  /** Queues a write to commit later, batched (see the rules above). */
  writeBehind(write: (tx: EngineStoreTx) => Promise<void>): void;
  jobs: JobQueuePort;
  /** Closes the backend (pool or file) after committing writes behind. */
  close(): Promise<void>;
}

export type { QueuedJob };
