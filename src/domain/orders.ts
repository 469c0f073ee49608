/**
 * A buyer's order as the bridge shows it on a Kommo lead, whatever marketplace it came from. Amounts stay decimal
 * strings as the platforms send them (no float rounding); times are milliseconds since the epoch.
 */
export interface MarketplaceOrder {
  id: string;
  /** The platform's status text, kept raw (unknown future values included). */
  status: string;
  createdAt: number;
  /** Total the buyer pays, decimal string, and its currency (e.g. "IDR"). */
  total: string;
  currency: string;
  /** Items as name × quantity, in the order's own order. */
  items: Array<{ name: string; quantity: number }>;
  /** Set once the order is shipped. */
  trackingNumber?: string;
  carrier?: string;
  /** The order in the seller's back office (works for a user logged into that shop). */
  link?: string;
}

/** A webhook saying an order's status changed (no buyer, amount or items: those are read again). */
export interface OrderStatusHint {
  orderId: string;
  status: string;
  /** ms */
  updatedAt: number;
}

/** Statuses after which an order needs nothing more from the shop (it is not "open"). */
const CLOSED = new Set(["DELIVERED", "COMPLETED", "CANCELLED", "CANCEL"]);

export function isOpenOrder(o: Pick<MarketplaceOrder, "status">): boolean {
  return !CLOSED.has(o.status);
}
