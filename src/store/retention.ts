import { setImmediate as nextTurn } from "node:timers/promises";
import type { Statement } from "better-sqlite3";
import { ECHO_WINDOW_MS } from "./echoes.js";
import {
  batchOf,
  CALL_COUNT_DAYS,
  DAY_MS,
  type PruneCounts,
  type PruneOptions,
  REPLY_WAIT_MIN_DAYS,
  type RetentionPass,
  ROOM_READ_PAST,
  walkAndPrune,
} from "./prune-walk.js";
import type { Store } from "./store.js";
import { WEBHOOK_SEEN_RETENTION_DAYS } from "./webhook-seen.js";

export { PRUNE_BATCH_ROWS, type PruneCounts, type PruneOptions, type RetentionPass } from "./prune-walk.js";

/** Days of finished history kept by default (config `retention.days`). */
export const DEFAULT_RETENTION_DAYS = 30;
/** The daemon prunes this often, and once PRUNE_FIRST_DELAY_MS after it starts (after its start-up sweep). */
export const PRUNE_INTERVAL_MS = 3_600_000;
export const PRUNE_FIRST_DELAY_MS = 60_000;

/** Ids of rows an unfinished job works on (a dead job too: `retry --dead` runs it again and needs its row). */
const HELD_BY_JOBS = `SELECT ref_id FROM jobs INDEXED BY jobs_unfinished_by_shop
  WHERE state IN ('pending', 'running', 'dead') AND ref_id IS NOT NULL`;

/**
 * WHAT IS PRUNED, AND WHY IT IS SAFE. The state file keeps finished history that only served to do the work once;
 * without pruning it grows by about a kilobyte per message forever. A row goes once it is older than the retention
 * (default 30 days) AND nothing can still need it:
 * - jobs: done ones, by their last update. Pending, running and dead jobs are never pruned (dead ones wait for
 *   the operator's `retry --dead`).
 * - inbound_messages (the marketplace message -> Kommo record, and the key that stops a re-read message from
 *   being imported twice): delivered ones, no unfinished job on them, and only once their room's sync cursor has
 *   moved past the message, so no later walk of the room reads it again (a room's walk starts at its cursor).
 *   Undelivered (pending, dead) messages stay, and so does a quiet room's latest message (the cursor is on it,
 *   not past it): one row per room at most.
 * - outbound_replies (the Kommo reply -> marketplace record, keyed by Kommo's message id against a redelivered
 *   webhook): sent or failed ones with no unfinished job. Kommo does not redeliver its webhooks, let alone after
 *   days, so the key is not needed that long.
 * - sent_echoes (what the bridge itself posted, so a sync does not import it back): once the room's cursor is past
 *   the send time plus the echo-matching window, no sync can meet that message again.
 * - webhook_seen (ids of platform notifications, against redelivery): after WEBHOOK_SEEN_RETENTION_DAYS (7),
 *   whatever the retention: the platforms retry a notification for hours, not days, and the ids serve nothing else.
 * - cs_call_counts (TikTok Shop calls per shop and quota day): days that started more than CALL_COUNT_DAYS (8) ago;
 *   only today's (and yesterday's sweep size) are read.
 * - reply_wait_history and idle reply_waits (the reply-time guard): waits begun, and answered conversations last
 *   touched, before the retention (never within 8 days: `status` shows 7).
 * Not pruned: rooms (cursors, buyers, chat ids), tokens, shop status, webhook fallbacks (the only copy of a message
 * a webhook carried until its room is read).
 *
 * HOW. Off the hot path: each table is walked in id order in batches of at most PRUNE_BATCH_ROWS rows, each batch
 * deleted in its own short transaction, yielding to the event loop between batches, so webhooks and jobs wait at
 * most one small batch. A walk ends at the first row created well after the cutoff, so a pass reads only the old
 * rows (plus those it must keep), not the whole table. (Should the clock step back, rows written meanwhile may
 * wait behind newer ones until those age out too: pruned late, never wrongly.) Freed pages are reused by new rows: the file stops growing
 * at its steady-state size (it does not shrink; `VACUUM` offline does that).
 */
export class Pruner implements RetentionPass {
  private readonly walks: Array<{
    name: Exclude<keyof PruneCounts, "webhooks">;
    scan: Statement<[number, number]>;
    del: Statement;
  }>;
  private readonly webhooksStmt: Statement<[number, number]>;

