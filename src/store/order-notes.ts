import type { Database, Statement } from "better-sqlite3";
import type { OrderNotesPort } from "../bridge/order-note.js";

/** Where a conversation's orders note stands (table lead_order_notes). */
export interface OrderNoteRow {
  source: string;
  shopId: string;
  roomId: string;
  buyerId: string;
  amojoChatId: string;
  leadId: number | null;
  noteId: number | null;
  /** Orders the note lists. */
  orderIds: string[];
  /** The text last written to Kommo (null before the first). */
  noteText: string | null;
  /** When the buyer last wrote (ms), for the quiet-spell rule. */
  lastBuyerAt: number;
  refreshedAt: number | null;
}

export interface OrderNoteKey {
  source: string;
  shopId: string;
  roomId: string;
}

/**
 * The orders note of each conversation's lead, and which orders each note lists (so that an order status webhook
 * finds the notes to refresh). Each method runs synchronously on the file (one process holds it), so each is
 * atomic; the promises are the port's shape, which the PostgreSQL backend needs.
 */
export class OrderNotesRepo implements OrderNotesPort {
  private readonly getStmt: Statement;
  private readonly startStmt: Statement;
  private readonly buyerStmt: Statement;
  private readonly savedStmt: Statement;
  private readonly clearOrdersStmt: Statement;
  private readonly addOrderStmt: Statement;
  private readonly roomsStmt: Statement;
  private readonly countStmt: Statement;
  private readonly listedStmt: Statement;
  private readonly countedStmt: Statement;

  constructor(private readonly db: Database) {
    this.getStmt = db.prepare(
      `SELECT source, shop_id AS shopId, room_id AS roomId, buyer_id AS buyerId, amojo_chat_id AS amojoChatId,
              lead_id AS leadId, note_id AS noteId, order_ids AS orderIds, note_text AS noteText,
              last_buyer_at AS lastBuyerAt, refreshed_at AS refreshedAt
       FROM lead_order_notes WHERE source = @source AND shop_id = @shopId AND room_id = @roomId`,
    );
    this.startStmt = db.prepare(
      `INSERT INTO lead_order_notes (source, shop_id, room_id, buyer_id, amojo_chat_id, last_buyer_at)
       VALUES (@source, @shopId, @roomId, @buyerId, @amojoChatId, @at)
       ON CONFLICT (source, shop_id, room_id) DO NOTHING`,
    );
    this.buyerStmt = db.prepare(
      `UPDATE lead_order_notes SET last_buyer_at = MAX(last_buyer_at, @at)
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId`,
    );
    this.savedStmt = db.prepare(
      `UPDATE lead_order_notes SET lead_id = @leadId, note_id = @noteId, note_text = @noteText, refreshed_at = @at
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId`,
    );
    this.clearOrdersStmt = db.prepare(
      "DELETE FROM lead_order_note_orders WHERE source = @source AND shop_id = @shopId AND room_id = @roomId",
    );
    this.addOrderStmt = db.prepare(
      `INSERT OR IGNORE INTO lead_order_note_orders (source, shop_id, order_id, room_id)
       VALUES (@source, @shopId, @orderId, @roomId)`,
    );
    this.roomsStmt = db.prepare(
      "SELECT room_id AS roomId FROM lead_order_note_orders WHERE source = @source AND shop_id = @shopId AND order_id = @orderId",
    );
    this.listedStmt = db.prepare(
      `UPDATE lead_order_notes SET order_ids = @orderIds
       WHERE source = @source AND shop_id = @shopId AND room_id = @roomId`,
    );
    this.countStmt = db.prepare(
      `INSERT INTO order_call_counts (source, shop_id, day_start, used) VALUES (@source, @shopId, @dayStart, 1)
       ON CONFLICT (source, shop_id, day_start) DO UPDATE SET used = used + 1`,
    );
    this.countedStmt = db.prepare(
      "SELECT used FROM order_call_counts WHERE source = @source AND shop_id = @shopId AND day_start = @dayStart",
    );
  }

  /** One order call of the shop at `at` (ms), counted on its UTC day. */
  async countCall(source: string, shopId: string, at: number): Promise<void> {
    this.countStmt.run({ source, shopId, dayStart: utcDay(at) });
  }

  /** Order calls of the shop on the UTC day of `at`. */
  async callsOn(source: string, shopId: string, at: number): Promise<number> {
    const r = this.countedStmt.get({ source, shopId, dayStart: utcDay(at) }) as { used: number } | undefined;
    return r?.used ?? 0;
  }

  async get(key: OrderNoteKey): Promise<OrderNoteRow | undefined> {
    return this.read(key);
  }

  private read(key: OrderNoteKey): OrderNoteRow | undefined {
    const r = this.getStmt.get(key) as (Omit<OrderNoteRow, "orderIds"> & { orderIds: string }) | undefined;
    if (!r) return undefined;
    return { ...r, orderIds: JSON.parse(r.orderIds) as string[] };
  }

  /** Records a conversation whose lead gets an orders note; false when it was recorded already. */
  async start(key: OrderNoteKey & { buyerId: string; amojoChatId: string; at: number }): Promise<boolean> {
    return this.startStmt.run(key).changes > 0;
  }

  /** The buyer wrote at `at` (ms). */
  async buyerWrote(key: OrderNoteKey, at: number): Promise<void> {
    this.buyerStmt.run({ ...key, at });
  }

  /**
   * What was written to Kommo: the lead, the note, its text and the orders it lists. Without `orderIds` the list
   * stays as it is (invoices shared in chat are added by addListed, also while the note is being written).
   */
  async saved(
    key: OrderNoteKey,
    note: { leadId: number; noteId: number; noteText: string; orderIds?: string[] },
    at: number,
  ): Promise<void> {
    const orderIds = note.orderIds;
    this.db.transaction(() => {
      this.savedStmt.run({ ...key, ...note, at });
      if (!orderIds) return;
      this.listedStmt.run({ ...key, orderIds: JSON.stringify(orderIds) });
      this.clearOrdersStmt.run(key);
      for (const orderId of orderIds) this.addOrderStmt.run({ ...key, orderId });
    })();
  }

  /**
   * Adds an order (a legacy Tokopedia invoice code the buyer shared) to what the note lists; false when listed.
   * The note itself is written by the next refresh.
   */
  async addListed(key: OrderNoteKey, orderId: string): Promise<boolean> {
    const row = this.read(key);
    if (!row || row.orderIds.includes(orderId)) return false;
    this.db.transaction(() => {
      this.listedStmt.run({ ...key, orderIds: JSON.stringify([...row.orderIds, orderId]) });
      this.addOrderStmt.run({ ...key, orderId });
    })();
    return true;
  }

  /** Conversations of the shop whose note lists the order. */
  async roomsListing(source: string, shopId: string, orderId: string): Promise<string[]> {
    return (this.roomsStmt.all({ source, shopId, orderId }) as Array<{ roomId: string }>).map(
      (r) => r.roomId,
    );
  }
}

const DAY_MS = 86_400_000;

function utcDay(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}
