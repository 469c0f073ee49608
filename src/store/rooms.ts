import type { Database, Statement } from "better-sqlite3";
import type { Buyer, BuyerPlatform, SourceKind } from "../domain/index.js";
import { atomically } from "./atomic.js";
import type { RoomKey, ShopRef } from "./keys.js";

/** One marketplace conversation as the store knows it. */
export interface Room extends RoomKey {
  /** Our Kommo conversation id (docs/architecture.md, Identities); null until the engine names the room. */
  conversationId: string | null;
  buyer: Buyer | undefined;
  /** True while the room may hold messages we have not read (set by webhooks/polls, cleared by a full sync). */
  dirty: boolean;
  /** Version stamp of the latest mark (ms, strictly increasing per room); pass it back to advanceCursor. */
  dirtyAt: number | null;
  /** Newest message already read from the room (sync resumes strictly after it). */
  cursor: { messageId: string | null; time: number | null };
  lastSyncedAt: number | null;
  lastError: string | null;
  amojoChatId: string | null;
  /** The job that tags the room's Kommo lead was queued (it is queued once per room). */
  leadTagsQueued: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface RoomInit {
  conversationId?: string;
  buyer?: Buyer;
}

/** A rooms row as SQLite returns it. */
export interface RoomRow {
  source: string;
  shop_id: string;
  room_id: string;
  conversation_id: string | null;
  buyer_id: string | null;
  buyer_name: string | null;
  buyer_avatar: string | null;
  buyer_profile_url: string | null;
  buyer_platform: string | null;
  dirty: number;
  dirty_at: number | null;
  cursor_message_id: string | null;
  cursor_time: number | null;
  last_synced_at: number | null;
  last_error: string | null;
  amojo_chat_id: string | null;
  lead_tags_queued: number;
  created_at: number;
  updated_at: number;
}

function toRoom(r: RoomRow): Room {
  const buyer: Buyer | undefined =
    r.buyer_id === null
      ? undefined
      : {
          id: r.buyer_id,
          name: r.buyer_name ?? "",
          ...(r.buyer_avatar !== null ? { avatarUrl: r.buyer_avatar } : {}),
          ...(r.buyer_profile_url !== null ? { profileUrl: r.buyer_profile_url } : {}),
          ...(r.buyer_platform !== null ? { platform: r.buyer_platform as BuyerPlatform } : {}),
        };
  return {
    source: r.source as SourceKind,
    shopId: r.shop_id,
    roomId: r.room_id,
    conversationId: r.conversation_id,
    buyer,
    dirty: r.dirty === 1,
    dirtyAt: r.dirty_at,
    cursor: { messageId: r.cursor_message_id, time: r.cursor_time },
    lastSyncedAt: r.last_synced_at,
    lastError: r.last_error,
    amojoChatId: r.amojo_chat_id,
    leadTagsQueued: r.lead_tags_queued === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const KEY = "source = @source AND shop_id = @shopId AND room_id = @roomId";

/**
 * Rooms and their sync state (docs/architecture.md, Inbound 1–2).
 *
 * The dirty/cursor protocol, which must survive a webhook arriving while a sync of the same room is running:
 *   1. intake calls markDirty(ref): dirty = 1 and dirty_at gets a new, strictly larger stamp;
 *   2. the sync reads the room (getRoom/listDirty), remembers `dirtyAt`, and walks the messages after the cursor;
 *   3. only after the walk completed it calls advanceCursor(ref, newest, {clearDirtyIfNotChangedSince: dirtyAt}).
 *      The cursor moves; the dirty flag is cleared only if no mark happened since step 2. A webhook that arrived
 *      during the walk bumped dirty_at, so the room stays dirty and is synced again: no message is missed.
 * dirty_at is "ms of the latest mark, bumped by 1 when needed to be strictly increasing", so two marks in the same
 * millisecond still differ.
 */
export class RoomsRepo {
  private readonly getStmt: Statement;
  private readonly existsStmt: Statement;
  private readonly byConversationStmt: Statement;
  private readonly upsertStmt: Statement;
  private readonly markStmt: Statement;
  private readonly listDirtyStmt: Statement;
  private readonly listDirtyShopStmt: Statement;
  private readonly cursorStmt: Statement;
  private readonly chatStmt: Statement;
  private readonly leadTagsStmt: Statement;
  private readonly errorStmt: Statement;

  /**
   * Per shop, when a room of it was last marked for sync (by a webhook or a sweep that found something new):
   * the shop's latest activity, from which its idle sweep interval is computed (`status`).
   */
  lastMarkedByShop(): { source: string; shopId: string; at: number }[] {
    return this.db
      .prepare(
        "SELECT source, shop_id AS shopId, MAX(dirty_at) AS at FROM rooms WHERE dirty_at IS NOT NULL GROUP BY source, shop_id",
      )
      .all() as { source: string; shopId: string; at: number }[];
  }

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(`SELECT * FROM rooms WHERE ${KEY}`);
    this.existsStmt = db.prepare(`SELECT 1 FROM rooms WHERE ${KEY}`).pluck();
    this.byConversationStmt = db.prepare("SELECT * FROM rooms WHERE conversation_id = ? LIMIT 1");
    this.upsertStmt = db.prepare(
      `INSERT INTO rooms (source, shop_id, room_id, conversation_id, buyer_id, buyer_name, buyer_avatar,
         buyer_profile_url, buyer_platform, created_at, updated_at)
       VALUES (@source, @shopId, @roomId, @conversationId, @buyerId, @buyerName, @buyerAvatar, @buyerProfileUrl,
         @buyerPlatform, @now, @now)
       ON CONFLICT (source, shop_id, room_id) DO UPDATE SET
         conversation_id   = COALESCE(excluded.conversation_id, conversation_id),
         buyer_id          = COALESCE(excluded.buyer_id, buyer_id),
         buyer_name        = COALESCE(excluded.buyer_name, buyer_name),
         buyer_avatar      = COALESCE(excluded.buyer_avatar, buyer_avatar),
         buyer_profile_url = COALESCE(excluded.buyer_profile_url, buyer_profile_url),
         buyer_platform    = COALESCE(excluded.buyer_platform, buyer_platform),
         updated_at        = excluded.updated_at`,
    );
    this.markStmt = db.prepare(
      `UPDATE rooms SET dirty = 1, dirty_at = MAX(@at, COALESCE(dirty_at, 0) + 1), updated_at = @at
       WHERE ${KEY} RETURNING dirty_at`,
    );
    this.listDirtyStmt = db.prepare("SELECT * FROM rooms WHERE dirty = 1 ORDER BY dirty_at, rowid LIMIT ?");
    this.listDirtyShopStmt = db.prepare(
      "SELECT * FROM rooms WHERE dirty = 1 AND source = ? AND shop_id = ? ORDER BY dirty_at, rowid LIMIT ?",
    );
    this.cursorStmt = db.prepare(
      `UPDATE rooms SET cursor_message_id = @messageId, cursor_time = @time, last_synced_at = @now,
         last_error = NULL, updated_at = @now,
         dirty = CASE WHEN @clearIfNotChangedSince IS NOT NULL AND dirty_at <= @clearIfNotChangedSince
                      THEN 0 ELSE dirty END
       WHERE ${KEY} RETURNING dirty`,
    );
    this.chatStmt = db.prepare(`UPDATE rooms SET amojo_chat_id = @chatId, updated_at = @now WHERE ${KEY}`);
    this.leadTagsStmt = db.prepare(`UPDATE rooms SET lead_tags_queued = 1, updated_at = @now WHERE ${KEY}`);
    this.errorStmt = db.prepare(`UPDATE rooms SET last_error = @error, updated_at = @now WHERE ${KEY}`);
  }

  getRoom(ref: RoomKey): Room | undefined {
    const row = this.getStmt.get(keyParams(ref)) as RoomRow | undefined;
    return row ? toRoom(row) : undefined;
  }

  /** The room behind a Kommo conversation id (outbound replies name the conversation, not the room). */
  getRoomByConversationId(conversationId: string): Room | undefined {
    const row = this.byConversationStmt.get(conversationId) as RoomRow | undefined;
    return row ? toRoom(row) : undefined;
  }

  /** Creates the room or refreshes its names (fields left out keep their stored value). Never touches sync state. */
  upsertRoom(room: RoomKey & RoomInit, now: number = Date.now()): Room {
    this.saveRoom(room, now);
    return this.getRoom(room)!;
  }

  /**
   * upsertRoom without reading the room back (intake's hot path). Returns whether the room was new. Two cheap
   * statements: an existence probe on the primary key, then the upsert.
   */
  saveRoom(room: RoomKey & RoomInit, now: number = Date.now()): { created: boolean } {
    const created = this.existsStmt.get(keyParams(room)) === undefined;
    this.upsertStmt.run({ ...keyParams(room), ...initParams(room), now });
    return { created };
  }

  /**
   * Marks a room as needing a sync (creating it when new). Returns the new dirty stamp.
   * Intake calls this in the same transaction as webhook de-duplication, before answering 200.
   */
  markDirty(ref: RoomKey, at: number = Date.now(), init: RoomInit = {}): number {
    const mark = () => {
      this.upsertStmt.run({ ...keyParams(ref), ...initParams(init), now: at });
      return this.markExistingDirty(ref, at)!;
    };
    return atomically(this.db, mark);
  }

  /** markDirty for a room known to exist (the caller just saved it): one UPDATE. Undefined when it does not. */
  markExistingDirty(ref: RoomKey, at: number = Date.now()): number | undefined {
    const row = this.markStmt.get({ ...keyParams(ref), at }) as { dirty_at: number } | undefined;
    return row?.dirty_at;
  }

  /** Dirty rooms, longest-waiting first; optionally of one shop. */
  listDirty(limit: number, shop?: ShopRef): Room[] {
    const rows = (
      shop ? this.listDirtyShopStmt.all(shop.source, shop.shopId, limit) : this.listDirtyStmt.all(limit)
    ) as RoomRow[];
    return rows.map(toRoom);
  }

  /**
   * Records a completed walk of the room. Call ONLY after every message up to `newest` is stored (with its job):
   * the cursor is where the next sync resumes. `newest` undefined = the walk found nothing new (cursor stays).
   * The cursor never moves back in time. The dirty flag is cleared only when the room was not marked again after
   * `clearDirtyIfNotChangedSince` (the `dirtyAt` read when the sync started). Returns whether the room is still dirty.
   */
  advanceCursor(
    ref: RoomKey,
    newest: { messageId?: string; time?: number } | undefined,
    opts: { clearDirtyIfNotChangedSince?: number; now?: number } = {},
  ): { dirty: boolean } {
    const advance = () => {
      const current = this.getRoom(ref);
      if (!current) throw new Error(`advanceCursor: unknown room ${ref.source}:${ref.shopId}:${ref.roomId}`);
      let { messageId, time } = current.cursor;
      const movesBack = newest?.time !== undefined && time !== null && newest.time < time;
      if (newest && !movesBack) {
        messageId = newest.messageId ?? messageId;
        time = newest.time ?? time;
      }
      const row = this.cursorStmt.get({
        ...keyParams(ref),
        messageId,
        time,
        now: opts.now ?? Date.now(),
        clearIfNotChangedSince: opts.clearDirtyIfNotChangedSince ?? null,
      }) as { dirty: number };
      return { dirty: row.dirty === 1 };
    };
    return atomically(this.db, advance);
  }

  setAmojoChatId(ref: RoomKey, chatId: string, now: number = Date.now()): void {
    this.chatStmt.run({ ...keyParams(ref), chatId, now });
  }

  /** Records that the job tagging the room's Kommo lead was queued; call in the transaction that queues it. */
  markLeadTagsQueued(ref: RoomKey, now: number = Date.now()): void {
    this.leadTagsStmt.run({ ...keyParams(ref), now });
  }

  /** Keeps the room dirty (a later sync retries) and shows the reason in status. */
  recordRoomError(ref: RoomKey, error: string, now: number = Date.now()): void {
    this.errorStmt.run({ ...keyParams(ref), error, now });
  }
}

function keyParams(ref: RoomKey): { source: string; shopId: string; roomId: string } {
  return { source: ref.source, shopId: ref.shopId, roomId: ref.roomId };
}

function initParams(init: RoomInit): Record<string, string | null> {
  const b = init.buyer;
  return {
    conversationId: init.conversationId ?? null,
    buyerId: b?.id ?? null,
    buyerName: b?.name ?? null,
    buyerAvatar: b?.avatarUrl ?? null,
    buyerProfileUrl: b?.profileUrl ?? null,
    buyerPlatform: b?.platform ?? null,
  };
}
