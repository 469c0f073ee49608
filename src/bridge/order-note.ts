/**
 * The buyer's orders on the Kommo lead: ONE note per conversation's lead, edited in place, listing the buyer's
 * recent orders in the shop (sources with an order API: TikTok Shop). It is refreshed
 * - when the conversation's first buyer message is delivered (Kommo then makes the lead: the job waits for it),
 * - when the buyer writes after a quiet spell (`orders.quietHours`),
 * - when an order the note lists changes status (TikTok Shop type-1 webhook).
 * Each refresh is one Search Orders call; Kommo is written only when the text changed (REST, paced 7/s). The note
 * is not a write to the lead, so an incoming lead stays incoming. The lead's sale value follows the latest open
 * order once the lead has left the incoming stage (lead-price.ts).
 * Without the Order scope the feature is off for the shop with one warning; chat is unaffected.
 */
import type { SourceKind } from "../domain/index.js";
import type { MarketplaceOrder } from "../domain/orders.js";
import { isTkError, TkError } from "../errors/index.js";
import type { OrderStatusHint } from "../sources/types.js";
import type { OrderNoteKey, OrderNoteRow } from "../store/order-notes.js";
import { type JobOf, REFRESH_ORDERS, type RefreshOrdersPayload } from "./job-kinds.js";
import { priceFromOrders } from "./lead-price.js";
import { invoiceNoteText, orderNoteText } from "./order-note-text.js";
import type { EngineStore, EngineStoreTx } from "./store-port.js";
import { MARKETPLACE_NAME, type ShopBinding, shopKey, type Topology } from "./topology.js";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * Where the notes stand: the state store's orders notes (SQLite OrderNotesRepo, PostgreSQL PgOrderNotes). Every
 * method is one atomic step on the store, also against other `serve` replicas on the same database: `start` and
 * `addListed` report whether this call made the change, so one replica (and one only) queues the refresh.
 */
export interface OrderNotesPort {
  get(key: OrderNoteKey): Promise<OrderNoteRow | undefined>;
  /** Records a conversation whose lead gets an orders note; false when it was recorded already. */
  start(key: OrderNoteKey & { buyerId: string; amojoChatId: string; at: number }): Promise<boolean>;
  /** The buyer wrote at `at` (ms); the time recorded only moves forward. */
  buyerWrote(key: OrderNoteKey, at: number): Promise<void>;
  /**
   * What was written to Kommo: the lead, the note, its text and the orders it lists. Without `orderIds` the list
   * stays as it is (invoices shared in chat are added by addListed, also while the note is being written).
   */
  saved(
    key: OrderNoteKey,
    note: { leadId: number; noteId: number; noteText: string; orderIds?: string[] },
    at: number,
  ): Promise<void>;
  /** Conversations of the shop whose note lists the order. */
  roomsListing(source: string, shopId: string, orderId: string): Promise<string[]>;
  /**
   * Adds an order to what the note lists (an invoice code shared in chat, or an order a refresh is about to write);
   * false when listed or no note.
   */
  addListed(key: OrderNoteKey, orderId: string): Promise<boolean>;
  /** Counts one order call of the shop at `at` (ms), on its UTC day. */
  countCall(source: string, shopId: string, at: number): Promise<void>;
  /** Order calls of the shop on the UTC day of `at` (shown by `status`). */
  callsOn(source: string, shopId: string, at: number): Promise<number>;
}

export interface OrderNoteDeps {
  store: EngineStore;
  topology: Topology;
  orderNotes: OrderNotesPort;
  now: () => number;
  /** The shop's app lacks the Order scope (told once per shop): the feature stays off for it. */
  onOrdersUnavailable: (shop: ShopBinding, err: TkError) => void;
  /** Shops whose orders are off for this run (scope missing). */
  ordersOff: Set<string>;
}

/**
 * Whether the shop keeps an orders note: enabled, Kommo REST that can write notes, and not switched off for a
 * missing scope. Shops whose source has no order API (legacy Tokopedia) list only the invoices shared in chat.
 */
