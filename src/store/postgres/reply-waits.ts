/**
 * The reply-time guard's state over PostgreSQL (tables of migration 10): the ReplyGuardStore port of
 * bridge/reply-guard-store.ts with the same rules, statement for statement, as the SQLite repository
 * (store/reply-waits.ts). Each method is atomic on its own; the two that read before they write (buyerWrote,
 * replied) run in one transaction and lock the conversation's row first, so replicas taking in a buyer message
 * and a reply of the same conversation at once still start and end its wait once.
 */
import type {
  ConversationRef,
  GuardTagState,
  ReplyGuardStore,
  ReplyWait,
  WaitEpisode,
} from "../../bridge/reply-guard-store.js";
import type { SourceKind } from "../../domain/index.js";
import { type EpisodeRow, toCsPerformance, toEpisode, toWait, type WaitRow } from "../reply-waits.js";
import type { Sql } from "./sql.js";

const COLUMNS = `source, shop_id AS "shopId", room_id AS "roomId", amojo_chat_id AS "amojoChatId",
  buyer_name AS "buyerName", waiting_since AS "waitingSince", last_reply_at AS "lastReplyAt", lead_id AS "leadId",
  task_state AS "taskState", task_id AS "taskId", task_marker AS "taskMarker", task_since AS "taskSince",
  tag_state AS "tagState"`;
/** The conversation's key: always $1, $2, $3. */
const KEY = "source = $1 AND shop_id = $2 AND room_id = $3";
const key = (ref: ConversationRef) => [ref.source, ref.shopId, ref.roomId];

export class PgReplyWaits implements ReplyGuardStore {
  constructor(private readonly sql: Sql) {}

  buyerWrote(
    ref: ConversationRef,
    m: { at: number; amojoChatId?: string; buyerName?: string },
    now: number,
  ): Promise<boolean> {
    const k = key(ref);
    return this.sql.atomic(async (sql) => {
      await sql.query(
        `INSERT INTO reply_waits (source, shop_id, room_id, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source, shop_id, room_id) DO NOTHING`,
        [...k, now],
      );
      // The first write locks the row: a concurrent reply of the same conversation waits for this transaction.
      await sql.query(
        `UPDATE reply_waits SET amojo_chat_id = COALESCE($4, amojo_chat_id), buyer_name = COALESCE($5, buyer_name),
           updated_at = $6 WHERE ${KEY}`,
        [...k, m.amojoChatId ?? null, m.buyerName ?? null, now],
      );
      const started = await sql.query(
        `UPDATE reply_waits SET waiting_since = $4, updated_at = $5
         WHERE ${KEY} AND waiting_since IS NULL AND (last_reply_at IS NULL OR last_reply_at < $4) RETURNING 1`,
        [...k, m.at, now],
      );
      if (started.length === 0) return false;
      await sql.query(
        `INSERT INTO reply_wait_history (source, shop_id, room_id, started_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source, shop_id, room_id, started_at) DO NOTHING`,
        [...k, m.at],
      );
      return true;
    });
  }

  replied(ref: ConversationRef, at: number, now: number): Promise<boolean> {
    const k = key(ref);
    return this.sql.atomic(async (sql) => {
      const [row] = await sql.query<{ waitingSince: number | null }>(
        `SELECT waiting_since AS "waitingSince" FROM reply_waits WHERE ${KEY} FOR UPDATE`,
        k,
      );
      if (!row) return false;
      const ends = row.waitingSince !== null && row.waitingSince <= at;
      if (ends)
        await sql.query(
          `UPDATE reply_wait_history SET first_reply_at = $4
           WHERE ${KEY} AND started_at = $5 AND first_reply_at IS NULL`,
          [...k, at, row.waitingSince],
        );
      if (ends || row.waitingSince === null)
        await sql.query(
          `UPDATE reply_waits SET waiting_since = NULL, last_reply_at = GREATEST(last_reply_at, $4::bigint),
             updated_at = $5 WHERE ${KEY}`,
          [...k, at, now],
        );
      return ends;
    });
  }

  async get(ref: ConversationRef): Promise<ReplyWait | undefined> {
    const [row] = await this.sql.query<WaitRow>(`SELECT ${COLUMNS} FROM reply_waits WHERE ${KEY}`, key(ref));
    return row ? toWait(row) : undefined;
  }

  async needingWork(
    waitingSinceAtMost: number,
    limit: number,
    shop: { source: SourceKind; shopId: string },
  ): Promise<ReplyWait[]> {
    const rows = await this.sql.query<WaitRow>(
      `SELECT ${COLUMNS} FROM reply_waits
       WHERE source = $1 AND shop_id = $2
         AND ((waiting_since IS NOT NULL AND waiting_since <= $3 AND (task_state <> 'open' OR tag_state <> 'on'))
           OR (waiting_since IS NULL AND (task_state <> 'none' OR tag_state <> 'off')))
       ORDER BY COALESCE(waiting_since, 0) LIMIT $4`,
      [shop.source, shop.shopId, waitingSinceAtMost, limit],
    );
    return rows.map(toWait);
  }

