/**
 * The Order API as the bridge uses it (docs/platforms/tiktokshop.md#orders): one Search Orders call per look —
 * filtered by the buyer's `user_id` and a create-time window, newest first, one page — reduced to the neutral
 * MarketplaceOrder. Order calls are not Customer Service calls: they do not spend the CS daily quota, but each is
 * counted (per shop, per UTC day) so `status` and /metrics can show them.
 */
import type { MarketplaceOrder } from "../../domain/orders.js";
import type { TikTokShopClient } from "./client.js";
import { asRecord, idField, numField, strField } from "./json.js";
import type { ShopAccess } from "./model.js";

export const ORDER_SCOPE = "seller.order.info";
/** The most orders one look lists (one page). */
export const ORDERS_PAGE_SIZE = 20;
/** The Seller Center's order page; {order_id} and {region} are filled in. */
export const SELLER_CENTER_ORDER_URL =
  "https://seller-id.tokopedia.com/order/detail?order_no={order_id}&shop_region={region}";

const DAY_MS = 86_400_000;

/** Order calls per shop today (UTC day), counted before each call is sent. */
export class OrderCallCounter {
  private readonly counts = new Map<string, { day: number; n: number }>();
  constructor(private readonly now: () => number = Date.now) {}

  take(shopId: string): void {
    const day = Math.floor(this.now() / DAY_MS);
    const c = this.counts.get(shopId);
    this.counts.set(shopId, { day, n: c && c.day === day ? c.n + 1 : 1 });
  }

  today(shopId: string): number {
    const c = this.counts.get(shopId);
    return c && c.day === Math.floor(this.now() / DAY_MS) ? c.n : 0;
  }
}

/** POST /order/202309/orders/search for one buyer since `sinceMs`, newest first, one page. */
export async function searchBuyerOrders(
  client: TikTokShopClient,
  shop: ShopAccess & { region?: string },
  buyerUserId: string,
  sinceMs: number,
): Promise<MarketplaceOrder[]> {
  const data = await client.orderCall(shop, {
    method: "POST",
    path: "/order/202309/orders/search",
    query: { page_size: ORDERS_PAGE_SIZE, sort_field: "create_time", sort_order: "DESC" },
    json: { buyer_user_id: buyerUserId, create_time_ge: Math.floor(sinceMs / 1000) },
  });
  const list = Array.isArray(data.orders) ? data.orders : [];
  return list.flatMap((o) => {
    const order = readOrder(o, shop.region || "ID");
    return order ? [order] : [];
  });
}

/** One order object of the Order API; undefined when it has no id. */
export function readOrder(v: unknown, region: string): MarketplaceOrder | undefined {
  const o = asRecord(v);
  const id = idField(o, "id");
  if (!o || !id) return undefined;
  const payment = asRecord(o.payment);
  const items: MarketplaceOrder["items"] = [];
  // No quantity field: each line item is one unit, so equal SKUs are counted together.
  const bySku = new Map<string, { name: string; quantity: number }>();
  for (const li of Array.isArray(o.line_items) ? o.line_items : []) {
    const r = asRecord(li);
    const name = strField(r, "product_name") ?? "?";
    const key = idField(r, "sku_id") ?? name;
    const seen = bySku.get(key);
    if (seen) seen.quantity++;
    else {
      const item = { name, quantity: 1 };
      bySku.set(key, item);
      items.push(item);
    }
  }
  const tracking = strField(o, "tracking_number");
  const carrier = strField(o, "shipping_provider");
  return {
    id,
    status: strField(o, "status") ?? "UNKNOWN",
    createdAt: (numField(o, "create_time") ?? 0) * 1000,
    total: strField(payment, "total_amount") ?? "0",
    currency: strField(payment, "currency") ?? "",
    items,
    ...(tracking ? { trackingNumber: tracking } : {}),
    ...(carrier ? { carrier } : {}),
    link: SELLER_CENTER_ORDER_URL.replace("{order_id}", encodeURIComponent(id)).replace(
      "{region}",
      encodeURIComponent(region),
    ),
  };
}
