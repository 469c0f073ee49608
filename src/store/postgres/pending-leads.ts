/**
 * The pending leads (leads whose enrichment waits for their acceptance, table pending_lead_enrichment) over
 * PostgreSQL: the PendingLeadsPort of bridge/pending-leads-port.ts, the same rules as the SQLite repository
 * (store/pending-leads.ts). Each method is one statement; a second add of the same (shop, lead) changes nothing,
 * whichever replica makes it.
 */
import type { PendingLead, PendingLeadsPort } from "../../bridge/pending-leads-port.js";
import { pendingLeadOf, type StoredPendingLead } from "../pending-leads.js";
import type { Sql } from "./sql.js";

export class PgPendingLeads implements PendingLeadsPort {
  constructor(private readonly sql: Sql) {}

  async add(lead: PendingLead): Promise<void> {
    await this.sql.query(
      `INSERT INTO pending_lead_enrichment (shop_key, lead_id, amojo_chat_id, room_id, tags, since)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (shop_key, lead_id) DO NOTHING`,
      [
        lead.shopKey,
        lead.leadId,
        lead.amojoChatId,
        lead.roomId ?? null,
        JSON.stringify(lead.tags),
        lead.since,
      ],
    );
  }

  async list(): Promise<PendingLead[]> {
    const rows = await this.sql.query<StoredPendingLead>(
      `SELECT shop_key AS "shopKey", lead_id AS "leadId", amojo_chat_id AS "amojoChatId", room_id AS "roomId",
         tags, since
       FROM pending_lead_enrichment ORDER BY since, lead_id`,
    );
    return rows.map(pendingLeadOf);
  }

  async remove(shopKey: string, leadId: number): Promise<void> {
    await this.sql.query("DELETE FROM pending_lead_enrichment WHERE shop_key = $1 AND lead_id = $2", [
      shopKey,
      leadId,
    ]);
  }

  async count(): Promise<number> {
    const [row] = await this.sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM pending_lead_enrichment");
    return Number(row?.n ?? 0);
  }
}
