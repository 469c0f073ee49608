import type { Migration } from "./types.js";

/**
 * The first schema. Conventions: ids from the platforms are TEXT; times are INTEGER ms since the epoch;
 * JSON payloads are TEXT columns named *_json; states are TEXT with a CHECK so a typo cannot store a new state.
 */
const SQL = `
CREATE TABLE tokens (
  key        TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);

-- One row per marketplace conversation (Tokopedia msg_id / TikTok Shop conversation_id).
CREATE TABLE rooms (
  source            TEXT NOT NULL,
  shop_id           TEXT NOT NULL,
  room_id           TEXT NOT NULL,
  conversation_id   TEXT,                -- our Kommo conversation id (tkp:{shop}:{room} / tts:{shop}:{room})
  buyer_id          TEXT,
  buyer_name        TEXT,
  buyer_avatar      TEXT,
  buyer_profile_url TEXT,
  buyer_platform    TEXT,
  dirty             INTEGER NOT NULL DEFAULT 0 CHECK (dirty IN (0, 1)),
  dirty_at          INTEGER,             -- strictly increases with every mark (see rooms.ts)
  cursor_message_id TEXT,
  cursor_time       INTEGER,
  last_synced_at    INTEGER,
  last_error        TEXT,
  amojo_chat_id     TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (source, shop_id, room_id)
);
CREATE INDEX rooms_dirty ON rooms (dirty_at) WHERE dirty = 1;
CREATE INDEX rooms_conversation ON rooms (conversation_id);

-- One row per marketplace message to deliver to Kommo.
CREATE TABLE inbound_messages (
  id                  INTEGER PRIMARY KEY,
  source              TEXT NOT NULL,
  shop_id             TEXT NOT NULL,
  room_id             TEXT NOT NULL,
  platform_message_id TEXT NOT NULL,
  kommo_msgid         TEXT NOT NULL,
  sender              TEXT NOT NULL CHECK (sender IN ('buyer', 'shop', 'system')),
  sender_name         TEXT,
  content_json        TEXT NOT NULL,
  sent_at             INTEGER NOT NULL,
  amojo_message_id    TEXT,
  amojo_chat_id       TEXT,
  state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  created_at          INTEGER NOT NULL,
  UNIQUE (source, shop_id, room_id, platform_message_id)
);

-- One row per Kommo reply to deliver to the marketplace.
CREATE TABLE outbound_replies (
  id                        INTEGER PRIMARY KEY,
  scope_id                  TEXT NOT NULL,
  amojo_message_id          TEXT NOT NULL UNIQUE,
  amojo_chat_id             TEXT,
  conversation_id           TEXT,
  source                    TEXT,
  shop_id                   TEXT,
  room_id                   TEXT,
  content_json              TEXT NOT NULL,
  state                     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'dead')),
  platform_message_ids_json TEXT,
  error_code                TEXT,
  error_text                TEXT,
  created_at                INTEGER NOT NULL,
  updated_at                INTEGER NOT NULL
);

-- Messages the bridge itself posted to a marketplace room, so a later sync does not import them again.
-- By platform id when the platform returned one; otherwise by text hash near the send time (platform_message_id
-- NULL until a sync claims the row for the message it matched).
CREATE TABLE sent_echoes (
  id                  INTEGER PRIMARY KEY,
  source              TEXT NOT NULL,
  shop_id             TEXT NOT NULL,
  room_id             TEXT NOT NULL,
  platform_message_id TEXT,
  text_hash           TEXT,
  sent_at             INTEGER NOT NULL
);
CREATE UNIQUE INDEX sent_echoes_id ON sent_echoes (source, shop_id, room_id, platform_message_id);
CREATE INDEX sent_echoes_hash ON sent_echoes (source, shop_id, room_id, text_hash, sent_at);

-- The outbox. See jobs.ts for the ordering rule.
CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  kind            TEXT NOT NULL,
  ordering_key    TEXT,
  ref_id          INTEGER,
  payload_json    TEXT,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  run_after       INTEGER NOT NULL,
  lease_until     INTEGER,
  last_error      TEXT,
  last_error_code TEXT,
  shop_key        TEXT,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL
);
-- Claiming walks pending jobs in id order and stops at LIMIT (no sort of the whole backlog).
CREATE INDEX jobs_pending ON jobs (id) WHERE state = 'pending';
-- Earliest run_after among pending jobs (nextRunAt).
CREATE INDEX jobs_run_after ON jobs (run_after) WHERE state = 'pending';
-- "Is there an older open job of this conversation lane?" (the ordering rule).
CREATE INDEX jobs_open_by_key ON jobs (ordering_key, id) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_shop ON jobs (shop_key, state);

CREATE TABLE shop_status (
  source          TEXT NOT NULL,
  shop_id         TEXT NOT NULL,
  last_sync_at    INTEGER,
  last_success_at INTEGER,
  last_error      TEXT,
  last_error_code TEXT,
  last_error_at   INTEGER,
  PRIMARY KEY (source, shop_id)
);

CREATE TABLE webhook_seen (
  source          TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  seen_at         INTEGER NOT NULL,
  PRIMARY KEY (source, notification_id)
);
CREATE INDEX webhook_seen_at ON webhook_seen (seen_at);
`;

