import type { Migration } from "./types.js";

/**
 * Fewer index writes per job, for throughput. Every index a job row sits in is rewritten when the row enters
 * or leaves it, and each rewritten page goes to the WAL at commit: with six indexes a job's life (pending ->
 * running -> done) cost about fourteen index edits, and the daemon wrote about 50 KB to disk per buyer message.
 * What each dropped index did, and what answers that question now:
 * - jobs_run_after (earliest retry time): a scan of jobs_pending; only idle paths and `doctor` ask.
 * - jobs_leases (expired leases): a scan of jobs_open_by_key (every open job, thousands at most under a backlog)
 *   once per half lease, every 5 s by default.
 * - jobs_pending_kind_key ("is a sync of this room pending?"): jobs_open_by_key, whose key is the room's lane.
 * - jobs_shop (shop_key, state) held every job, done ones too, and changed at each step: replaced by an index of
 *   unfinished jobs by shop alone, which a job enters once and leaves once.
 * - webhook_fallbacks_room: the unique (source, shop_id, room_id, message_id) index serves the room's lookups.
 */
const SQL = `
DROP INDEX jobs_run_after;
DROP INDEX jobs_leases;
DROP INDEX jobs_pending_kind_key;
DROP INDEX jobs_shop;
CREATE INDEX jobs_unfinished_by_shop ON jobs (shop_key) WHERE state IN ('pending', 'running', 'dead');
DROP INDEX webhook_fallbacks_room;
`;

export const m0003FewerJobIndexes: Migration = {
  version: 3,
  name: "fewer-job-indexes",
  up(db) {
    db.exec(SQL);
  },
  postgres: SQL, // portable as written
};
