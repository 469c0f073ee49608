/**
 * The engine's state operations over the SQLite state store (src/store), synchronous as better-sqlite3 is: the
 * SQLite backend of the port (sqlite-engine-store.ts) runs them under its lock and hands out their results as
 * promises. Thin: names and shapes only; every guarantee (unique keys, message + job in one transaction,
 * ordering, leases) lives in the store's repositories.
 */
import type { SourceKind } from "../domain/index.js";
import type { JobKind } from "../domain/job-kinds.js";
import type { SourceMessage } from "../sources/types.js";
import { atomically } from "../store/atomic.js";
import type { InboundRow as StoredInboundRow } from "../store/inbound.js";
import type { Store } from "../store/index.js";
import type { RoomRow as StoredRoomRow } from "../store/rooms.js";
import type { NewJobOf } from "./job-kinds.js";
import { inboundRecordOf, outboundRecordOf, roomRecordOf } from "./state-records.js";
import type {
  EngineStoreTx,
  InboundRecord,
  JobCounts,
  NewDeliveryJob,
  OutboundRecord,
  RoomRecord,
  RoomUpsert,
  SourceRoomRef,
} from "./store-port.js";

/** The port's calls with their results as they are (no promises): what better-sqlite3 does. */
export type SyncOf<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never;
};

export class SqliteStateOps implements SyncOf<EngineStoreTx> {
  private readonly hasPendingStmt;
  private readonly openJobsStmt;
  private readonly countsByKindStmt;
  private readonly addFallbackStmt;
  private readonly listFallbacksStmt;
  private readonly clearFallbacksStmt;
  private readonly inboundStmt;
  private readonly roomStmt;

