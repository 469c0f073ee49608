/**
 * The state the engine reads and writes, as an interface (implemented over SQLite by src/store through
 * sqlite-engine-store.ts). All methods are synchronous (better-sqlite3); `transaction` makes several writes
 * atomic, which is what lets intake commit "message + job" or "room dirty + sync job" as one step.
 */
import type { BuyerPlatform, SenderRole, SourceKind } from "../domain/index.js";
import type { JobKind } from "../domain/job-kinds.js";
import type { RoomRef, SourceMessage } from "../sources/types.js";
import type { NewJobOf } from "./job-kinds.js";
import type { QueuedJob } from "./job-runner.js";

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

export interface EngineStore {
  transaction<T>(fn: () => T): T;
  /**
   * A write that may be committed a little later, batched with others (before the next job claim at the
   * latest). Only for writes whose loss in a crash makes a job run again harmlessly (e.g. "delivered" marks:
   * the re-run is refused by Kommo as a repeated msgid and then recorded).
   */
  writeBehind(write: () => void): void;

  /** Creates the room or refreshes its buyer; a new room's cursor starts at `initialCursorTime`. */
  upsertRoom(room: RoomUpsert, now: number): void;
  getRoom(ref: SourceRoomRef): RoomRecord | undefined;
  markDirty(ref: SourceRoomRef, at: number): void;
  /** Moves the cursor after a complete walk; clears `dirty` only if nobody marked the room dirty after `walkStartedAt`. */
  advanceCursor(
    ref: SourceRoomRef,
    cursor: { messageId: string; time: number } | undefined,
    walkStartedAt: number,
  ): void;
  setAmojoChatId(ref: SourceRoomRef, amojoChatId: string): void;
  /** Records that the lead-tagging job of the room was queued; in the transaction that queues it. */
  markLeadTagsQueued(ref: SourceRoomRef): void;

  /** Inserts a marketplace message and its delivery job once; false when (source, shop, room, message id) exists. */
  insertInbound(
    msg: Omit<InboundRecord, "id" | "state" | "amojoMessageId">,
    job: NewDeliveryJob,
    now: number,
  ): boolean;
  getInbound(id: number): InboundRecord | undefined;
  markInboundDelivered(id: number, amojo: { amojoMessageId?: string; amojoChatId?: string }): void;

  /** Inserts a Kommo reply and its job once; false when the amojo message id was seen before. */
  insertOutbound(
    reply: Omit<OutboundRecord, "id" | "state" | "createdAt">,
    job: NewDeliveryJob,
    now: number,
  ): boolean;
  getOutbound(id: number): OutboundRecord | undefined;
  /**
   * Records part `index` (0-based) of a pending reply as confirmed by the platform, durably, before the next part is
   * sent; false when it was not the next part (nothing changed).
   */
  markOutboundPartSent(id: number, index: number, platformMessageIds: string[]): boolean;
  markOutboundSent(id: number, platformMessageIds: string[]): void;
  markOutboundFailed(id: number, code: string, text: string): void;

  rememberEcho(ref: SourceRoomRef, platformMessageIds: string[], text: string, sentAt: number): void;
  isEcho(ref: SourceRoomRef, platformMessageId: string, text: string | undefined, sentAt: number): boolean;

  enqueue(job: NewJobOf, now: number): number;
  /** True when a job of this kind for this ordering key is pending (not yet running). */
  hasPendingJob(kind: JobKind, orderingKey: string): boolean;
  /** The open (pending or running) jobs of this kind for this ordering key, oldest first. */
  openJobs(
    kind: JobKind,
    orderingKey: string,
  ): { state: "pending" | "running"; runAfter: number; lastErrorCode: string | null }[];
  jobs: import("./job-runner.js").JobQueuePort;
  jobCounts(): JobCounts[];
  jobCountsByKind(): { kind: string; pending: number; running: number; dead: number }[];
  requeueDead(kind?: JobKind): number;

  recordSyncSuccess(source: SourceKind, shopId: string, at: number): void;
  recordShopError(source: SourceKind, shopId: string, code: string, message: string, at: number): void;
  /** Last successful sync of a shop (ms), for the start-up sweep. */
  lastSyncSuccess(source: SourceKind, shopId: string): number | undefined;

  /**
   * Webhook fallbacks: the message text a webhook carried, kept until the room is read. If the room cannot be
   * read within the retry budget, these are delivered (with their synthetic ids) rather than lost.
   */
  addFallback(ref: SourceRoomRef, message: SourceMessage, now: number): void;
  listFallbacks(ref: SourceRoomRef): SourceMessage[];
  /** Drops fallbacks received at or before `upTo` (a complete walk has covered them). */
  clearFallbacks(ref: SourceRoomRef, upTo: number): void;

  /** True the first time a (source, notification id) is seen: de-duplicates redelivered webhooks. */
  seenOnce(source: SourceKind, notificationId: string, now: number): boolean;
}

export type { QueuedJob };
