/**
 * Rooms, webhook fallbacks, per-shop status and webhook de-duplication in PostgreSQL: the same rules as the SQLite
 * repositories (store/rooms.ts, shop-status.ts, webhook-seen.ts), each call one statement where it can be.
 */

import { type RoomColumns, roomRecordOf } from "../../bridge/state-records.js";
import type { RoomRecord, RoomUpsert, SourceRoomRef } from "../../bridge/store-port.js";
import type { SourceKind } from "../../domain/index.js";
import type { SourceMessage } from "../../sources/types.js";
import type { Sql } from "./sql.js";

const KEY = "source = $1 AND shop_id = $2 AND room_id = $3";
const key = (ref: SourceRoomRef) => [ref.source, ref.shopId, ref.roomId];

/**
 * Creates the room or refreshes its buyer (fields left out keep their value). A room created here with
 * `initialCursorTime` starts its cursor there, so its first walk imports only what came after it.
 */
export async function upsertRoom(sql: Sql, room: RoomUpsert, now: number): Promise<void> {
  const start = room.initialCursorTime ?? null;
  await sql.query(
    `INSERT INTO rooms (source, shop_id, room_id, conversation_id, buyer_id, buyer_name, buyer_avatar,
       buyer_profile_url, buyer_platform, cursor_time, last_synced_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, CASE WHEN $10::bigint IS NULL THEN NULL ELSE $11::bigint END,
       $11, $11)
     ON CONFLICT (source, shop_id, room_id) DO UPDATE SET
       conversation_id   = COALESCE(excluded.conversation_id, rooms.conversation_id),
       buyer_id          = COALESCE(excluded.buyer_id, rooms.buyer_id),
       buyer_name        = COALESCE(excluded.buyer_name, rooms.buyer_name),
       buyer_avatar      = COALESCE(excluded.buyer_avatar, rooms.buyer_avatar),
       buyer_profile_url = COALESCE(excluded.buyer_profile_url, rooms.buyer_profile_url),
       buyer_platform    = COALESCE(excluded.buyer_platform, rooms.buyer_platform),
       updated_at        = excluded.updated_at`,
    [
      ...key(room),
      room.conversationId,
      room.buyerId || null,
      room.buyerId ? (room.buyerName ?? "") : null,
      (room.buyerId && room.buyerAvatar) || null,
      (room.buyerId && room.buyerProfileUrl) || null,
      (room.buyerId && room.buyerPlatform) || null,
      start,
      now,
    ],
  );
}

export async function getRoom(sql: Sql, ref: SourceRoomRef): Promise<RoomRecord | undefined> {
  const [r] = await sql.query<RoomColumns>(
    `SELECT source, shop_id, room_id, conversation_id, buyer_id, buyer_name, buyer_avatar, buyer_profile_url,
       buyer_platform, cursor_message_id, cursor_time, amojo_chat_id, lead_tags_queued, dirty, dirty_at, created_at
     FROM rooms WHERE ${KEY}`,
    key(ref),
  );
  return r ? roomRecordOf(r) : undefined;
}

/** Marks the room dirty (creating it when new); dirty_at strictly increases with every mark. */
export async function markDirty(sql: Sql, ref: SourceRoomRef, at: number): Promise<void> {
  await sql.query(
    `INSERT INTO rooms (source, shop_id, room_id, dirty, dirty_at, created_at, updated_at)
     VALUES ($1, $2, $3, 1, $4, $4, $4)
     ON CONFLICT (source, shop_id, room_id) DO UPDATE SET dirty = 1,
       dirty_at = GREATEST(excluded.dirty_at, COALESCE(rooms.dirty_at, 0) + 1), updated_at = excluded.updated_at`,
    [...key(ref), at],
  );
}

/**
 * Records a complete walk: the cursor moves (never back in time); dirty is cleared only when no mark came after
 * `walkStartedAt`. Throws for an unknown room, as the SQLite store does.
 */
