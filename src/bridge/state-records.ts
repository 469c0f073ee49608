/**
 * A state row as the engine's record (store-port.ts): one mapping for both backends, which store the same columns
 * (SQLite through better-sqlite3, PostgreSQL through pg; both give numbers for integer columns).
 */
import type { BuyerPlatform, SourceKind } from "../domain/index.js";
import type { InboundRecord, RoomRecord } from "./store-port.js";

/** The columns of `rooms` a RoomRecord is made of. */
export interface RoomColumns {
  source: string;
  shop_id: string;
  room_id: string;
  conversation_id: string | null;
  buyer_id: string | null;
  buyer_name: string | null;
  buyer_avatar: string | null;
  buyer_profile_url: string | null;
  buyer_platform: string | null;
  cursor_message_id: string | null;
  cursor_time: number | null;
  amojo_chat_id: string | null;
  lead_tags_queued: number;
  dirty: number;
  dirty_at: number | null;
  created_at: number;
}

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

/** The columns of `inbound_messages` an InboundRecord is made of. */
export interface InboundColumns {
  id: number;
  source: string;
  shop_id: string;
  room_id: string;
  platform_message_id: string;
  kommo_msgid: string;
  sender: string;
  content_json: string;
  sent_at: number;
  state: string;
  amojo_message_id: string | null;
}

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
