/**
 * What both retention passes share (the SQLite Pruner in retention.ts and the PostgreSQL one in
 * postgres/retention.ts): the pass's options and counts, the ages that do not depend on the retention, and the
 * batched walk over a table in id order. No database driver here.
 */
import { setImmediate as nextTurn } from "node:timers/promises";

export const DAY_MS = 86_400_000;
/** Rows deleted per transaction at most: each batch holds its locks for a few milliseconds only. */
export const PRUNE_BATCH_ROWS = 200;
/** Days of TikTok Shop call counts kept: only today's (and yesterday's sweep size) are read. */
export const CALL_COUNT_DAYS = 8;
/** The reply-time guard's history is never pruned younger than this (its figures span 7 days). */
export const REPLY_WAIT_MIN_DAYS = 8;
/**
 * A walk in id order stops at the first row created this long after the cutoff. Ids grow with creation time, so
 * every later row is newer still; the slack absorbs small clock steps between writers.
 */
const WALK_SLACK_MS = 3_600_000;

/** Rows deleted by one pass, per table. */
export interface PruneCounts {
  jobs: number;
  inbound: number;
  outbound: number;
  echoes: number;
  webhooks: number;
}

export interface PruneOptions {
  now: number;
  days: number;
  batchRows?: number;
  /** Asked between batches (the daemon is stopping): true ends the pass early. */
  shouldStop?: () => boolean;
}

/** One retention pass over a backend's state: what the daemon's retention timer runs. */
export interface RetentionPass {
  /** Deletes what has aged out (see retention.ts); throws what the database throws, keeping what it deleted. */
  prune(opts: PruneOptions): Promise<PruneCounts>;
}

/** SQL (both dialects): the room's cursor is past `time`, so no sync of the room reads a message from then again. */
export const ROOM_READ_PAST = (table: string, time: string) => `EXISTS (SELECT 1 FROM rooms r
  WHERE r.source = ${table}.source AND r.shop_id = ${table}.shop_id AND r.room_id = ${table}.room_id
    AND r.cursor_time > ${time})`;

export interface TableWalk {
  /** Up to `limit` rows with id > `after`, in id order, each with its creation time `t`. */
  scan(
    after: number,
    limit: number,
  ): Promise<Array<{ id: number; t: number }>> | Array<{ id: number; t: number }>;
  /** Deletes the rows with after < id <= upto that may go (older than the cutoff and needed by nothing); returns how many. */
  del(after: number, upto: number): Promise<number> | number;
}

/**
 * Walks one table in id order, `batch` rows at a time, deleting each batch's prunable rows in one call and yielding
 * to the event loop between batches; ends at the first row created well after `cutoff` or when `stopped()`.
 * Returns the rows deleted.
 */
export async function walkAndPrune(
  w: TableWalk,
  o: { cutoff: number; batch: number; stopped: () => boolean },
): Promise<number> {
  let deleted = 0;
  let after = 0;
  while (!o.stopped()) {
    const rows = await w.scan(after, o.batch);
    let upto = after;
    let end = rows.length < o.batch;
    for (const r of rows) {
      if (r.t >= o.cutoff + WALK_SLACK_MS) {
        end = true;
        break;
      }
      upto = r.id;
    }
    if (upto > after) {
      deleted += await w.del(after, upto);
      after = upto;
    }
    if (end) break;
    await nextTurn();
  }
  return deleted;
}

/** The batch size a pass uses: `batchRows` (at least 1) or PRUNE_BATCH_ROWS. */
export const batchOf = (opts: PruneOptions): number =>
  Math.max(1, Math.floor(opts.batchRows ?? PRUNE_BATCH_ROWS));