function ordersActive(shop: ShopBinding | undefined, off: Set<string>): shop is ShopBinding {
  const rest = shop?.kommo.rest;
  return Boolean(
    shop?.orders?.enabled &&
      rest?.leadOfChat &&
      rest.addLeadNote &&
      rest.editLeadNote &&
      !off.has(shopKey(shop.source, shop.shopId)),
  );
}

/**
 * A buyer's message reached Kommo in a conversation whose chat is known: starts the conversation's note (first
 * message) or refreshes it after a quiet spell. Cheap when nothing is due: one point read and one update.
 */
export async function noteBuyerMessage(deps: OrderNoteDeps, m: BuyerMessageFacts): Promise<void> {
  const shop = deps.topology.shop(m.source, m.shopId);
  if (!ordersActive(shop, deps.ordersOff)) return;
  const key = { source: m.source, shopId: m.shopId, roomId: m.roomId };
  if (!shop.app.marketplace.recentOrders) {
    await noteSharedInvoice(deps, key, m);
    return;
  }
  const row = await deps.orderNotes.get(key);
  let reason: RefreshOrdersPayload["reason"] | undefined;
  if (!row) {
    if (await deps.orderNotes.start({ ...key, buyerId: m.buyerId, amojoChatId: m.amojoChatId, at: m.sentAt }))
      reason = "new_lead";
  } else {
    if (m.sentAt - row.lastBuyerAt >= shop.orders!.quietHours * HOUR_MS) reason = "quiet_spell";
    await deps.orderNotes.buyerWrote(key, m.sentAt);
  }
  if (reason) await enqueueRefresh(deps.store, deps, { ...key, reason });
}

/** What a delivered buyer message tells the orders note. */
export interface BuyerMessageFacts {
  source: SourceKind;
  shopId: string;
  roomId: string;
  buyerId: string;
  amojoChatId: string;
  sentAt: number;
  /** The code of an invoice (order card) the buyer shared in the message. */
  invoiceCode?: string;
}

/**
 * A source without an order API (legacy Tokopedia: no link from chat to orders): the note lists the invoice codes
 * the buyer shared in chat, so that the lead is found by searching for one.
 */
async function noteSharedInvoice(
  deps: OrderNoteDeps,
  key: OrderNoteKey,
  m: BuyerMessageFacts,
): Promise<void> {
  if (!m.invoiceCode) return;
  await deps.orderNotes.start({ ...key, buyerId: m.buyerId, amojoChatId: m.amojoChatId, at: m.sentAt });
  if (await deps.orderNotes.addListed(key, m.invoiceCode))
    await enqueueRefresh(deps.store, deps, { ...key, source: m.source, reason: "invoice_shared" });
}

/**
 * An order changed status: refreshes the notes that list it. True when a refresh was queued. In the webhook's
 * transaction (`tx`).
 */
export async function noteOrderStatus(
  deps: OrderNoteDeps,
  tx: EngineStoreTx,
  source: SourceKind,
  shopId: string,
  order: OrderStatusHint,
): Promise<boolean> {
  if (!ordersActive(deps.topology.shop(source, shopId), deps.ordersOff)) return false;
  const rooms = await deps.orderNotes.roomsListing(source, shopId, order.orderId);
  for (const roomId of rooms)
    await enqueueRefresh(tx, deps, { source, shopId, roomId, reason: "order_status" });
  return rooms.length > 0;
}

/**
 * A lead held back while incoming was accepted: its conversation's orders note refreshes, which also writes the
 * sale value that could not be written before. Nothing when the conversation has no note.
 */
export async function noteLeadAccepted(
  deps: OrderNoteDeps,
  source: SourceKind,
  shopId: string,
  roomId: string,
): Promise<void> {
  const shop = deps.topology.shop(source, shopId);
  if (!ordersActive(shop, deps.ordersOff) || !shop.app.marketplace.recentOrders) return;
  if (!(await deps.orderNotes.get({ source, shopId, roomId }))) return;
  await deps.store.transaction((tx) =>
    enqueueRefresh(tx, deps, { source, shopId, roomId, reason: "lead_accepted" }),
  );
}

