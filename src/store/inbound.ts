import type { Database, Statement } from "better-sqlite3";
import type { SenderRole, SourceKind } from "../domain/index.js";
import { DELIVER_TO_KOMMO } from "../domain/job-kinds.js";
import { atomically } from "./atomic.js";
import type { JobsRepo } from "./jobs.js";
import { fromJson, toJson } from "./json.js";
import { orderingKey, type RoomKey, shopKey } from "./keys.js";

/** A marketplace message to deliver to Kommo. */
export interface NewInbound extends RoomKey {
  /** Tokopedia reply_id / TikTok Shop message_id: unique within the room. */
  platformMessageId: string;
  /** Our Kommo msgid (docs/architecture.md, Identities), e.g. `tkp:{shop}:{room}:{reply}`. */
  kommoMsgid: string;
  sender: SenderRole;
  senderName?: string;
  /** Source-neutral content (MessageContent from domain/message-content.ts), rendered for Kommo at delivery time. */
  content: unknown;
  sentAt: number;
}

export type InboundState = "pending" | "delivered" | "dead";

export interface InboundMessage extends NewInbound {
  id: number;
  amojoMessageId: string | null;
  amojoChatId: string | null;
  state: InboundState;
  createdAt: number;
}

/** Options of the deliver_to_kommo job created with the message. */
export interface InboundJobOptions {
  /** Default orderingKey("to_kommo", room): per conversation, in insertion (= reply) order. */
  orderingKey?: string;
  payload?: unknown;
  runAfter?: number;
}

/** An inbound_messages row as SQLite returns it. */
export interface InboundRow {
  id: number;
  source: string;
  shop_id: string;
  room_id: string;
  platform_message_id: string;
  kommo_msgid: string;
  sender: string;
  sender_name: string | null;
  content_json: string;
  sent_at: number;
  amojo_message_id: string | null;
  amojo_chat_id: string | null;
  state: string;
  created_at: number;
}

function toInbound(r: InboundRow): InboundMessage {
  return {
    id: r.id,
    source: r.source as SourceKind,
    shopId: r.shop_id,
    roomId: r.room_id,
    platformMessageId: r.platform_message_id,
    kommoMsgid: r.kommo_msgid,
    sender: r.sender as SenderRole,
    ...(r.sender_name !== null ? { senderName: r.sender_name } : {}),
    content: fromJson(r.content_json),
    sentAt: r.sent_at,
    amojoMessageId: r.amojo_message_id,
    amojoChatId: r.amojo_chat_id,
    state: r.state as InboundState,
    createdAt: r.created_at,
  };
}

/**
 * Inbound messages (docs/architecture.md, Inbound 2–3). A message is stored exactly once per (source, shop, room,
 * platform message id) and always together with its delivery job, so re-reading a room (after a crash, or because
 * webhook and poll both saw it) can never deliver a message twice or lose one.
 */
export class InboundRepo {
  private readonly insertStmt: Statement;
  private readonly findStmt: Statement;
  private readonly getStmt: Statement<[number]>;
  private readonly deliveredStmt: Statement;
  private readonly deadStmt: Statement<[number]>;

  constructor(
    private readonly db: Database,
    private readonly jobs: JobsRepo,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO inbound_messages (source, shop_id, room_id, platform_message_id, kommo_msgid, sender,
         sender_name, content_json, sent_at, created_at)
       VALUES (@source, @shopId, @roomId, @platformMessageId, @kommoMsgid, @sender, @senderName, @content, @sentAt,
         @now)
       ON CONFLICT (source, shop_id, room_id, platform_message_id) DO NOTHING`,
    );
    this.findStmt = db.prepare(
      `SELECT id FROM inbound_messages
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId AND platform_message_id = @platformMessageId`,
    );
    this.getStmt = db.prepare("SELECT * FROM inbound_messages WHERE id = ?");
    this.deliveredStmt = db.prepare(
      `UPDATE inbound_messages SET state = 'delivered', amojo_message_id = @amojoMessageId,
         amojo_chat_id = COALESCE(@amojoChatId, amojo_chat_id)
       WHERE id = @id`,
    );
    this.deadStmt = db.prepare(
      "UPDATE inbound_messages SET state = 'dead' WHERE id = ? AND state = 'pending'",
    );
  }

  /**
   * Stores the message and its deliver_to_kommo job in one transaction. When the message is already stored
   * (same unique key) nothing is written and `inserted` is false; `id` is the stored message either way.
   */
  insertInboundWithJob(
    msg: NewInbound,
    job: InboundJobOptions = {},
    now: number = Date.now(),
  ): { inserted: boolean; id: number; jobId?: number } {
    return atomically(this.db, () => {
      const info = this.insertStmt.run({
        source: msg.source,
        shopId: msg.shopId,
        roomId: msg.roomId,
        platformMessageId: msg.platformMessageId,
        kommoMsgid: msg.kommoMsgid,
        sender: msg.sender,
        senderName: msg.senderName ?? null,
        content: toJson(msg.content),
        sentAt: msg.sentAt,
        now,
      });
      if (info.changes === 0) {
        const existing = this.findStmt.get({
          source: msg.source,
          shopId: msg.shopId,
          roomId: msg.roomId,
          platformMessageId: msg.platformMessageId,
        }) as { id: number };
        return { inserted: false, id: existing.id };
      }
      const id = Number(info.lastInsertRowid);
      const jobId = this.jobs.enqueue(
        {
          kind: DELIVER_TO_KOMMO,
          orderingKey: job.orderingKey ?? orderingKey("to_kommo", msg),
          refId: id,
          payload: job.payload,
          shopKey: shopKey(msg),
          ...(job.runAfter !== undefined ? { runAfter: job.runAfter } : {}),
        },
        now,
      );
      return { inserted: true, id, jobId };
    });
  }

  get(id: number): InboundMessage | undefined {
    const row = this.getStmt.get(id) as InboundRow | undefined;
    return row ? toInbound(row) : undefined;
  }

  /** Kommo accepted the message: keep the ids it returned (delivery statuses and replies refer to them). */
  markDelivered(id: number, amojo: { messageId: string; chatId?: string }): void {
    this.deliveredStmt.run({ id, amojoMessageId: amojo.messageId, amojoChatId: amojo.chatId ?? null });
  }

  /** Its job is dead: shown in status; a re-queued job delivering it later still calls markDelivered. */
  markDead(id: number): void {
    this.deadStmt.run(id);
  }
}
