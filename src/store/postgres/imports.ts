/**
 * `tokokommo import`'s records in PostgreSQL (ImportsPort): the same rules as store/imports.ts. A message the
 * import sends lands in inbound_messages under the key live sync uses, already delivered and without a job, and
 * the room's cursor (import_rooms) moves onto it in the same transaction; the replicas write the same tables
 * meanwhile, and the unique key keeps the import and live sync from storing a message twice.
 */
import type { ImportedMessage, ImportRoomProgress, ImportRoomRow, ImportsPort } from "../imports.js";
import { importProgressOf } from "../imports.js";
import type { RoomKey } from "../keys.js";
import type { Sql } from "./sql.js";

const KEY = "source = $1 AND shop_id = $2 AND room_id = $3";

/** Moves the room's cursor onto a message; `$7` adds to the room's count of imported messages. */
const ADVANCE = `INSERT INTO import_rooms (source, shop_id, room_id, cursor_message_id, cursor_time, imported,
    updated_at)
  VALUES ($1, $2, $3, $4, $5, $7, $6)
  ON CONFLICT (source, shop_id, room_id) DO UPDATE SET cursor_message_id = excluded.cursor_message_id,
    cursor_time = excluded.cursor_time, imported = import_rooms.imported + excluded.imported,
    updated_at = excluded.updated_at`;

const keyOf = (room: RoomKey) => [room.source, room.shopId, room.roomId];

export class PgImports implements ImportsPort {
  constructor(private readonly sql: Sql) {}

  async isStored(room: RoomKey, messageId: string): Promise<boolean> {
    const rows = await this.sql.query(
      `SELECT 1 FROM inbound_messages WHERE ${KEY} AND platform_message_id = $4`,
      [...keyOf(room), messageId],
    );
    return rows.length > 0;
  }

  async progress(room: RoomKey): Promise<ImportRoomProgress | undefined> {
    const [r] = await this.sql.query<ImportRoomRow>(
      `SELECT cursor_message_id, cursor_time, last_message_at, imported, finished_at FROM import_rooms
       WHERE ${KEY}`,
      keyOf(room),
    );
    return r ? importProgressOf(r) : undefined;
  }

  recordMessage(room: RoomKey, msg: ImportedMessage, sent: boolean, now: number): Promise<void> {
    return this.sql.atomic(async (sql) => {
      const inserted = await sql.query(
        `INSERT INTO inbound_messages (source, shop_id, room_id, platform_message_id, kommo_msgid, sender,
           sender_name, content_json, sent_at, amojo_message_id, amojo_chat_id, state, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'delivered', $12)
         ON CONFLICT (source, shop_id, room_id, platform_message_id) DO NOTHING RETURNING 1`,
        [
          ...keyOf(room),
          msg.platformMessageId,
          msg.kommoMsgid,
          msg.sender,
          msg.senderName ?? null,
          msg.contentJson,
          msg.sentAt,
          msg.amojoMessageId ?? null,
          msg.amojoChatId ?? null,
          now,
        ],
      );
      const add = sent && inserted.length > 0 ? 1 : 0;
      await sql.query(ADVANCE, [...keyOf(room), msg.platformMessageId, msg.sentAt, now, add]);
    });
  }

  async skipMessage(room: RoomKey, messageId: string, time: number, now: number): Promise<void> {
    await this.sql.query(ADVANCE, [...keyOf(room), messageId, time, now, 0]);
  }

  async finish(room: RoomKey, lastMessageAt: number, now: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO import_rooms (source, shop_id, room_id, last_message_at, finished_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5)
       ON CONFLICT (source, shop_id, room_id) DO UPDATE SET last_message_at = excluded.last_message_at,
         finished_at = excluded.finished_at, updated_at = excluded.updated_at`,
      [...keyOf(room), lastMessageAt, now],
    );
  }
}
