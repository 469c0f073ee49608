import type { Database, Statement } from "better-sqlite3";
import type { SourceKind } from "../domain/index.js";
import { DELIVER_TO_MARKETPLACE } from "../domain/job-kinds.js";
import { atomically } from "./atomic.js";
import type { JobsRepo } from "./jobs.js";
import { fromJson, toJson } from "./json.js";
import { orderingKey, orderingKeyForConversation, type RoomKey, shopKey } from "./keys.js";

/** A manager's (or Salesbot's) reply from Kommo's channel webhook, to post to the marketplace room. */
export interface NewReply {
  scopeId: string;
  /** Kommo's id of the message: the de-duplication key (a redelivered webhook inserts nothing). */
  amojoMessageId: string;
  amojoChatId?: string;
  /** Our conversation id as Kommo echoes it back (docs/architecture.md, Identities). */
  conversationId?: string;
  /** The marketplace room, null when the conversation is unknown (delivery then fails with a readable status). */
  room: RoomKey | null;
  /** Kommo's message object (type, text, media...), as received. */
  content: unknown;
}

export type ReplyState = "pending" | "sent" | "failed" | "dead";

export interface OutboundReply {
  id: number;
  scopeId: string;
  amojoMessageId: string;
  amojoChatId: string | null;
  conversationId: string | null;
  room: RoomKey | null;
  content: unknown;
  state: ReplyState;
  /** Platform ids of what was sent so far (every part's, in order), complete once `state` is "sent". */
  platformMessageIds: string[];
  /** How many parts of the reply the platform has confirmed (see recordPartSent). */
  partsSent: number;
  errorCode: string | null;
  errorText: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface ReplyJobOptions {
  /** Default orderingKey("to_marketplace", room), or per conversation id when the room is unknown. */
  orderingKey?: string;
  payload?: unknown;
  runAfter?: number;
}

/** A row of `outbound_replies` (the same columns in both backends). */
export interface OutboundRow {
  id: number;
  scope_id: string;
  amojo_message_id: string;
  amojo_chat_id: string | null;
  conversation_id: string | null;
  source: string | null;
  shop_id: string | null;
  room_id: string | null;
  content_json: string;
  state: string;
  platform_message_ids_json: string | null;
  parts_sent: number;
  error_code: string | null;
  error_text: string | null;
  created_at: number;
  updated_at: number;
}

export function outboundReplyOf(r: OutboundRow): OutboundReply {
  const room =
    r.source !== null && r.shop_id !== null && r.room_id !== null
      ? { source: r.source as SourceKind, shopId: r.shop_id, roomId: r.room_id }
      : null;
  const ids = fromJson(r.platform_message_ids_json);
  return {
    id: r.id,
    scopeId: r.scope_id,
    amojoMessageId: r.amojo_message_id,
    amojoChatId: r.amojo_chat_id,
    conversationId: r.conversation_id,
    room,
    content: fromJson(r.content_json),
    state: r.state as ReplyState,
    platformMessageIds: Array.isArray(ids) ? ids.map(String) : [],
    partsSent: r.parts_sent,
    errorCode: r.error_code,
    errorText: r.error_text,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * Outbound replies (docs/architecture.md, Outbound 1–2). Kommo never retries its webhook, so the reply is stored
 * (with its deliver_to_marketplace job) before the webhook is answered; the unique amojo message id makes a
 * duplicate delivery of the same webhook harmless.
 */
export class OutboundRepo {
  private readonly insertStmt: Statement;
  private readonly findStmt: Statement<[string]>;
  private readonly getStmt: Statement<[number]>;
  private readonly finishStmt: Statement;
  private readonly partStmt: Statement;

  constructor(
    private readonly db: Database,
    private readonly jobs: JobsRepo,
  ) {
    this.insertStmt = db.prepare(
      `INSERT INTO outbound_replies (scope_id, amojo_message_id, amojo_chat_id, conversation_id, source, shop_id,
         room_id, content_json, created_at, updated_at)
       VALUES (@scopeId, @amojoMessageId, @amojoChatId, @conversationId, @source, @shopId, @roomId, @content, @now,
         @now)
       ON CONFLICT (amojo_message_id) DO NOTHING`,
    );
    this.findStmt = db.prepare("SELECT * FROM outbound_replies WHERE amojo_message_id = ?");
    this.getStmt = db.prepare("SELECT * FROM outbound_replies WHERE id = ?");
    this.finishStmt = db.prepare(
      `UPDATE outbound_replies SET state = @state, platform_message_ids_json = COALESCE(@ids, platform_message_ids_json),
         error_code = @code, error_text = @text, updated_at = @now
       WHERE id = @id`,
    );
    this.partStmt = db.prepare(
      `UPDATE outbound_replies SET parts_sent = @index + 1, platform_message_ids_json = @ids, updated_at = @now
       WHERE id = @id AND state = 'pending' AND parts_sent = @index`,
    );
  }

  /** Stores the reply and its deliver_to_marketplace job in one transaction; a known amojo id inserts nothing. */
  insertReplyWithJob(
    reply: NewReply,
    job: ReplyJobOptions = {},
    now: number = Date.now(),
  ): { inserted: boolean; id: number; jobId?: number } {
    return atomically(this.db, () => {
      const info = this.insertStmt.run({
        scopeId: reply.scopeId,
        amojoMessageId: reply.amojoMessageId,
        amojoChatId: reply.amojoChatId ?? null,
        conversationId: reply.conversationId ?? null,
        source: reply.room?.source ?? null,
        shopId: reply.room?.shopId ?? null,
        roomId: reply.room?.roomId ?? null,
        content: toJson(reply.content),
        now,
      });
      if (info.changes === 0) {
        const existing = this.findStmt.get(reply.amojoMessageId) as OutboundRow;
        return { inserted: false, id: existing.id };
      }
      const id = Number(info.lastInsertRowid);
      const key =
        job.orderingKey ??
        (reply.room
          ? orderingKey("to_marketplace", reply.room)
          : orderingKeyForConversation(
              "to_marketplace",
              reply.conversationId ?? reply.amojoChatId ?? reply.amojoMessageId,
            ));
      const jobId = this.jobs.enqueue(
        {
          kind: DELIVER_TO_MARKETPLACE,
          orderingKey: key,
          refId: id,
          payload: job.payload,
          shopKey: reply.room ? shopKey(reply.room) : null,
          ...(job.runAfter !== undefined ? { runAfter: job.runAfter } : {}),
        },
        now,
      );
      return { inserted: true, id, jobId };
    });
  }

  get(id: number): OutboundReply | undefined {
    const row = this.getStmt.get(id) as OutboundRow | undefined;
    return row ? outboundReplyOf(row) : undefined;
  }

  getByAmojoMessageId(amojoMessageId: string): OutboundReply | undefined {
    const row = this.findStmt.get(amojoMessageId) as OutboundRow | undefined;
    return row ? outboundReplyOf(row) : undefined;
  }

  /** Posted to the marketplace; the platform's ids (if any) also go to echoes.rememberSent. */
  markSent(id: number, platformMessageIds: readonly string[], now: number = Date.now()): void {
    this.finishStmt.run({ id, state: "sent", ids: toJson(platformMessageIds), code: null, text: null, now });
  }

  /**
   * Part `index` (0-based) of a pending reply was confirmed by the platform with these ids. Only the next part in
   * order is recorded (a repeated or out-of-order record changes nothing and returns false). Call in the
   * transaction that remembers the part's echo, right after the platform confirmed it: a retry then starts after it.
   */
  recordPartSent(
    id: number,
    index: number,
    platformMessageIds: readonly string[],
    now: number = Date.now(),
  ): boolean {
    const row = this.getStmt.get(id) as OutboundRow | undefined;
    if (!row) return false;
    const ids = [...outboundReplyOf(row).platformMessageIds, ...platformMessageIds];
    return this.partStmt.run({ id, index, ids: toJson(ids), now }).changes === 1;
  }

  /** Refused for good (attachment, unknown conversation, too long...): `code` is a TK_ERR_* code, `text` readable. */
  markFailed(id: number, code: string, text: string, now: number = Date.now()): void {
    this.finishStmt.run({ id, state: "failed", ids: null, code, text, now });
  }

  /** Retry budget spent (its job is dead); `retry --dead` may still deliver it. */
  markDead(id: number, code: string, text: string, now: number = Date.now()): void {
    this.finishStmt.run({ id, state: "dead", ids: null, code, text, now });
  }
}