  constructor(readonly store: Store) {
    const db = store.db;
    this.openJobsStmt = db.prepare(
      `SELECT state, run_after AS runAfter, last_error_code AS lastErrorCode FROM jobs INDEXED BY jobs_open_by_key
       WHERE ordering_key = ? AND state IN ('pending', 'running') AND kind = ? ORDER BY id`,
    );
    this.hasPendingStmt = db.prepare(
      // The state terms twice: the first names jobs_open_by_key's condition, so SQLite may use that index.
      `SELECT 1 FROM jobs INDEXED BY jobs_open_by_key
       WHERE ordering_key = ? AND state IN ('pending', 'running') AND state = 'pending' AND kind = ? LIMIT 1`,
    );
    this.countsByKindStmt = db.prepare(
      `SELECT kind, SUM(state = 'pending') AS pending, SUM(state = 'running') AS running, SUM(state = 'dead') AS dead
       FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY kind ORDER BY kind`,
    );
    this.addFallbackStmt = db.prepare(
      `INSERT INTO webhook_fallbacks (source, shop_id, room_id, message_id, message_json, received_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.listFallbacksStmt = db.prepare(
      "SELECT message_json FROM webhook_fallbacks WHERE source = ? AND shop_id = ? AND room_id = ? ORDER BY id",
    );
    this.clearFallbacksStmt = db.prepare(
      "DELETE FROM webhook_fallbacks WHERE source = ? AND shop_id = ? AND room_id = ? AND received_at <= ?",
    );
    // The two reads of every delivery, straight into the engine's shapes: the repositories' readers parse the
    // content JSON and build their own records, which the engine would only turn back into text and re-map
    // (about 5 % of the daemon's main thread at 1,000 msg/s).
    this.inboundStmt = db.prepare(
      `SELECT id, source, shop_id, room_id, platform_message_id, kommo_msgid, sender, content_json, sent_at, state,
         amojo_message_id
       FROM inbound_messages WHERE id = ?`,
    );
    this.roomStmt = db.prepare(
      `SELECT source, shop_id, room_id, conversation_id, buyer_id, buyer_name, buyer_avatar, buyer_profile_url,
         buyer_platform, cursor_message_id, cursor_time, amojo_chat_id, lead_tags_queued, dirty, dirty_at,
         created_at
       FROM rooms WHERE source = ? AND shop_id = ? AND room_id = ?`,
    );
  }

  /** Atomic on its own: the room and its first cursor are one write. */
  upsertRoom(room: RoomUpsert, now: number): void {
    atomically(this.store.db, () => this.saveRoom(room, now));
  }

  private saveRoom(room: RoomUpsert, now: number): void {
    const ref = { source: room.source, shopId: room.shopId, roomId: room.roomId };
    const buyer = room.buyerId
      ? {
          id: room.buyerId,
          name: room.buyerName ?? "",
          ...(room.buyerAvatar ? { avatarUrl: room.buyerAvatar } : {}),
          ...(room.buyerProfileUrl ? { profileUrl: room.buyerProfileUrl } : {}),
          ...(room.buyerPlatform ? { platform: room.buyerPlatform } : {}),
        }
      : undefined;
    const { created } = this.store.rooms.saveRoom(
      { ...ref, conversationId: room.conversationId, ...(buyer ? { buyer } : {}) },
      now,
    );
    // A room seen for the first time starts its cursor at `initialCursorTime`: the first walk imports what came
    // after it (the message that made the webhook, or the sweep's window), not the room's whole history.
    if (created && room.initialCursorTime !== undefined) {
      this.store.rooms.advanceCursor(ref, { time: room.initialCursorTime }, { now });
    }
  }

  getRoom(ref: SourceRoomRef): RoomRecord | undefined {
    const r = this.roomStmt.get(ref.source, ref.shopId, ref.roomId) as RoomRow | undefined;
    return r ? roomRecordOf(r) : undefined;
  }

  markDirty(ref: SourceRoomRef, at: number): void {
    if (this.store.rooms.markExistingDirty(ref, at) === undefined) this.store.rooms.markDirty(ref, at);
  }

  advanceCursor(
    ref: SourceRoomRef,
    cursor: { messageId: string; time: number } | undefined,
    dirtyAt: number,
  ): void {
    this.store.rooms.advanceCursor(ref, cursor, { clearDirtyIfNotChangedSince: dirtyAt });
  }

  setAmojoChatId(ref: SourceRoomRef, amojoChatId: string): void {
    this.store.rooms.setAmojoChatId(ref, amojoChatId);
  }

  markLeadTagsQueued(ref: SourceRoomRef): void {
    this.store.rooms.markLeadTagsQueued(ref);
  }

  insertInbound(
    msg: Omit<InboundRecord, "id" | "state" | "amojoMessageId">,
    job: NewDeliveryJob,
    now: number,
  ): boolean {
    return this.store.inbound.insertInboundWithJob(
      {
        source: msg.source,
        shopId: msg.shopId,
        roomId: msg.roomId,
        platformMessageId: msg.platformMessageId,
        kommoMsgid: msg.kommoMsgId,
        sender: msg.sender,
        content: JSON.parse(msg.contentJson),
        sentAt: msg.sentAt,
      },
      { orderingKey: job.orderingKey, ...(job.runAfter !== undefined ? { runAfter: job.runAfter } : {}) },
      now,
    ).inserted;
  }

  getInbound(id: number): InboundRecord | undefined {
    const m = this.inboundStmt.get(id) as InboundRow | undefined;
    return m ? inboundRecordOf(m) : undefined;
  }

  markInboundDelivered(id: number, amojo: { amojoMessageId?: string; amojoChatId?: string }): void {
    this.store.inbound.markDelivered(id, {
      messageId: amojo.amojoMessageId ?? "",
      ...(amojo.amojoChatId ? { chatId: amojo.amojoChatId } : {}),
    });
  }

  insertOutbound(
    reply: Omit<OutboundRecord, "id" | "state" | "createdAt">,
    job: NewDeliveryJob,
    now: number,
  ): boolean {
    const room =
      reply.source && reply.shopId && reply.roomId
        ? { source: reply.source, shopId: reply.shopId, roomId: reply.roomId }
        : null;
    return this.store.outbound.insertReplyWithJob(
      {
        scopeId: reply.scopeId,
        amojoMessageId: reply.amojoMessageId,
        ...(reply.amojoChatId ? { amojoChatId: reply.amojoChatId } : {}),
        ...(reply.conversationId ? { conversationId: reply.conversationId } : {}),
        room,
        content: JSON.parse(reply.contentJson),
      },
      { orderingKey: job.orderingKey },
      now,
    ).inserted;
  }

  getOutbound(id: number): OutboundRecord | undefined {
    const r = this.store.outbound.get(id);
    return r ? outboundRecordOf(r) : undefined;
  }

  markOutboundPartSent(id: number, index: number, platformMessageIds: string[]): boolean {
    return this.store.outbound.recordPartSent(id, index, platformMessageIds);
  }

  markOutboundSent(id: number, platformMessageIds: string[]): void {
    this.store.outbound.markSent(id, platformMessageIds);
  }

  markOutboundFailed(id: number, code: string, text: string): void {
    this.store.outbound.markFailed(id, code, text);
  }

  rememberEcho(ref: SourceRoomRef, platformMessageIds: string[], text: string, sentAt: number): void {
    this.store.echoes.rememberSent(ref, { platformMessageIds, text, sentAt });
  }

  isEcho(ref: SourceRoomRef, platformMessageId: string, text: string | undefined, sentAt: number): boolean {
    return this.store.echoes.isEcho(ref, platformMessageId, text, sentAt);
  }

  enqueue(job: NewJobOf, now: number): number {
    return this.store.jobs.enqueue(
      {
        kind: job.kind,
        orderingKey: job.orderingKey,
        shopKey: job.shopKey,
        ...("payload" in job ? { payload: job.payload } : {}),
        ...("refId" in job ? { refId: job.refId } : {}),
        ...(job.runAfter !== undefined ? { runAfter: job.runAfter } : {}),
      },
      now,
    );
  }

  openJobs(
    kind: JobKind,
    orderingKey: string,
  ): { state: "pending" | "running"; runAfter: number; lastErrorCode: string | null }[] {
    return this.openJobsStmt.all(orderingKey, kind) as {
      state: "pending" | "running";
      runAfter: number;
      lastErrorCode: string | null;
    }[];
  }

  hasPendingJob(kind: JobKind, orderingKey: string): boolean {
    return this.hasPendingStmt.get(orderingKey, kind) !== undefined;
  }

  jobCounts(): JobCounts[] {
    return this.store.jobs.counts().map((c) => ({
      shopKey: c.shopKey ?? "",
      pending: c.pending,
      running: c.running,
      dead: c.dead,
    }));
  }

  jobCountsByKind(): { kind: string; pending: number; running: number; dead: number }[] {
    return this.countsByKindStmt.all() as { kind: string; pending: number; running: number; dead: number }[];
  }

  requeueDead(kind?: JobKind): number {
    return this.store.jobs.requeueDead(kind ? { kind } : {});
  }

  makeWaitingDue(now: number): number {
    return this.store.jobs.makeWaitingDue(now);
  }

  recordSyncSuccess(source: SourceKind, shopId: string, at: number): void {
    this.store.shopStatus.recordSyncSuccess({ source, shopId }, at);
  }

  recordShopError(source: SourceKind, shopId: string, code: string, message: string, at: number): void {
    this.store.shopStatus.recordShopError({ source, shopId }, { error: message, code }, at);
  }

  lastSyncSuccess(source: SourceKind, shopId: string): number | undefined {
    const s = this.store.shopStatus.listShopStatus().find((x) => x.source === source && x.shopId === shopId);
    return s?.lastSuccessAt ?? undefined;
  }

  addFallback(ref: SourceRoomRef, message: SourceMessage, now: number): void {
    this.addFallbackStmt.run(
      ref.source,
      ref.shopId,
      ref.roomId,
      message.messageId,
      JSON.stringify(message),
      now,
    );
  }

  listFallbacks(ref: SourceRoomRef): SourceMessage[] {
    return (this.listFallbacksStmt.all(ref.source, ref.shopId, ref.roomId) as { message_json: string }[]).map(
      (r) => JSON.parse(r.message_json) as SourceMessage,
    );
  }

  clearFallbacks(ref: SourceRoomRef, upTo: number): void {
    this.clearFallbacksStmt.run(ref.source, ref.shopId, ref.roomId, upTo);
  }

  seenOnce(source: SourceKind, notificationId: string, now: number): boolean {
    return this.store.webhooks.seenOnce(source, notificationId, now);
  }
}

/** Columns of roomStmt / inboundStmt. */
type RoomRow = Pick<
  StoredRoomRow,
  | "source"
  | "shop_id"
  | "room_id"
  | "conversation_id"
  | "buyer_id"
  | "buyer_name"
  | "buyer_avatar"
  | "buyer_profile_url"
  | "buyer_platform"
  | "cursor_message_id"
  | "cursor_time"
  | "amojo_chat_id"
  | "lead_tags_queued"
  | "dirty"
  | "dirty_at"
  | "created_at"
>;
type InboundRow = Omit<StoredInboundRow, "sender_name" | "amojo_chat_id" | "created_at">;
