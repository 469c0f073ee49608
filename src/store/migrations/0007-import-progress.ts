import type { Migration } from "./types.js";

/**
 * Progress of `tokokommo import` per conversation. One row per room the import has walked: the newest
 * message of the room it has sent (or found already sent) — so a run interrupted by Ctrl-C or a crash continues
 * after it instead of reading the room again from the window's start — and `finished_at`, set once the room was
 * walked to the end as its listing named it (`last_message_at`): a later run skips it unless the room moved on.
 */
const SQL = `
CREATE TABLE import_rooms (
  source            TEXT    NOT NULL,
  shop_id           TEXT    NOT NULL,
  room_id           TEXT    NOT NULL,
  cursor_message_id TEXT,
  cursor_time       INTEGER,
  last_message_at   INTEGER,
  imported          INTEGER NOT NULL DEFAULT 0,
  finished_at       INTEGER,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (source, shop_id, room_id)
) WITHOUT ROWID;
`;

/** PostgreSQL form: BIGINT times, no WITHOUT ROWID. */
const POSTGRES = `
CREATE TABLE import_rooms (
  source            TEXT    NOT NULL,
  shop_id           TEXT    NOT NULL,
  room_id           TEXT    NOT NULL,
  cursor_message_id TEXT,
  cursor_time       BIGINT,
  last_message_at   BIGINT,
  imported          INTEGER NOT NULL DEFAULT 0,
  finished_at       BIGINT,
  updated_at        BIGINT  NOT NULL,
  PRIMARY KEY (source, shop_id, room_id)
);
`;

export const m0007ImportProgress: Migration = {
  version: 7,
  name: "import-progress",
  up(db) {
    db.exec(SQL);
  },
  postgres: POSTGRES,
};
