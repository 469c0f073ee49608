/**
 * The reply-time guard's state over SQLite (tables of migration 10): the asynchronous ReplyGuardStore port of
 * bridge/reply-guard-store.ts. better-sqlite3 is synchronous; each method does its work in one transaction and
 * returns a settled promise, so callers are written for a database that answers later (PostgreSQL). The statements
 * keep to SQL both engines run (no two-argument MAX, ON CONFLICT upserts).
 */
import type { Database, Statement } from "better-sqlite3";
import type {
  ConversationRef,
  GuardTagState,
  ReplyGuardStore,
  ReplyWait,
  WaitEpisode,
} from "../bridge/reply-guard-store.js";
import type { SourceKind } from "../domain/index.js";

/** A reply_waits row as both backends select it (COLUMNS aliases). */
export interface WaitRow {
  source: SourceKind;
  shopId: string;
  roomId: string;
  amojoChatId: string | null;
  buyerName: string | null;
  waitingSince: number | null;
  lastReplyAt: number | null;
  leadId: number | null;
  taskState: ReplyWait["taskState"];
  taskId: number | null;
  taskMarker: string | null;
  taskSince: number | null;
  tagState: GuardTagState;
}

const COLUMNS = `source, shop_id AS shopId, room_id AS roomId, amojo_chat_id AS amojoChatId, buyer_name AS buyerName,
  waiting_since AS waitingSince, last_reply_at AS lastReplyAt, lead_id AS leadId, task_state AS taskState,
  task_id AS taskId, task_marker AS taskMarker, task_since AS taskSince, tag_state AS tagState`;
const KEY = "source = @source AND shop_id = @shopId AND room_id = @roomId";

/** The row as the guard sees it (absent for NULL). Shared with the PostgreSQL store. */
export function toWait(r: WaitRow): ReplyWait {
  const out: ReplyWait = {
    source: r.source,
    shopId: r.shopId,
    roomId: r.roomId,
    taskState: r.taskState,
    tagState: r.tagState,
  };
  if (r.amojoChatId !== null) out.amojoChatId = r.amojoChatId;
  if (r.buyerName !== null) out.buyerName = r.buyerName;
  if (r.waitingSince !== null) out.waitingSince = r.waitingSince;
  if (r.lastReplyAt !== null) out.lastReplyAt = r.lastReplyAt;
  if (r.leadId !== null) out.leadId = r.leadId;
  if (r.taskId !== null) out.taskId = r.taskId;
  if (r.taskMarker !== null) out.taskMarker = r.taskMarker;
  if (r.taskSince !== null) out.taskSince = r.taskSince;
  return out;
}

/** A reply_wait_history row as both backends select it. */
export interface EpisodeRow {
  roomId: string;
  startedAt: number;
  firstReplyAt: number | null;
}

/** The episode as the guard sees it (no first reply yet: absent). Shared with the PostgreSQL store. */
export function toEpisode(r: EpisodeRow): WaitEpisode {
  return {
    roomId: r.roomId,
    startedAt: r.startedAt,
    ...(r.firstReplyAt !== null ? { firstReplyAt: r.firstReplyAt } : {}),
  };
}

/** The stored customer-service figures of a shop (a cs_performance row), the figures parsed. */
export function toCsPerformance(
  r: { fetchedAt: number; figures: string } | undefined,
): { fetchedAt: number; figures: Record<string, unknown> } | undefined {
  return r
    ? { fetchedAt: r.fetchedAt, figures: JSON.parse(r.figures) as Record<string, unknown> }
    : undefined;
}

const key = (ref: ConversationRef) => ({ source: ref.source, shopId: ref.shopId, roomId: ref.roomId });

export class ReplyWaitsRepo implements ReplyGuardStore {
  private readonly s: Record<string, Statement>;