  async setLead(ref: ConversationRef, leadId: number, now: number): Promise<void> {
    await this.sql.query(`UPDATE reply_waits SET lead_id = $4, updated_at = $5 WHERE ${KEY}`, [
      ...key(ref),
      leadId,
      now,
    ]);
  }

  async taskCreating(ref: ConversationRef, marker: string, now: number): Promise<void> {
    await this.sql.query(
      `UPDATE reply_waits SET task_state = 'creating', task_marker = $4, task_since = $5, updated_at = $5
       WHERE ${KEY}`,
      [...key(ref), marker, now],
    );
  }

  async taskOpened(ref: ConversationRef, taskId: number, now: number): Promise<void> {
    await this.sql.query(
      `UPDATE reply_waits SET task_state = 'open', task_id = $4, task_since = $5, updated_at = $5 WHERE ${KEY}`,
      [...key(ref), taskId, now],
    );
  }

  async taskClosed(ref: ConversationRef, now: number): Promise<void> {
    await this.sql.query(
      `UPDATE reply_waits SET task_state = 'none', task_id = NULL, task_marker = NULL, task_since = NULL,
         updated_at = $4 WHERE ${KEY}`,
      [...key(ref), now],
    );
  }

  async setTag(ref: ConversationRef, state: GuardTagState, now: number): Promise<void> {
    await this.sql.query(`UPDATE reply_waits SET tag_state = $4, updated_at = $5 WHERE ${KEY}`, [
      ...key(ref),
      state,
      now,
    ]);
  }

  async waitingNow(source: SourceKind, shopId: string): Promise<{ count: number; oldestSince?: number }> {
    const [r] = await this.sql.query<{ count: number; oldest: number | null }>(
      `SELECT COUNT(*) AS count, MIN(waiting_since) AS oldest FROM reply_waits
       WHERE source = $1 AND shop_id = $2 AND waiting_since IS NOT NULL`,
      [source, shopId],
    );
    const oldest = r?.oldest ?? null;
    return { count: Number(r?.count ?? 0), ...(oldest !== null ? { oldestSince: oldest } : {}) };
  }

  async history(source: SourceKind, shopId: string, since: number): Promise<WaitEpisode[]> {
    const rows = await this.sql.query<EpisodeRow>(
      `SELECT room_id AS "roomId", started_at AS "startedAt", first_reply_at AS "firstReplyAt"
       FROM reply_wait_history WHERE source = $1 AND shop_id = $2 AND started_at >= $3 ORDER BY started_at`,
      [source, shopId, since],
    );
    return rows.map(toEpisode);
  }

  async csPerformance(
    source: SourceKind,
    shopId: string,
  ): Promise<{ fetchedAt: number; figures: Record<string, unknown> } | undefined> {
    const [r] = await this.sql.query<{ fetchedAt: number; figures: string }>(
      `SELECT fetched_at AS "fetchedAt", figures FROM cs_performance WHERE source = $1 AND shop_id = $2`,
      [source, shopId],
    );
    return toCsPerformance(r);
  }

  async saveCsPerformance(
    source: SourceKind,
    shopId: string,
    fetchedAt: number,
    figures: Record<string, unknown>,
  ): Promise<void> {
    await this.sql.query(
      `INSERT INTO cs_performance (source, shop_id, fetched_at, figures) VALUES ($1, $2, $3, $4)
       ON CONFLICT (source, shop_id) DO UPDATE SET fetched_at = excluded.fetched_at, figures = excluded.figures`,
      [source, shopId, fetchedAt, JSON.stringify(figures)],
    );
  }

  /** Deletes waits begun before `before` and idle conversations last touched before it; returns the rows. */
  prune(before: number): Promise<number> {
    return this.sql.atomic(async (sql) => {
      const [history] = await sql.query<{ n: number }>(
        "WITH d AS (DELETE FROM reply_wait_history WHERE started_at < $1 RETURNING 1) SELECT COUNT(*) AS n FROM d",
        [before],
      );
      const [idle] = await sql.query<{ n: number }>(
        `WITH d AS (DELETE FROM reply_waits WHERE waiting_since IS NULL AND task_state = 'none' AND tag_state = 'off'
           AND updated_at < $1 RETURNING 1) SELECT COUNT(*) AS n FROM d`,
        [before],
      );
      return Number(history?.n ?? 0) + Number(idle?.n ?? 0);
    });
  }
}
