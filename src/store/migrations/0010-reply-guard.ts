import type { Migration } from "./types.js";

/**
 * The reply-time guard's state. reply_waits: one row per conversation — since when its buyer waits (the first
 * unanswered buyer message; NULL when answered), the Kommo lead, the overdue task (none / being created / open,
 * with its id) and the overdue tag (off / pending while the lead is incoming / on). reply_wait_history: one row per
 * wait (its first buyer message and its first reply) for the 7-day figures of `status`. cs_performance: the
 * platform's own Customer Service figures per shop, fetched at most once a day. Plain INTEGER/BIGINT/TEXT so the
 * same statements suit PostgreSQL.
 */
const SQL = `
CREATE TABLE reply_waits (
  source          TEXT    NOT NULL,
  shop_id         TEXT    NOT NULL,
  room_id         TEXT    NOT NULL,
  amojo_chat_id   TEXT,
  buyer_name      TEXT,
  waiting_since   BIGINT,
  last_reply_at   BIGINT,
  lead_id         BIGINT,
  task_state      TEXT    NOT NULL DEFAULT 'none',
  task_id         BIGINT,
  task_marker     TEXT,
  task_since      BIGINT,
  tag_state       TEXT    NOT NULL DEFAULT 'off',
  updated_at      BIGINT  NOT NULL,
  PRIMARY KEY (source, shop_id, room_id)
);
CREATE INDEX reply_waits_work ON reply_waits (source, shop_id, waiting_since);
CREATE TABLE reply_wait_history (
  source          TEXT    NOT NULL,
  shop_id         TEXT    NOT NULL,
  room_id         TEXT    NOT NULL,
  started_at      BIGINT  NOT NULL,
  first_reply_at  BIGINT,
  PRIMARY KEY (source, shop_id, room_id, started_at)
);
CREATE INDEX reply_wait_history_by_shop ON reply_wait_history (source, shop_id, started_at);
CREATE TABLE cs_performance (
  source      TEXT    NOT NULL,
  shop_id     TEXT    NOT NULL,
  fetched_at  BIGINT  NOT NULL,
  figures     TEXT    NOT NULL,
  PRIMARY KEY (source, shop_id)
);
`;

export const m0010ReplyGuard: Migration = {
  version: 10,
  name: "reply-guard",
  up(db) {
    db.exec(SQL);
  },
  postgres: SQL,
};