  constructor(private readonly store: Store) {
    const db = store.db;
    const walk = (
      name: Exclude<keyof PruneCounts, "webhooks">,
      table: string,
      time: string,
      where: string,
    ) => ({
      name,
      scan: db.prepare(`SELECT id, ${time} AS t FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`) as Statement<
        [number, number]
      >,
      del: db.prepare(`DELETE FROM ${table} WHERE id > @after AND id <= @upto AND ${where}`),
    });
    this.walks = [
      walk("jobs", "jobs", "created_at", "state = 'done' AND updated_at < @cutoff"),
      walk(
        "inbound",
        "inbound_messages",
        "created_at",
        `state = 'delivered' AND created_at < @cutoff AND ${ROOM_READ_PAST("inbound_messages", "inbound_messages.sent_at")}
         AND id NOT IN (${HELD_BY_JOBS})`,
      ),
      walk(
        "outbound",
        "outbound_replies",
        "created_at",
        `state IN ('sent', 'failed') AND updated_at < @cutoff AND id NOT IN (${HELD_BY_JOBS})`,
      ),
      walk(
        "echoes",
        "sent_echoes",
        "sent_at",
        `sent_at < @cutoff AND ${ROOM_READ_PAST("sent_echoes", `sent_echoes.sent_at + ${ECHO_WINDOW_MS}`)}`,
      ),
    ];
    this.webhooksStmt = db.prepare(
      "DELETE FROM webhook_seen WHERE rowid IN (SELECT rowid FROM webhook_seen WHERE seen_at < ? LIMIT ?)",
    );
  }

  /**
   * One pass over every table (see the class comment). `shouldStop` is asked between batches (daemon stopping).
   * Throws what the database throws (busy past its timeout, disk full); rows already deleted stay deleted.
   */
  async prune(opts: PruneOptions): Promise<PruneCounts> {
    const batch = batchOf(opts);
    const cutoff = opts.now - opts.days * DAY_MS;
    const stopped = () => opts.shouldStop?.() === true || !this.store.db.open;
    const counts: PruneCounts = { jobs: 0, inbound: 0, outbound: 0, echoes: 0, webhooks: 0 };
    for (const w of this.walks) {
      counts[w.name] += await walkAndPrune(
        {
          scan: (after, limit) => w.scan.all(after, limit) as Array<{ id: number; t: number }>,
          del: (after, upto) => this.store.transaction(() => w.del.run({ after, upto, cutoff }).changes),
        },
        { cutoff, batch, stopped },
      );
    }
    const seenCutoff = opts.now - WEBHOOK_SEEN_RETENTION_DAYS * DAY_MS;
    while (!stopped()) {
      const n = this.store.transaction(() => this.webhooksStmt.run(seenCutoff, batch).changes);
      counts.webhooks += n;
      if (n < batch) break;
      await nextTurn();
    }
    if (!stopped()) {
      const before = opts.now - CALL_COUNT_DAYS * DAY_MS;
      this.store.transaction(() => this.store.callCounts.prune(before));
      // The reply-time guard's history (its figures span 7 days) and answered conversations with nothing left to
      // undo, once older than the retention; a waiting conversation, an open task or a tag on a lead stays.
      await this.store.replyWaits.prune(Math.min(cutoff, opts.now - REPLY_WAIT_MIN_DAYS * DAY_MS));
    }
    return counts;
  }
}

export interface RetentionTimerOptions {
  days: number;
  now?: () => number;
  intervalMs?: number;
  firstDelayMs?: number;
  batchRows?: number;
  /** After each pass that deleted something. Must not throw. */
  onPruned?: (counts: PruneCounts) => void;
  /** A pass failed (busy, disk full); the next one runs at the next interval. Must not throw. */
  onError?: (err: unknown) => void;
}

export interface RetentionTimer {
  /** Runs a pass now (tests, or the timer). Passes never overlap: a second call waits for the running one. */
  runNow(): Promise<PruneCounts | undefined>;
  /** Stops the timer and waits for a running pass to end (it stops between batches). */
  stop(): Promise<void>;
}

/**
 * The daemon's pruning: once soon after start, then every interval (unref'd: it never keeps the process up). Takes
 * the SQLite store (pruned by a Pruner) or any backend's RetentionPass (the PostgreSQL one: postgres/retention.ts).
 */
export function startRetention(state: Store | RetentionPass, o: RetentionTimerOptions): RetentionTimer {
  const pruner = isRetentionPass(state) ? state : new Pruner(state);
  const now = o.now ?? Date.now;
  let stopped = false;
  let running: Promise<PruneCounts | undefined> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const pass = async (): Promise<PruneCounts | undefined> => {
    try {
      const counts = await pruner.prune({
        now: now(),
        days: o.days,
        ...(o.batchRows !== undefined ? { batchRows: o.batchRows } : {}),
        shouldStop: () => stopped,
      });
      if (Object.values(counts).some((n) => n > 0)) o.onPruned?.(counts);
      return counts;
    } catch (err) {
      if (!stopped) o.onError?.(err);
      return undefined;
    }
  };
  const runNow = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().then(() => schedule(o.intervalMs ?? PRUNE_INTERVAL_MS));
    }, ms);
    timer.unref();
  };
  schedule(o.firstDelayMs ?? PRUNE_FIRST_DELAY_MS);
  return {
    runNow,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

function isRetentionPass(x: Store | RetentionPass): x is RetentionPass {
  return typeof (x as Partial<RetentionPass>).prune === "function";
}
