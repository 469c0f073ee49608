/**
 * The lead's sale value from the buyer's orders: the latest open order's total, written only when the lead has no
 * value yet (a manager's value is never overwritten) and only once the lead has left the incoming stage — a write
 * to a lead still incoming would take it out of incoming, which is the manager's decision. A lead still incoming
 * gets its value at a later refresh. IDR totals are whole numbers; any other total is not written.
 */
import { isOpenOrder, type MarketplaceOrder } from "../domain/orders.js";
import type { KommoRestPort } from "./ports.js";

export type PriceOutcome = "set" | "has-price" | "incoming" | "no-open-order" | "unsupported";

export async function priceFromOrders(
  rest: KommoRestPort,
  leadId: number,
  orders: MarketplaceOrder[],
): Promise<PriceOutcome> {
  if (!rest.leadPriceState || !rest.setLeadPrice) return "unsupported";
  const latest = orders.find(isOpenOrder);
  if (!latest || !/^[1-9]\d{0,14}$/.test(latest.total)) return "no-open-order";
  const state = await rest.leadPriceState(leadId);
  if (state.price > 0) return "has-price";
  if (state.incoming) return "incoming";
  await rest.setLeadPrice(leadId, Number(latest.total));
  return "set";
}
