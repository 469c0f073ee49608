/**
 * The text of a lead's orders note: per order its id, status, total, the first few items (name × quantity),
 * tracking number and carrier once shipped, and the link to the order in the seller's back office. Plain text (a
 * Kommo `common` note), stable for the same orders so that an unchanged list is not written again.
 */
import type { MarketplaceOrder } from "../domain/orders.js";

/** Items shown per order; the rest are counted. */
export const ITEMS_SHOWN = 3;

export function orderNoteText(orders: MarketplaceOrder[], o: { marketplace: string; days: number }): string {
  const head = `Orders on ${o.marketplace}, last ${o.days} days (kept up to date by tokokommo)`;
  if (orders.length === 0) return `${head}\nNo orders.`;
  return [head, ...orders.map(orderBlock)].join("\n\n");
}

/** A legacy Tokopedia lead's note: the invoice codes the buyer shared in chat (searchable in Kommo). */
export function invoiceNoteText(codes: string[], marketplace: string): string {
  return [
    `Invoices the buyer shared in the ${marketplace} chat (kept up to date by tokokommo)`,
    ...codes,
  ].join("\n");
}

function orderBlock(order: MarketplaceOrder): string {
  const lines = [`Order ${order.id}: ${order.status}, ${money(order.total, order.currency)}`];
  const shown = order.items.slice(0, ITEMS_SHOWN).map((i) => `${i.name} × ${i.quantity}`);
  const more = order.items.length - ITEMS_SHOWN;
  if (shown.length > 0) lines.push(`${shown.join(", ")}${more > 0 ? ` (+${more} more)` : ""}`);
  if (order.trackingNumber) {
    lines.push(`Tracking: ${order.trackingNumber}${order.carrier ? ` (${order.carrier})` : ""}`);
  }
  if (order.link) lines.push(order.link);
  return lines.join("\n");
}

/** "IDR 129.000": a decimal string with thousands dots (Indonesian style), the fraction kept as sent. */
function money(amount: string, currency: string): string {
  const [whole = amount, frac] = amount.split(".");
  const grouped = /^\d+$/.test(whole) ? groupThousands(whole) : whole;
  return `${currency} ${grouped}${frac ? `,${frac}` : ""}`.trim();
}

function groupThousands(digits: string): string {
  const groups: string[] = [];
  for (let end = digits.length; end > 0; end -= 3) groups.unshift(digits.slice(Math.max(0, end - 3), end));
  return groups.join(".");
}