/** The same schema in PostgreSQL: times and ids BIGINT (read back as JS numbers), ids from identity columns. */
const POSTGRES = `
CREATE TABLE tokens (
  key        TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE rooms (
  source            TEXT NOT NULL,
  shop_id           TEXT NOT NULL,
  room_id           TEXT NOT NULL,
  conversation_id   TEXT,
  buyer_id          TEXT,
  buyer_name        TEXT,
  buyer_avatar      TEXT,
  buyer_profile_url TEXT,
  buyer_platform    TEXT,
  dirty             INTEGER NOT NULL DEFAULT 0 CHECK (dirty IN (0, 1)),
  dirty_at          BIGINT,
  cursor_message_id TEXT,
  cursor_time       BIGINT,
  last_synced_at    BIGINT,
  last_error        TEXT,
  amojo_chat_id     TEXT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  PRIMARY KEY (source, shop_id, room_id)
);
CREATE INDEX rooms_dirty ON rooms (dirty_at) WHERE dirty = 1;
CREATE INDEX rooms_conversation ON rooms (conversation_id);

CREATE TABLE inbound_messages (
  id                  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  source              TEXT NOT NULL,
  shop_id             TEXT NOT NULL,
  room_id             TEXT NOT NULL,
  platform_message_id TEXT NOT NULL,
  kommo_msgid         TEXT NOT NULL,
  sender              TEXT NOT NULL CHECK (sender IN ('buyer', 'shop', 'system')),
  sender_name         TEXT,
  content_json        TEXT NOT NULL,
  sent_at             BIGINT NOT NULL,
  amojo_message_id    TEXT,
  amojo_chat_id       TEXT,
  state               TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
  created_at          BIGINT NOT NULL,
  UNIQUE (source, shop_id, room_id, platform_message_id)
);

CREATE TABLE outbound_replies (
  id                        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  scope_id                  TEXT NOT NULL,
  amojo_message_id          TEXT NOT NULL UNIQUE,
  amojo_chat_id             TEXT,
  conversation_id           TEXT,
  source                    TEXT,
  shop_id                   TEXT,
  room_id                   TEXT,
  content_json              TEXT NOT NULL,
  state                     TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'dead')),
  platform_message_ids_json TEXT,
  error_code                TEXT,
  error_text                TEXT,
  created_at                BIGINT NOT NULL,
  updated_at                BIGINT NOT NULL
);

CREATE TABLE sent_echoes (
  id                  BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  source              TEXT NOT NULL,
  shop_id             TEXT NOT NULL,
  room_id             TEXT NOT NULL,
  platform_message_id TEXT,
  text_hash           TEXT,
  sent_at             BIGINT NOT NULL
);
CREATE UNIQUE INDEX sent_echoes_id ON sent_echoes (source, shop_id, room_id, platform_message_id);
CREATE INDEX sent_echoes_hash ON sent_echoes (source, shop_id, room_id, text_hash, sent_at);

CREATE TABLE jobs (
  id              BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  kind            TEXT NOT NULL,
  ordering_key    TEXT,
  ref_id          BIGINT,
  payload_json    TEXT,
  state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  run_after       BIGINT NOT NULL,
  lease_until     BIGINT,
  last_error      TEXT,
  last_error_code TEXT,
  shop_key        TEXT,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL
);
CREATE INDEX jobs_pending ON jobs (id) WHERE state = 'pending';
CREATE INDEX jobs_run_after ON jobs (run_after) WHERE state = 'pending';
CREATE INDEX jobs_open_by_key ON jobs (ordering_key, id) WHERE state IN ('pending', 'running');
CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_shop ON jobs (shop_key, state);

CREATE TABLE shop_status (
  source          TEXT NOT NULL,
  shop_id         TEXT NOT NULL,
  last_sync_at    BIGINT,
  last_success_at BIGINT,
  last_error      TEXT,
  last_error_code TEXT,
  last_error_at   BIGINT,
  PRIMARY KEY (source, shop_id)
);

CREATE TABLE webhook_seen (
  source          TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  seen_at         BIGINT NOT NULL,
  PRIMARY KEY (source, notification_id)
);
CREATE INDEX webhook_seen_at ON webhook_seen (seen_at);
`;

export const m0001Initial: Migration = {
  version: 1,
  name: "initial",
  up(db) {
    db.exec(SQL);
  },
  postgres: POSTGRES,
};
