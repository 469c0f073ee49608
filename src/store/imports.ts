import type { Database, Statement } from "better-sqlite3";
import type { SenderRole } from "../domain/index.js";
import type { RoomKey } from "./keys.js";

/** Where `tokokommo import` stands in one room (see migration 0007). */
export interface ImportRoomProgress {
  cursorMessageId?: string;
  cursorTime?: number;
  /** Newest message time of the room when it was walked to the end; undefined while unfinished. */
  finishedThrough?: number;
  imported: number;
}

/** A message the import sent to Kommo (or found there already): stored as delivered, with no job. */
export interface ImportedMessage {
  platformMessageId: string;
  kommoMsgid: string;
  sender: SenderRole;
  senderName?: string;
  /** The same JSON live sync stores (InboundContentJson). */
  contentJson: string;
  sentAt: number;
  amojoMessageId?: string;
  amojoChatId?: string;
}

/**
 * The import's records in the state, on either backend (SQLite: ImportRepo through sqliteImports; PostgreSQL:
 * PgImports). Each call is atomic on its own, so the daemon, or the replicas, may write the same state meanwhile.
 */
export interface ImportsPort {
  /** The message is in inbound_messages (live sync stored it, or an earlier import sent it). */
  isStored(room: RoomKey, messageId: string): Promise<boolean>;
  progress(room: RoomKey): Promise<ImportRoomProgress | undefined>;
  /** One message done, atomically: stored as delivered (unless stored meanwhile), the room's cursor moved onto it. */
  recordMessage(room: RoomKey, msg: ImportedMessage, sent: boolean, now: number): Promise<void>;
  /** A message skipped (hidden, or already stored): only the cursor moves. */
  skipMessage(room: RoomKey, messageId: string, time: number, now: number): Promise<void>;
  /** The room was walked to its newest message (`lastMessageAt`, as its listing named it). */
  finish(room: RoomKey, lastMessageAt: number, now: number): Promise<void>;
}

/** The state file's import records as the port (settled promises over the synchronous repository). */
export function sqliteImports(repo: ImportRepo): ImportsPort {
  const settle = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };
  return {
    isStored: (room, messageId) => settle(() => repo.isStored(room, messageId)),
    progress: (room) => settle(() => repo.progress(room)),
    recordMessage: (room, msg, sent, now) => settle(() => repo.recordMessage(room, msg, sent, now)),
    skipMessage: (room, messageId, time, now) => settle(() => repo.skipMessage(room, messageId, time, now)),
    finish: (room, lastMessageAt, now) => settle(() => repo.finish(room, lastMessageAt, now)),
  };
}

/**
 * The import's records in the state file. A message it sends lands in inbound_messages under the same unique key
 * live sync uses, already delivered and without a delivery job: live sync meeting it later skips it, and the import
 * skips any message live sync stored first. Each call is one statement or one transaction, so the daemon may write
 * the same file meanwhile (it waits for the lock, as with `status` and `retry`).
 */
export class ImportRepo {
  private readonly storedStmt: Statement;
  private readonly progressStmt: Statement;
  private readonly insertStmt: Statement;
  private readonly advanceStmt: Statement;
  private readonly finishStmt: Statement;

