import type { Migration } from "./types.js";

/**
 * The one orders note the bridge keeps on each conversation's Kommo lead: which lead and note (edited in
 * place, never a second one), which orders it lists (a JSON array of ids; an order status webhook refreshes the notes listing that
 * order), the text last written (nothing is sent when it did not change), and when the buyer last wrote (a message
 * after a quiet spell refreshes the note). Order calls per shop and UTC day: not Customer Service calls (they spend
 * no CS quota) but counted, so that `status` shows them.
 */
const SQL = `
CREATE TABLE lead_order_notes (
  source         TEXT    NOT NULL,
  shop_id        TEXT    NOT NULL,
  room_id        TEXT    NOT NULL,
  buyer_id       TEXT    NOT NULL,
  amojo_chat_id  TEXT    NOT NULL,
  lead_id        INTEGER,
  note_id        INTEGER,
  order_ids      TEXT    NOT NULL DEFAULT '[]',
  note_text      TEXT,
  last_buyer_at  INTEGER NOT NULL,
  refreshed_at   INTEGER,
  PRIMARY KEY (source, shop_id, room_id)
) WITHOUT ROWID;
CREATE TABLE lead_order_note_orders (
  source    TEXT NOT NULL,
  shop_id   TEXT NOT NULL,
  order_id  TEXT NOT NULL,
  room_id   TEXT NOT NULL,
  PRIMARY KEY (source, shop_id, order_id, room_id)
) WITHOUT ROWID;
CREATE TABLE order_call_counts (
  source     TEXT    NOT NULL,
  shop_id    TEXT    NOT NULL,
  day_start  INTEGER NOT NULL,
  used       INTEGER NOT NULL,
  PRIMARY KEY (source, shop_id, day_start)
) WITHOUT ROWID;
`;

/** PostgreSQL form: BIGINT times and Kommo ids, no WITHOUT ROWID. */
const POSTGRES = `
CREATE TABLE lead_order_notes (
  source         TEXT    NOT NULL,
  shop_id        TEXT    NOT NULL,
  room_id        TEXT    NOT NULL,
  buyer_id       TEXT    NOT NULL,
  amojo_chat_id  TEXT    NOT NULL,
  lead_id        BIGINT,
  note_id        BIGINT,
  order_ids      TEXT    NOT NULL DEFAULT '[]',
  note_text      TEXT,
  last_buyer_at  BIGINT  NOT NULL,
  refreshed_at   BIGINT,
  PRIMARY KEY (source, shop_id, room_id)
);
CREATE TABLE lead_order_note_orders (
  source    TEXT NOT NULL,
  shop_id   TEXT NOT NULL,
  order_id  TEXT NOT NULL,
  room_id   TEXT NOT NULL,
  PRIMARY KEY (source, shop_id, order_id, room_id)
);
CREATE TABLE order_call_counts (
  source     TEXT    NOT NULL,
  shop_id    TEXT    NOT NULL,
  day_start  BIGINT  NOT NULL,
  used       INTEGER NOT NULL,
  PRIMARY KEY (source, shop_id, day_start)
);
`;

export const m0008LeadOrderNotes: Migration = {
  version: 8,
  name: "lead-order-notes",
  up(db) {
    db.exec(SQL);
  },
  postgres: POSTGRES,
};