export async function advanceCursor(
  sql: Sql,
  ref: SourceRoomRef,
  cursor: { messageId: string; time: number } | undefined,
  walkStartedAt: number,
): Promise<void> {
  const moves = "$4::bigint IS NOT NULL AND (cursor_time IS NULL OR $4::bigint >= cursor_time)";
  const rows = await sql.query(
    `UPDATE rooms SET
       cursor_message_id = CASE WHEN ${moves} THEN $5::text ELSE cursor_message_id END,
       cursor_time = CASE WHEN ${moves} THEN $4::bigint ELSE cursor_time END,
       last_synced_at = $6, last_error = NULL, updated_at = $6,
       dirty = CASE WHEN dirty_at <= $7::bigint THEN 0 ELSE dirty END
     WHERE ${KEY} RETURNING dirty`,
    [...key(ref), cursor?.time ?? null, cursor?.messageId ?? null, Date.now(), walkStartedAt],
  );
  if (rows.length === 0)
    throw new Error(`advanceCursor: unknown room ${ref.source}:${ref.shopId}:${ref.roomId}`);
}

export async function setAmojoChatId(sql: Sql, ref: SourceRoomRef, chatId: string): Promise<void> {
  await sql.query(`UPDATE rooms SET amojo_chat_id = $4, updated_at = $5 WHERE ${KEY}`, [
    ...key(ref),
    chatId,
    Date.now(),
  ]);
}

export async function markLeadTagsQueued(sql: Sql, ref: SourceRoomRef): Promise<void> {
  await sql.query(`UPDATE rooms SET lead_tags_queued = 1, updated_at = $4 WHERE ${KEY}`, [
    ...key(ref),
    Date.now(),
  ]);
}

export async function addFallback(
  sql: Sql,
  ref: SourceRoomRef,
  message: SourceMessage,
  now: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO webhook_fallbacks (source, shop_id, room_id, message_id, message_json, received_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [...key(ref), message.messageId, JSON.stringify(message), now],
  );
}

export async function listFallbacks(sql: Sql, ref: SourceRoomRef): Promise<SourceMessage[]> {
  const rows = await sql.query<{ message_json: string }>(
    `SELECT message_json FROM webhook_fallbacks WHERE ${KEY} ORDER BY id`,
    key(ref),
  );
  return rows.map((r) => JSON.parse(r.message_json) as SourceMessage);
}

export async function clearFallbacks(sql: Sql, ref: SourceRoomRef, upTo: number): Promise<void> {
  await sql.query(`DELETE FROM webhook_fallbacks WHERE ${KEY} AND received_at <= $4`, [...key(ref), upTo]);
}

export async function recordSyncSuccess(
  sql: Sql,
  source: SourceKind,
  shopId: string,
  at: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO shop_status (source, shop_id, last_sync_at, last_success_at) VALUES ($1, $2, $3, $3)
     ON CONFLICT (source, shop_id) DO UPDATE SET last_sync_at = $3, last_success_at = $3`,
    [source, shopId, at],
  );
}

export async function recordShopError(
  sql: Sql,
  shop: { source: SourceKind; shopId: string },
  error: { code: string; message: string },
  at: number,
): Promise<void> {
  await sql.query(
    `INSERT INTO shop_status (source, shop_id, last_sync_at, last_error, last_error_code, last_error_at)
     VALUES ($1, $2, $3, $4, $5, $3)
     ON CONFLICT (source, shop_id) DO UPDATE SET last_sync_at = $3, last_error = $4, last_error_code = $5,
       last_error_at = $3`,
    [shop.source, shop.shopId, at, error.message, error.code],
  );
}

export async function lastSyncSuccess(
  sql: Sql,
  source: SourceKind,
  shopId: string,
): Promise<number | undefined> {
  const [row] = await sql.query<{ at: number | null }>(
    "SELECT last_success_at AS at FROM shop_status WHERE source = $1 AND shop_id = $2",
    [source, shopId],
  );
  return row?.at ?? undefined;
}

/** True the first time (source, notification id) is seen. */
export async function seenOnce(
  sql: Sql,
  source: SourceKind,
  notificationId: string,
  now: number,
): Promise<boolean> {
  const rows = await sql.query(
    `INSERT INTO webhook_seen (source, notification_id, seen_at) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [source, notificationId, now],
  );
  return rows.length === 1;
}