  constructor(private readonly db: Database) {
    this.storedStmt = db.prepare(
      `SELECT 1 FROM inbound_messages WHERE source = @source AND shop_id = @shopId AND room_id = @roomId
         AND platform_message_id = @messageId`,
    );
    this.progressStmt = db.prepare(
      `SELECT cursor_message_id, cursor_time, last_message_at, imported, finished_at FROM import_rooms
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId`,
    );
    this.insertStmt = db.prepare(
      `INSERT INTO inbound_messages (source, shop_id, room_id, platform_message_id, kommo_msgid, sender,
         sender_name, content_json, sent_at, amojo_message_id, amojo_chat_id, state, created_at)
       VALUES (@source, @shopId, @roomId, @platformMessageId, @kommoMsgid, @sender, @senderName, @contentJson,
         @sentAt, @amojoMessageId, @amojoChatId, 'delivered', @now)
       ON CONFLICT (source, shop_id, room_id, platform_message_id) DO NOTHING`,
    );
    this.advanceStmt = db.prepare(
      `INSERT INTO import_rooms (source, shop_id, room_id, cursor_message_id, cursor_time, imported, updated_at)
       VALUES (@source, @shopId, @roomId, @messageId, @time, @add, @now)
       ON CONFLICT (source, shop_id, room_id) DO UPDATE SET cursor_message_id = excluded.cursor_message_id,
         cursor_time = excluded.cursor_time, imported = imported + excluded.imported, updated_at = excluded.updated_at`,
    );
    this.finishStmt = db.prepare(
      `INSERT INTO import_rooms (source, shop_id, room_id, last_message_at, finished_at, updated_at)
       VALUES (@source, @shopId, @roomId, @lastMessageAt, @now, @now)
       ON CONFLICT (source, shop_id, room_id) DO UPDATE SET last_message_at = excluded.last_message_at,
         finished_at = excluded.finished_at, updated_at = excluded.updated_at`,
    );
  }

  /** The message is in inbound_messages (live sync stored it, or an earlier import sent it). */
  isStored(room: RoomKey, messageId: string): boolean {
    return this.storedStmt.get({ ...keyOf(room), messageId }) !== undefined;
  }

  progress(room: RoomKey): ImportRoomProgress | undefined {
    const r = this.progressStmt.get(keyOf(room)) as ImportRoomRow | undefined;
    return r ? importProgressOf(r) : undefined;
  }

  /**
   * One message done, in one transaction: stored as delivered (unless live sync stored it meanwhile) and the
   * room's cursor moved onto it. `sent` says whether this run sent it (counted in `imported`).
   */
  recordMessage(room: RoomKey, msg: ImportedMessage, sent: boolean, now: number): void {
    this.db
      .transaction(() => {
        const info = this.insertStmt.run({
          ...keyOf(room),
          ...msg,
          senderName: msg.senderName ?? null,
          amojoMessageId: msg.amojoMessageId ?? null,
          amojoChatId: msg.amojoChatId ?? null,
          now,
        });
        const add = sent && info.changes > 0 ? 1 : 0;
        this.advanceStmt.run({
          ...keyOf(room),
          messageId: msg.platformMessageId,
          time: msg.sentAt,
          add,
          now,
        });
      })
      .immediate();
  }

  /** A message skipped (hidden, or already stored): only the cursor moves. */
  skipMessage(room: RoomKey, messageId: string, time: number, now: number): void {
    this.advanceStmt.run({ ...keyOf(room), messageId, time, add: 0, now });
  }

  /** The room was walked to its newest message (`lastMessageAt`, as its listing named it). */
  finish(room: RoomKey, lastMessageAt: number, now: number): void {
    this.finishStmt.run({ ...keyOf(room), lastMessageAt, now });
  }
}

/** An import_rooms row as both backends read it. */
export interface ImportRoomRow {
  cursor_message_id: string | null;
  cursor_time: number | null;
  last_message_at: number | null;
  imported: number;
  finished_at: number | null;
}

export function importProgressOf(r: ImportRoomRow): ImportRoomProgress {
  return {
    ...(r.cursor_message_id !== null ? { cursorMessageId: r.cursor_message_id } : {}),
    ...(r.cursor_time !== null ? { cursorTime: r.cursor_time } : {}),
    ...(r.finished_at !== null && r.last_message_at !== null ? { finishedThrough: r.last_message_at } : {}),
    imported: r.imported,
  };
}

function keyOf(room: RoomKey): { source: string; shopId: string; roomId: string } {
  return { source: room.source, shopId: room.shopId, roomId: room.roomId };
}
