/**
 * Simulated Order API 202309 (docs/platforms/tiktokshop.md#orders): Search Orders with its buyer filter, time
 * windows, sort and page size, behind the same gateway as the chat calls but needing the Order Information scope
 * (`seller.order.info`; without it the gateway answers 105005). Orders are seeded per shop and buyer through the
 * control API, and a status change sends the type-1 ORDER_STATUS_CHANGE webhook.
 */
import type { SimCore } from "./core.js";
import type { GatewayPass, RouteDef } from "./gateway.js";
import type { HandlerResult } from "./open-api.js";
import { nextId } from "./state.js";
import { pageAfterToken } from "./wire.js";

export const ORDER_SCOPE = "seller.order.info";

export const ORDER_STATUSES = [
  "UNPAID",
  "ON_HOLD",
  "AWAITING_SHIPMENT",
  "PARTIALLY_SHIPPING",
  "AWAITING_COLLECTION",
  "IN_TRANSIT",
  "DELIVERED",
  "COMPLETED",
  "CANCELLED",
] as const;
export type SimOrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_ROUTES: RouteDef[] = [
  {
    method: "POST",
    path: "/order/202309/orders/search",
    cipher: "required",
    scope: ORDER_SCOPE,
    body: "json",
    key: "order_search",
  },
];

export interface SimOrderItem {
  name: string;
  skuId: string;
  /** Decimal string, as on the wire. */
  price: string;
}

export interface SimOrder {
  id: string;
  shopId: string;
  buyerUserId: string;
  status: SimOrderStatus;
  /** Unix seconds. */
  createTime: number;
  updateTime: number;
  currency: string;
  /** One entry per unit: the platform has no quantity field, two of a SKU are two line items. */
  items: SimOrderItem[];
  shippingFee: string;
  trackingNumber: string;
  carrier: string;
  platform: "TOKOPEDIA" | "TIKTOK_SHOP";
}

export interface SimOrderInput {
  status?: SimOrderStatus;
  /** How long ago the order was placed (default 0). */
  daysAgo?: number;
  /** Items as name × quantity at a unit price (decimal string, IDR). */
  items?: Array<{ name: string; quantity?: number; price?: string }>;
  shippingFee?: string;
  platform?: "TOKOPEDIA" | "TIKTOK_SHOP";
}

/** The control API's order functions (TikTokShopSim.orders). */
export interface SimOrdersControl {
  /** Seeds an order of `buyerUserId` (the conversation participant's user_id) in a shop; returns its id. */
  add(shopId: string, buyerUserId: string, input?: SimOrderInput): string;
  /**
   * Changes an order's status (and its tracking number and carrier, for shipping states) and sends the type-1
   * webhook; `wireStatus: "CANCEL"` sends the webhook's older spelling of CANCELLED.
   */
  setStatus(
    orderId: string,
    status: SimOrderStatus,
    shipping?: { trackingNumber: string; carrier: string },
    wireStatus?: string,
  ): void;
  get(orderId: string): SimOrder | undefined;
}

const ordersByCore = new WeakMap<SimCore, Map<string, SimOrder>>();

function ordersOf(core: SimCore): Map<string, SimOrder> {
  let m = ordersByCore.get(core);
  if (!m) {
    m = new Map();
    ordersByCore.set(core, m);
  }
  return m;
}

export function ordersControl(core: SimCore): SimOrdersControl {
  const orders = ordersOf(core);
  return {
    add(shopId, buyerUserId, input = {}) {
      if (!core.state.shops.has(shopId)) throw new Error(`sim: unknown shop ${shopId}`);
      const created = core.nowSec() - Math.round((input.daysAgo ?? 0) * 86_400);
      const items = (input.items ?? [{ name: "Kaos Polos", quantity: 1, price: "50000" }]).flatMap((it, i) =>
        Array.from({ length: it.quantity ?? 1 }, () => ({
          name: it.name,
          skuId: `17${String(i).padStart(17, "0")}`,
          price: it.price ?? "50000",
        })),
      );
      const order: SimOrder = {
        id: nextId(),
        shopId,
        buyerUserId,
        status: input.status ?? "AWAITING_SHIPMENT",
        createTime: created,
        updateTime: created,
        currency: "IDR",
        items,
        shippingFee: input.shippingFee ?? "10000",
        trackingNumber: "",
        carrier: "",
        platform: input.platform ?? "TOKOPEDIA",
      };
      orders.set(order.id, order);
      return order.id;
    },
    setStatus(orderId, status, shipping, wireStatus) {
      const o = orders.get(orderId);
      if (!o) throw new Error(`sim: unknown order ${orderId}`);
      o.status = status;
      o.updateTime = core.nowSec();
      if (shipping) {
        o.trackingNumber = shipping.trackingNumber;
        o.carrier = shipping.carrier;
      }
      core.webhooks.emit(1, o.shopId, {
        order_id: o.id,
        order_status: wireStatus ?? status,
        is_on_hold_order: false,
        update_time: o.updateTime,
      });
    },
    get: (orderId) => {
      const o = orders.get(orderId);
      return o ? { ...o, items: [...o.items] } : undefined;
    },
  };
}