  constructor(private readonly db: Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      get: p(`SELECT ${COLUMNS} FROM reply_waits WHERE ${KEY}`),
      ensure:
        p(`INSERT INTO reply_waits (source, shop_id, room_id, updated_at) VALUES (@source, @shopId, @roomId, @now)
        ON CONFLICT (source, shop_id, room_id) DO NOTHING`),
      who: p(`UPDATE reply_waits SET amojo_chat_id = COALESCE(@amojoChatId, amojo_chat_id),
        buyer_name = COALESCE(@buyerName, buyer_name), updated_at = @now WHERE ${KEY}`),
      start: p(`UPDATE reply_waits SET waiting_since = @at, updated_at = @now
        WHERE ${KEY} AND waiting_since IS NULL AND (last_reply_at IS NULL OR last_reply_at < @at)`),
      episode:
        p(`INSERT INTO reply_wait_history (source, shop_id, room_id, started_at) VALUES (@source, @shopId, @roomId, @at)
        ON CONFLICT (source, shop_id, room_id, started_at) DO NOTHING`),
      firstReply: p(`UPDATE reply_wait_history SET first_reply_at = @at
        WHERE ${KEY} AND started_at = @startedAt AND first_reply_at IS NULL`),
      end: p(`UPDATE reply_waits SET waiting_since = NULL, last_reply_at = CASE WHEN last_reply_at IS NULL OR last_reply_at < @at THEN @at ELSE last_reply_at END,
        updated_at = @now WHERE ${KEY}`),
      work: p(`SELECT ${COLUMNS} FROM reply_waits
        WHERE source = @source AND shop_id = @shopId
          AND ((waiting_since IS NOT NULL AND waiting_since <= @before AND (task_state <> 'open' OR tag_state <> 'on'))
            OR (waiting_since IS NULL AND (task_state <> 'none' OR tag_state <> 'off')))
        ORDER BY COALESCE(waiting_since, 0) LIMIT @limit`),
      lead: p(`UPDATE reply_waits SET lead_id = @leadId, updated_at = @now WHERE ${KEY}`),
      creating: p(`UPDATE reply_waits SET task_state = 'creating', task_marker = @marker, task_since = @now,
        updated_at = @now WHERE ${KEY}`),
      opened:
        p(`UPDATE reply_waits SET task_state = 'open', task_id = @taskId, task_since = @now, updated_at = @now
        WHERE ${KEY}`),
      closed:
        p(`UPDATE reply_waits SET task_state = 'none', task_id = NULL, task_marker = NULL, task_since = NULL,
        updated_at = @now WHERE ${KEY}`),
      tag: p(`UPDATE reply_waits SET tag_state = @state, updated_at = @now WHERE ${KEY}`),
      waiting: p(`SELECT COUNT(*) AS count, MIN(waiting_since) AS oldest FROM reply_waits
        WHERE source = @source AND shop_id = @shopId AND waiting_since IS NOT NULL`),
      history: p(`SELECT room_id AS roomId, started_at AS startedAt, first_reply_at AS firstReplyAt
        FROM reply_wait_history WHERE source = @source AND shop_id = @shopId AND started_at >= @since
        ORDER BY started_at`),
      perf: p(
        `SELECT fetched_at AS fetchedAt, figures FROM cs_performance WHERE source = @source AND shop_id = @shopId`,
      ),
      savePerf:
        p(`INSERT INTO cs_performance (source, shop_id, fetched_at, figures) VALUES (@source, @shopId, @at, @figures)
        ON CONFLICT (source, shop_id) DO UPDATE SET fetched_at = excluded.fetched_at, figures = excluded.figures`),
      pruneHistory: p("DELETE FROM reply_wait_history WHERE started_at < @before"),
      pruneIdle:
        p(`DELETE FROM reply_waits WHERE waiting_since IS NULL AND task_state = 'none' AND tag_state = 'off'
        AND updated_at < @before`),
    };
  }

  async buyerWrote(
    ref: ConversationRef,
    m: { at: number; amojoChatId?: string; buyerName?: string },
    now: number,
  ): Promise<boolean> {
    const k = key(ref);
    return this.db.transaction(() => {
      this.s.ensure!.run({ ...k, now });
      this.s.who!.run({ ...k, amojoChatId: m.amojoChatId ?? null, buyerName: m.buyerName ?? null, now });
      if (this.s.start!.run({ ...k, at: m.at, now }).changes === 0) return false;
      this.s.episode!.run({ ...k, at: m.at });
      return true;
    })();
  }

  async replied(ref: ConversationRef, at: number, now: number): Promise<boolean> {
    const k = key(ref);
    return this.db.transaction(() => {
      const row = this.s.get!.get(k) as WaitRow | undefined;
      if (!row) return false;
      const ends = row.waitingSince !== null && row.waitingSince <= at;
      if (ends) this.s.firstReply!.run({ ...k, at, startedAt: row.waitingSince });
      if (ends || row.waitingSince === null) this.s.end!.run({ ...k, at, now });
      return ends;
    })();
  }

  async get(ref: ConversationRef): Promise<ReplyWait | undefined> {
    const row = this.s.get!.get(key(ref)) as WaitRow | undefined;
    return row ? toWait(row) : undefined;
  }

  async needingWork(
    waitingSinceAtMost: number,
    limit: number,
    shop: { source: SourceKind; shopId: string },
  ): Promise<ReplyWait[]> {
    const params = { before: waitingSinceAtMost, limit, source: shop.source, shopId: shop.shopId };
    return (this.s.work!.all(params) as WaitRow[]).map(toWait);
  }

  async setLead(ref: ConversationRef, leadId: number, now: number): Promise<void> {
    this.s.lead!.run({ ...key(ref), leadId, now });
  }

  async taskCreating(ref: ConversationRef, marker: string, now: number): Promise<void> {
    this.s.creating!.run({ ...key(ref), marker, now });
  }

  async taskOpened(ref: ConversationRef, taskId: number, now: number): Promise<void> {
    this.s.opened!.run({ ...key(ref), taskId, now });
  }

  async taskClosed(ref: ConversationRef, now: number): Promise<void> {
    this.s.closed!.run({ ...key(ref), now });
  }

  async setTag(ref: ConversationRef, state: GuardTagState, now: number): Promise<void> {
    this.s.tag!.run({ ...key(ref), state, now });
  }

  async waitingNow(source: SourceKind, shopId: string): Promise<{ count: number; oldestSince?: number }> {
    const r = this.s.waiting!.get({ source, shopId }) as { count: number; oldest: number | null };
    return { count: r.count, ...(r.oldest !== null ? { oldestSince: r.oldest } : {}) };
  }

  async history(source: SourceKind, shopId: string, since: number): Promise<WaitEpisode[]> {
    return (this.s.history!.all({ source, shopId, since }) as EpisodeRow[]).map(toEpisode);
  }

  async csPerformance(
    source: SourceKind,
    shopId: string,
  ): Promise<{ fetchedAt: number; figures: Record<string, unknown> } | undefined> {
    return toCsPerformance(
      this.s.perf!.get({ source, shopId }) as { fetchedAt: number; figures: string } | undefined,
    );
  }

  async saveCsPerformance(
    source: SourceKind,
    shopId: string,
    fetchedAt: number,
    figures: Record<string, unknown>,
  ): Promise<void> {
    this.s.savePerf!.run({ source, shopId, at: fetchedAt, figures: JSON.stringify(figures) });
  }

  async prune(before: number): Promise<number> {
    return this.db.transaction(
      () => this.s.pruneHistory!.run({ before }).changes + this.s.pruneIdle!.run({ before }).changes,
    )();
  }
}
