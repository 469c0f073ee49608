/**
 * Retention over PostgreSQL: the same pass, by the same rules, as the SQLite Pruner (store/retention.ts says what
 * is pruned and why that is safe). Finished history older than the retention goes, walked in id order in batches
 * of at most `batchRows` rows, each batch one DELETE statement (atomic on its own, holding its row locks briefly).
 * Pending, running and dead jobs, undelivered messages and replies, and any row an unfinished job refers to stay.
 *
 * Several replicas may run the pass at once: each DELETE re-checks its conditions on the rows it deletes, so two
 * passes only share the work. A row an unfinished job names is kept whatever the other replicas do meanwhile: jobs
 * are inserted with the row they work on, and a dead job made pending again (`retry --dead`) already held it.
 */
import { ECHO_WINDOW_MS } from "../echoes.js";
import {
  batchOf,
  CALL_COUNT_DAYS,
  DAY_MS,
  type PruneCounts,
  type PruneOptions,
  REPLY_WAIT_MIN_DAYS,
  type RetentionPass,
  ROOM_READ_PAST,
  type TableWalk,
  walkAndPrune,
} from "../prune-walk.js";
import { WEBHOOK_SEEN_RETENTION_DAYS } from "../webhook-seen.js";
import { PgReplyWaits } from "./reply-waits.js";
import type { Sql } from "./sql.js";

/**
 * No unfinished job works on the row (a dead job counts: `retry --dead` runs it again and needs its row). NOT EXISTS
 * rather than SQLite's NOT IN: PostgreSQL turns it into an anti-join over the index of unfinished jobs, where NOT IN
 * falls back to a scan per row once the unfinished ids outgrow work_mem (a large backlog).
 */
const NOT_HELD_BY_JOBS = (table: string) => `NOT EXISTS (SELECT 1 FROM jobs j
  WHERE j.ref_id = ${table}.id AND j.state IN ('pending', 'running', 'dead'))`;

type WalkName = Exclude<keyof PruneCounts, "webhooks">;

/** The tables walked, each with its creation-time column and what makes a row prunable ($3 is the cutoff). */
const WALKS: ReadonlyArray<{ name: WalkName; table: string; time: string; where: string }> = [
  { name: "jobs", table: "jobs", time: "created_at", where: "state = 'done' AND updated_at < $3" },
  {
    name: "inbound",
    table: "inbound_messages",
    time: "created_at",
    where: `state = 'delivered' AND created_at < $3
      AND ${ROOM_READ_PAST("inbound_messages", "inbound_messages.sent_at")} AND ${NOT_HELD_BY_JOBS("inbound_messages")}`,
  },
  {
    name: "outbound",
    table: "outbound_replies",
    time: "created_at",
    where: `state IN ('sent', 'failed') AND updated_at < $3 AND ${NOT_HELD_BY_JOBS("outbound_replies")}`,
  },
  {
    name: "echoes",
    table: "sent_echoes",
    time: "sent_at",
    where: `sent_at < $3 AND ${ROOM_READ_PAST("sent_echoes", `sent_echoes.sent_at + ${ECHO_WINDOW_MS}`)}`,
  },
];

/** `DELETE ... RETURNING 1` counted in the database: the number of rows deleted, as `deleted`. */
const counted = (del: string) => `WITH d AS (${del} RETURNING 1) SELECT COUNT(*) AS deleted FROM d`;

export class PgPruner implements RetentionPass {
  constructor(private readonly sql: Sql) {}

  async prune(opts: PruneOptions): Promise<PruneCounts> {
    const batch = batchOf(opts);
    const cutoff = opts.now - opts.days * DAY_MS;
    const stopped = () => opts.shouldStop?.() === true;
    const counts: PruneCounts = { jobs: 0, inbound: 0, outbound: 0, echoes: 0, webhooks: 0 };
    for (const w of WALKS)
      counts[w.name] += await walkAndPrune(this.walk(w, cutoff), { cutoff, batch, stopped });
    const seenCutoff = opts.now - WEBHOOK_SEEN_RETENTION_DAYS * DAY_MS;
    while (!stopped()) {
      const n = await this.deleted(
        `DELETE FROM webhook_seen WHERE (source, notification_id) IN
           (SELECT source, notification_id FROM webhook_seen WHERE seen_at < $1 LIMIT $2)`,
        [seenCutoff, batch],
      );
      counts.webhooks += n;
      if (n < batch) break;
    }
    if (!stopped()) {
      await this.sql.query("DELETE FROM cs_call_counts WHERE day_start < $1", [
        opts.now - CALL_COUNT_DAYS * DAY_MS,
      ]);
      // The reply-time guard's history and answered conversations with nothing left to undo (see retention.ts).
      await new PgReplyWaits(this.sql).prune(Math.min(cutoff, opts.now - REPLY_WAIT_MIN_DAYS * DAY_MS));
    }
    return counts;
  }

  private walk(w: (typeof WALKS)[number], cutoff: number): TableWalk {
    return {
      scan: (after, limit) =>
        this.sql.query<{ id: number; t: number }>(
          `SELECT id, ${w.time} AS t FROM ${w.table} WHERE id > $1 ORDER BY id LIMIT $2`,
          [after, limit],
        ),
      del: (after, upto) =>
        this.deleted(`DELETE FROM ${w.table} WHERE id > $1 AND id <= $2 AND ${w.where}`, [
          after,
          upto,
          cutoff,
        ]),
    };
  }

  private async deleted(del: string, params: unknown[]): Promise<number> {
    const [row] = await this.sql.query<{ deleted: number }>(counted(del), params);
    return Number(row?.deleted ?? 0);
  }
}