async function enqueueRefresh(
  tx: EngineStoreTx,
  deps: Pick<OrderNoteDeps, "now">,
  p: RefreshOrdersPayload,
): Promise<void> {
  await tx.enqueue(
    {
      kind: REFRESH_ORDERS,
      orderingKey: `orders:${p.source}:${p.shopId}:${p.roomId}`,
      shopKey: shopKey(p.source, p.shopId),
      payload: p,
    },
    deps.now(),
  );
}

/** The refresh_orders job: reads the buyer's orders, writes the note (edit, or create the first time). */
export async function refreshOrders(job: JobOf<"refresh_orders">, deps: OrderNoteDeps): Promise<void> {
  const p = job.payload;
  const key = { source: p.source, shopId: p.shopId, roomId: p.roomId };
  const row = await deps.orderNotes.get(key);
  const shop = deps.topology.shop(p.source, p.shopId);
  if (!row || !ordersActive(shop, deps.ordersOff)) return;
  const listed = await listedOrders(shop, row, deps);
  if (!listed) return;
  const { text, orderIds, orders } = listed;
  // Listed before Kommo is written, which may take seconds at 7 requests/s: an order status webhook arriving
  // meanwhile then finds this conversation (roomsListing) and queues another refresh, which runs after this one.
  // Listed only once the note was saved, such a status change was lost until the next quiet-spell refresh.
  for (const id of orderIds ?? []) if (!row.orderIds.includes(id)) await deps.orderNotes.addListed(key, id);
  const rest = shop.kommo.rest!;
  const leadId = row.leadId ?? (await rest.leadOfChat!(row.amojoChatId));
  if (leadId === undefined) throw leadNotReady(row.amojoChatId);
  let noteId = row.leadId === leadId ? row.noteId : null;
  if (noteId !== null && text !== row.noteText) {
    try {
      await rest.editLeadNote!(leadId, noteId, text);
    } catch (err) {
      // The note is gone (deleted in Kommo): a new one takes its place.
      if (!isTkError(err) || err.code !== "TK_ERR_KOMMO_NOT_FOUND") throw err;
      noteId = null;
    }
  }
  if (noteId === null) noteId = (await rest.addLeadNote!(leadId, text)).noteId;
  await deps.orderNotes.saved(
    key,
    { leadId, noteId, noteText: text, ...(orderIds ? { orderIds } : {}) },
    deps.now(),
  );
  if (orders.length > 0) await priceFromOrders(rest, leadId, orders);
}

/**
 * The note's text and the orders it lists: the buyer's recent orders (one order call), or for a source without
 * an order API the invoice codes shared in chat. Undefined when the shop's app lacks the Order scope (the feature
 * is then switched off for the shop, with one warning).
 */
async function listedOrders(
  shop: ShopBinding,
  row: OrderNoteRow,
  deps: OrderNoteDeps,
): Promise<{ text: string; orderIds?: string[]; orders: MarketplaceOrder[] } | undefined> {
  const marketplace = MARKETPLACE_NAME[shop.source];
  const source = shop.app.marketplace;
  if (!source.recentOrders) return { text: invoiceNoteText(row.orderIds, marketplace), orders: [] };
  const days = shop.orders!.days;
  await deps.orderNotes.countCall(shop.source, shop.shopId, deps.now());
  try {
    const orders = await source.recentOrders(shop.shopId, row.buyerId, deps.now() - days * DAY_MS);
    return { text: orderNoteText(orders, { marketplace, days }), orderIds: orders.map((o) => o.id), orders };
  } catch (err) {
    if (!isTkError(err) || err.code !== "TK_ERR_TIKTOKSHOP_SCOPE_MISSING") throw err;
    deps.ordersOff.add(shopKey(shop.source, shop.shopId));
    deps.onOrdersUnavailable(shop, err);
    return undefined;
  }
}

function leadNotReady(amojoChatId: string): TkError {
  return new TkError(
    "TK_ERR_KOMMO_LEAD_NOT_READY",
    "Kommo has no lead for this chat yet; its orders note follows",
    {
      fix: "Nothing to do: Kommo makes a chat's lead a moment after its first message, and the note follows.",
      details: { retryable: true, amojoChatId },
    },
  );
}
