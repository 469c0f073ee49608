import { createHash } from "node:crypto";
import type { Database, Statement } from "better-sqlite3";
import { atomically } from "./atomic.js";
import type { RoomKey } from "./keys.js";

/** How far apart (ms) our send time and the platform's message time may be for a text-hash match. */
export const ECHO_WINDOW_MS = 10 * 60_000;

/** Hash of a message text for echo matching: trimmed, whitespace runs collapsed (platforms re-space text). */
export function echoTextHash(text: string): string {
  return createHash("sha256").update(text.trim().replace(/\s+/g, " "), "utf8").digest("hex");
}

/**
 * Echo suppression (docs/architecture.md, Outbound). When the bridge posts a reply to a marketplace room, the next
 * sync of that room reads it back as a shop message; it must not be imported into Kommo a second time.
 *  - When the platform returned the new message's id, we remember the id: exact match.
 *  - When it did not (Tokopedia's reply endpoint may not), we remember a hash of the text and the send time. The
 *    first synced shop message with that text within ECHO_WINDOW_MS CLAIMS the row (the row takes its id), so
 *    two identical replies match two messages, and a re-run of the same sync (after a crash) still recognises the
 *    message by id.
 */
export class EchoesRepo {
  private readonly insertStmt: Statement;
  private readonly byIdStmt: Statement;
  private readonly byHashStmt: Statement;
  private readonly claimStmt: Statement;
  private readonly pruneStmt: Statement<[number]>;

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO sent_echoes (source, shop_id, room_id, platform_message_id, text_hash, sent_at)
       VALUES (@source, @shopId, @roomId, @messageId, @hash, @sentAt)
       ON CONFLICT DO NOTHING`,
    );
    this.byIdStmt = db.prepare(
      `SELECT 1 FROM sent_echoes
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId AND platform_message_id = @messageId`,
    );
    this.byHashStmt = db.prepare(
      `SELECT id FROM sent_echoes
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId AND text_hash = @hash
         AND platform_message_id IS NULL AND sent_at BETWEEN @from AND @to
       ORDER BY ABS(sent_at - @sentAt), id LIMIT 1`,
    );
    this.claimStmt = db.prepare("UPDATE sent_echoes SET platform_message_id = @messageId WHERE id = @id");
    this.pruneStmt = db.prepare("DELETE FROM sent_echoes WHERE sent_at < ?");
  }

  /** Remembers a message the bridge posted. Call in the transaction that marks the reply sent. */
  rememberSent(
    room: RoomKey,
    sent: { platformMessageIds: readonly string[]; text?: string; sentAt: number },
  ): void {
    const hash = sent.text === undefined ? null : echoTextHash(sent.text);
    const base = { source: room.source, shopId: room.shopId, roomId: room.roomId, hash, sentAt: sent.sentAt };
    atomically(this.db, () => {
      if (sent.platformMessageIds.length === 0) this.insertStmt.run({ ...base, messageId: null });
      for (const messageId of sent.platformMessageIds) this.insertStmt.run({ ...base, messageId });
    });
  }

  /**
   * True when a shop message read from the room is one the bridge posted: by id, else (when `text` is given) by
   * text hash within `windowMs` of `sentAt` — which claims the remembered row for this id (see above).
   */
  isEcho(
    room: RoomKey,
    platformMessageId: string,
    text: string | undefined,
    sentAt: number,
    windowMs: number = ECHO_WINDOW_MS,
  ): boolean {
    const key = { source: room.source, shopId: room.shopId, roomId: room.roomId };
    return atomically(this.db, () => {
      if (this.byIdStmt.get({ ...key, messageId: platformMessageId })) return true;
      if (text === undefined) return false;
      const row = this.byHashStmt.get({
        ...key,
        hash: echoTextHash(text),
        sentAt,
        from: sentAt - windowMs,
        to: sentAt + windowMs,
      }) as { id: number } | undefined;
      if (!row) return false;
      this.claimStmt.run({ id: row.id, messageId: platformMessageId });
      return true;
    });
  }

  /** Forgets echoes older than `olderThan` (ms): a sync never reads that far back past its cursor. */
  prune(olderThan: number): number {
    return this.pruneStmt.run(olderThan).changes;
  }
}
