import type { Database, Statement } from "better-sqlite3";
import type { PendingLead } from "../bridge/pending-leads-port.js";

/** A row of table pending_lead_enrichment as both backends select it (camel-case aliases). */
export interface StoredPendingLead extends Omit<PendingLead, "tags" | "roomId"> {
  roomId: string | null;
  /** A JSON list of strings. */
  tags: string;
}

/** The pending lead of a stored row: no room when none was stored; tags that are not a JSON list of strings read as none. */
export function pendingLeadOf({ roomId, tags, ...r }: StoredPendingLead): PendingLead {
  return { ...r, ...(roomId ? { roomId } : {}), tags: parseTags(tags) };
}

/**
 * The pending leads over SQLite, with the asynchronous shape the engine's ports take (each method resolves once
 * its single statement has run; better-sqlite3 itself is synchronous).
 */
export class PendingLeadsRepo {
  private readonly addStmt: Statement;
  private readonly listStmt: Statement;
  private readonly removeStmt: Statement;
  private readonly countStmt: Statement;

  constructor(db: Database) {
    this.addStmt = db.prepare(
      `INSERT INTO pending_lead_enrichment (shop_key, lead_id, amojo_chat_id, room_id, tags, since)
       VALUES (@shopKey, @leadId, @amojoChatId, @roomId, @tags, @since)
       ON CONFLICT (shop_key, lead_id) DO NOTHING`,
    );
    this.listStmt = db.prepare(
      `SELECT shop_key AS shopKey, lead_id AS leadId, amojo_chat_id AS amojoChatId, room_id AS roomId, tags, since
       FROM pending_lead_enrichment ORDER BY since, lead_id`,
    );
    this.removeStmt = db.prepare(
      "DELETE FROM pending_lead_enrichment WHERE shop_key = @shopKey AND lead_id = @leadId",
    );
    this.countStmt = db.prepare("SELECT COUNT(*) AS n FROM pending_lead_enrichment");
  }

  async add(lead: PendingLead): Promise<void> {
    this.addStmt.run({ ...lead, roomId: lead.roomId ?? null, tags: JSON.stringify(lead.tags) });
  }

  async list(): Promise<PendingLead[]> {
    return (this.listStmt.all() as StoredPendingLead[]).map(pendingLeadOf);
  }

  async remove(shopKey: string, leadId: number): Promise<void> {
    this.removeStmt.run({ shopKey, leadId });
  }

  async count(): Promise<number> {
    return (this.countStmt.get() as { n: number }).n;
  }
}

function parseTags(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === "string") : [];
  } catch {
    return [];
  }
}
