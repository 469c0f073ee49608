/**
 * A state row as the engine's record (store-port.ts): one mapping for both backends, which store the same columns
 * (SQLite through better-sqlite3, PostgreSQL through pg; both give numbers for integer columns).
 */
import type { BuyerPlatform, SourceKind } from "../domain/index.js";
import type { InboundRow } from "../store/inbound.js";
import type { OutboundReply } from "../store/outbound.js";
import type { RoomRow } from "../store/rooms.js";
import type { InboundRecord, OutboundRecord, RoomRecord } from "./store-port.js";

/** The columns of `rooms` a RoomRecord is made of (the same in both backends). */
export type RoomColumns = Omit<RoomRow, "last_synced_at" | "last_error" | "updated_at">;

export function roomRecordOf(r: RoomColumns): RoomRecord {
  const room: RoomRecord = {
    source: r.source as SourceKind,
    shopId: r.shop_id,
    roomId: r.room_id,
    conversationId: r.conversation_id ?? "",
    dirty: r.dirty === 1,
    createdAt: r.created_at,
  };
  // Absent rather than undefined (exactOptionalPropertyTypes); a buyer's fields only with the buyer.
  if (r.buyer_id !== null) {
    room.buyerId = r.buyer_id;
    room.buyerName = r.buyer_name ?? "";
    if (r.buyer_avatar) room.buyerAvatar = r.buyer_avatar;
    if (r.buyer_profile_url) room.buyerProfileUrl = r.buyer_profile_url;
    if (r.buyer_platform) room.buyerPlatform = r.buyer_platform as BuyerPlatform;
  }
  if (r.cursor_message_id !== null) room.cursorMessageId = r.cursor_message_id;
  if (r.cursor_time !== null) room.cursorTime = r.cursor_time;
  if (r.amojo_chat_id !== null) room.amojoChatId = r.amojo_chat_id;
  if (r.dirty_at !== null) room.dirtyAt = r.dirty_at;
  if (r.lead_tags_queued === 1) room.leadTagsQueued = true;
  return room;
}

/** The columns of `inbound_messages` an InboundRecord is made of (the same in both backends). */
export type InboundColumns = Omit<InboundRow, "sender_name" | "amojo_chat_id" | "created_at">;

export function inboundRecordOf(m: InboundColumns): InboundRecord {
  const record: InboundRecord = {
    id: m.id,
    source: m.source as SourceKind,
    shopId: m.shop_id,
    roomId: m.room_id,
    platformMessageId: m.platform_message_id,
    kommoMsgId: m.kommo_msgid,
    sender: m.sender as InboundRecord["sender"],
    contentJson: m.content_json,
    sentAt: m.sent_at,
    state: m.state,
  };
  if (m.amojo_message_id !== null) record.amojoMessageId = m.amojo_message_id;
  return record;
}

/** A stored reply (store/outbound.ts's reading of an `outbound_replies` row) as the engine's record. */
export function outboundRecordOf(r: OutboundReply): OutboundRecord {
  return {
    id: r.id,
    scopeId: r.scopeId,
    amojoMessageId: r.amojoMessageId,
    ...(r.amojoChatId !== null ? { amojoChatId: r.amojoChatId } : {}),
    ...(r.conversationId !== null ? { conversationId: r.conversationId } : {}),
    ...(r.room ? { source: r.room.source, shopId: r.room.shopId, roomId: r.room.roomId } : {}),
    contentJson: JSON.stringify(r.content ?? null),
    state: r.state,
    createdAt: r.createdAt,
    partsSent: r.partsSent,
    platformMessageIds: r.platformMessageIds,
  };
}
