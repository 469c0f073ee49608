import type { Migration } from "./types.js";

/**
 * Leads whose enrichment (tags, responsible user, the shop's pipeline) waits until a manager accepts them: a write
 * to a lead still incoming would take it out of incoming. One row per (shop, lead); removed once the lead was
 * enriched, declined or deleted. Plain types and syntax that PostgreSQL runs as well.
 */
export const PENDING_LEAD_ENRICHMENT_SQL = `
CREATE TABLE pending_lead_enrichment (
  shop_key       TEXT   NOT NULL,
  lead_id        BIGINT NOT NULL,
  amojo_chat_id  TEXT   NOT NULL,
  room_id        TEXT,
  tags           TEXT   NOT NULL,
  since          BIGINT NOT NULL,
  PRIMARY KEY (shop_key, lead_id)
);
`;

export const m0009PendingLeadEnrichment: Migration = {
  version: 9,
  name: "pending-lead-enrichment",
  up(db) {
    db.exec(PENDING_LEAD_ENRICHMENT_SQL);
  },
  postgres: PENDING_LEAD_ENRICHMENT_SQL,
};
