import type { Migration } from "./types.js";

/**
 * Customer Service calls per TikTok Shop shop per quota day. The platform allows a fixed number of
 * these calls a day and never says how many are left, so the bridge counts its own: one row per shop and day,
 * `used` grows with every call sent, `exhausted_until` is set when the platform answered "daily quota reached"
 * although our count was lower (another app on the same shop, or a day boundary we do not know exactly);
 * `sweep_pages` is how many list calls the shop's last sweep took (what its polling interval is stretched by).
 * Kept in the state file so a restart (or a crash loop) does not start the day's count from zero.
 */
const SQL = `
CREATE TABLE cs_call_counts (
  source          TEXT    NOT NULL,
  shop_id         TEXT    NOT NULL,
  day_start       INTEGER NOT NULL,
  used            INTEGER NOT NULL DEFAULT 0,
  exhausted_until INTEGER,
  sweep_pages     INTEGER,
  updated_at      INTEGER NOT NULL,
  PRIMARY KEY (source, shop_id, day_start)
) WITHOUT ROWID;
`;

/** PostgreSQL form: BIGINT times, no WITHOUT ROWID. */
const POSTGRES = `
CREATE TABLE cs_call_counts (
  source          TEXT    NOT NULL,
  shop_id         TEXT    NOT NULL,
  day_start       BIGINT  NOT NULL,
  used            INTEGER NOT NULL DEFAULT 0,
  exhausted_until BIGINT,
  sweep_pages     INTEGER,
  updated_at      BIGINT  NOT NULL,
  PRIMARY KEY (source, shop_id, day_start)
);
`;

export const m0006CsCallCounts: Migration = {
  version: 6,
  name: "cs-call-counts",
  up(db) {
    db.exec(SQL);
  },
  postgres: POSTGRES,
};
