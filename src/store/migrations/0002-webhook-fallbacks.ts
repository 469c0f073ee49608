import type { Migration } from "./types.js";

/**
 * Webhook fallbacks: the message a webhook carried, kept until a complete walk of its room covers it.
 * If the room stays unreadable through its retries, these are delivered with their synthetic ids instead.
 */
const SQL = `
CREATE TABLE webhook_fallbacks (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  source       TEXT NOT NULL,
  shop_id      TEXT NOT NULL,
  room_id      TEXT NOT NULL,
  message_id   TEXT NOT NULL,
  message_json TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  UNIQUE (source, shop_id, room_id, message_id)
);
CREATE INDEX webhook_fallbacks_room ON webhook_fallbacks (source, shop_id, room_id, received_at);
-- intake asks "is a sync of this room already pending?" on every webhook
CREATE INDEX jobs_pending_kind_key ON jobs (kind, ordering_key) WHERE state = 'pending';
`;

export const m0002WebhookFallbacks: Migration = {
  version: 2,
  name: "webhook-fallbacks",
  up(db) {
    db.exec(SQL);
  },
};
