/**
 * The orders notes in PostgreSQL (OrderNotesPort): the same rules as the SQLite repository (store/order-notes.ts),
 * on a database several `serve` replicas share. Each method is one statement, or one transaction, so that two
 * replicas acting on one conversation at once never both start its note nor lose each other's invoices.
 */
import type { OrderNotesPort } from "../../bridge/order-note.js";
import type { OrderNoteKey, OrderNoteRow } from "../order-notes.js";
import type { Sql } from "./sql.js";

const KEY = "source = $1 AND shop_id = $2 AND room_id = $3";
const key = (k: OrderNoteKey) => [k.source, k.shopId, k.roomId];
const DAY_MS = 86_400_000;

interface NoteColumns {
  source: string;
  shop_id: string;
  room_id: string;
  buyer_id: string;
  amojo_chat_id: string;
  lead_id: number | null;
  note_id: number | null;
  order_ids: string;
  note_text: string | null;
  last_buyer_at: number;
  refreshed_at: number | null;
}

export class PgOrderNotes implements OrderNotesPort {
  /** `sql`: the pool (each call atomic on its own; see poolSql). */
  constructor(private readonly sql: Sql) {}

  async get(k: OrderNoteKey): Promise<OrderNoteRow | undefined> {
    const [r] = await this.sql.query<NoteColumns>(
      `SELECT source, shop_id, room_id, buyer_id, amojo_chat_id, lead_id, note_id, order_ids, note_text,
         last_buyer_at, refreshed_at
       FROM lead_order_notes WHERE ${KEY}`,
      key(k),
    );
    if (!r) return undefined;
    return {
      source: r.source,
      shopId: r.shop_id,
      roomId: r.room_id,
      buyerId: r.buyer_id,
      amojoChatId: r.amojo_chat_id,
      leadId: r.lead_id,
      noteId: r.note_id,
      orderIds: JSON.parse(r.order_ids) as string[],
      noteText: r.note_text,
      lastBuyerAt: r.last_buyer_at,
      refreshedAt: r.refreshed_at,
    };
  }

  /** Insert-if-absent: the replica whose row went in (RETURNING gave it back) is the one that started the note. */
  async start(k: OrderNoteKey & { buyerId: string; amojoChatId: string; at: number }): Promise<boolean> {
    const rows = await this.sql.query(
      `INSERT INTO lead_order_notes (source, shop_id, room_id, buyer_id, amojo_chat_id, last_buyer_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (source, shop_id, room_id) DO NOTHING
       RETURNING 1`,
      [...key(k), k.buyerId, k.amojoChatId, k.at],
    );
    return rows.length > 0;
  }

  async buyerWrote(k: OrderNoteKey, at: number): Promise<void> {
    await this.sql.query(
      `UPDATE lead_order_notes SET last_buyer_at = GREATEST(last_buyer_at, $4) WHERE ${KEY}`,
      [...key(k), at],
    );
  }

  async saved(
    k: OrderNoteKey,
    note: { leadId: number; noteId: number; noteText: string; orderIds?: string[] },
    at: number,
  ): Promise<void> {
    const orderIds = note.orderIds;
    await this.sql.atomic(async (sql) => {
      await sql.query(
        `UPDATE lead_order_notes SET lead_id = $4, note_id = $5, note_text = $6, refreshed_at = $7 WHERE ${KEY}`,
        [...key(k), note.leadId, note.noteId, note.noteText, at],
      );
      if (!orderIds) return;
      await sql.query(`UPDATE lead_order_notes SET order_ids = $4 WHERE ${KEY}`, [
        ...key(k),
        JSON.stringify(orderIds),
      ]);
      await sql.query(`DELETE FROM lead_order_note_orders WHERE ${KEY}`, key(k));
      await sql.query(
        `INSERT INTO lead_order_note_orders (source, shop_id, room_id, order_id)
         SELECT $1, $2, $3, o FROM unnest($4::text[]) AS o
         ON CONFLICT DO NOTHING`,
        [...key(k), orderIds],
      );
    });
  }

  /**
   * One statement: the UPDATE appends the order only while the list lacks it (a replica doing the same at once
   * waits for the row and re-checks the condition on the list the other committed), and the order's lookup row
   * goes in only when the list grew. True when this call listed it.
   */
  async addListed(k: OrderNoteKey, orderId: string): Promise<boolean> {
    const [r] = await this.sql.query<{ added: number }>(
      `WITH added AS (
         UPDATE lead_order_notes SET order_ids = (order_ids::jsonb || jsonb_build_array($4::text))::text
         WHERE ${KEY} AND NOT (order_ids::jsonb ? $4::text)
         RETURNING 1
       ), indexed AS (
         INSERT INTO lead_order_note_orders (source, shop_id, room_id, order_id)
         SELECT $1, $2, $3, $4 FROM added
         ON CONFLICT DO NOTHING
       )
       SELECT count(*)::int AS added FROM added`,
      [...key(k), orderId],
    );
    return (r?.added ?? 0) > 0;
  }

  async roomsListing(source: string, shopId: string, orderId: string): Promise<string[]> {
    const rows = await this.sql.query<{ room_id: string }>(
      "SELECT room_id FROM lead_order_note_orders WHERE source = $1 AND shop_id = $2 AND order_id = $3",
      [source, shopId, orderId],
    );
    return rows.map((r) => r.room_id);
  }

  async countCall(source: string, shopId: string, at: number): Promise<void> {
    await this.sql.query(
      `INSERT INTO order_call_counts (source, shop_id, day_start, used) VALUES ($1, $2, $3, 1)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET used = order_call_counts.used + 1`,
      [source, shopId, utcDay(at)],
    );
  }

  async callsOn(source: string, shopId: string, at: number): Promise<number> {
    const [r] = await this.sql.query<{ used: number }>(
      "SELECT used FROM order_call_counts WHERE source = $1 AND shop_id = $2 AND day_start = $3",
      [source, shopId, utcDay(at)],
    );
    return r?.used ?? 0;
  }
}

function utcDay(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}