const INVALID = (why: string): HandlerResult => ({ code: 36009004, message: `Invalid parameter: ${why}` });

interface SearchFilter {
  status?: string;
  buyer?: string;
  createGe?: number;
  createLt?: number;
  updateGe?: number;
  updateLt?: number;
}

/** Body filters, type-checked as the platform does; a wrong type is an invalid parameter. */
function readFilter(json: Record<string, unknown>): SearchFilter | string {
  const f: SearchFilter = {};
  const str = (k: string) => json[k] === undefined || typeof json[k] === "string";
  const int = (k: string) => json[k] === undefined || (Number.isInteger(json[k]) && (json[k] as number) >= 0);
  for (const k of ["order_status", "buyer_user_id", "shipping_type"]) if (!str(k)) return k;
  for (const k of ["create_time_ge", "create_time_lt", "update_time_ge", "update_time_lt"])
    if (!int(k)) return k;
  if (
    json.order_status !== undefined &&
    !(ORDER_STATUSES as readonly string[]).includes(String(json.order_status))
  )
    return "order_status";
  if (typeof json.order_status === "string") f.status = json.order_status;
  if (typeof json.buyer_user_id === "string") f.buyer = json.buyer_user_id;
  if (typeof json.create_time_ge === "number") f.createGe = json.create_time_ge;
  if (typeof json.create_time_lt === "number") f.createLt = json.create_time_lt;
  if (typeof json.update_time_ge === "number") f.updateGe = json.update_time_ge;
  if (typeof json.update_time_lt === "number") f.updateLt = json.update_time_lt;
  return f;
}

function matches(o: SimOrder, f: SearchFilter, nowSec: number): boolean {
  if (f.status !== undefined && o.status !== f.status) return false;
  if (f.buyer !== undefined && o.buyerUserId !== f.buyer) return false;
  // [ge, lt); with only ge, lt is now.
  if (f.createGe !== undefined && o.createTime < f.createGe) return false;
  if (o.createTime >= (f.createLt ?? (f.createGe !== undefined ? nowSec + 1 : Number.MAX_SAFE_INTEGER)))
    return false;
  if (f.updateGe !== undefined && o.updateTime < f.updateGe) return false;
  if (f.updateLt !== undefined && o.updateTime >= f.updateLt) return false;
  return true;
}

/** POST /order/202309/orders/search (the gateway has passed: signature, token, cipher, scope). */
export function handleOrderApi(core: SimCore, pass: GatewayPass, body: Buffer): HandlerResult {
  const q = pass.query;
  let json: Record<string, unknown> = {};
  if (body.length > 0) {
    const v = parseObject(body);
    if (!v) return INVALID("body must be a JSON object");
    json = v;
  }
  const sizeRaw = q.get("page_size");
  if (sizeRaw === null || !/^\d+$/.test(sizeRaw) || Number(sizeRaw) < 1 || Number(sizeRaw) > 100)
    return INVALID("page_size is required, 1..100");
  const size = Number(sizeRaw);
  const field = q.get("sort_field") ?? "create_time";
  const order = q.get("sort_order") ?? "DESC";
  if (field !== "create_time" && field !== "update_time") return INVALID("sort_field");
  if (order !== "ASC" && order !== "DESC") return INVALID("sort_order");
  const filter = readFilter(json);
  if (typeof filter === "string") return INVALID(filter);
  const key = (o: SimOrder) => (field === "create_time" ? o.createTime : o.updateTime);
  const all = [...ordersOf(core).values()]
    .filter((o) => o.shopId === pass.shop!.id && matches(o, filter, core.nowSec()))
    .sort((a, b) => key(a) - key(b) || (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  if (order === "DESC") all.reverse();
  const paged = pageAfterToken(all, q.get("page_token"), "ord", size);
  if (!paged) return INVALID("page_token");
  return {
    code: 0,
    data: {
      next_page_token: paged.nextPageToken,
      total_count: all.length,
      orders: paged.page.map(orderJson),
    },
  };
}

function parseObject(body: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body.toString("utf8"));
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function orderJson(o: SimOrder): Record<string, unknown> {
  const sub = o.items.reduce((s, it) => s + Number(it.price), 0);
  return {
    id: o.id,
    status: o.status,
    create_time: o.createTime,
    update_time: o.updateTime,
    user_id: o.buyerUserId,
    payment: {
      currency: o.currency,
      sub_total: String(sub),
      shipping_fee: o.shippingFee,
      total_amount: String(sub + Number(o.shippingFee)),
    },
    line_items: o.items.map((it, i) => ({
      id: `${o.id.slice(0, 12)}${String(i).padStart(7, "0")}`,
      sku_id: it.skuId,
      product_name: it.name,
      sale_price: it.price,
      currency: o.currency,
      display_status: o.status,
      tracking_number: o.trackingNumber,
      shipping_provider_name: o.carrier,
    })),
    tracking_number: o.trackingNumber,
    shipping_provider: o.carrier,
    commerce_platform: o.platform,
  };
}
