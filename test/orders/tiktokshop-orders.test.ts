/**
 * The Order API as the TikTok Shop source uses it, against the simulator over real HTTP: Search Orders filtered by
 * buyer and create time, newest first, one page; refused without the Order scope; counted apart from the CS quota;
 * the type-1 webhook parsed into an order-status hint.
 */
import { afterEach, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { parseWebhookBody } from "../../src/sources/tiktokshop/index.js";
import { makeFixture, type TtsFixture } from "../tiktokshop/harness.js";

const DAY = 86_400_000;
let fx: TtsFixture | undefined;

afterEach(async () => {
  await fx?.sim.close();
  fx = undefined;
});

async function orderFixture(): Promise<TtsFixture> {
  fx = await makeFixture();
  fx.sim.setScopes(fx.openId, ["seller.authorization.info", "seller.customer_service", "seller.order.info"]);
  return fx;
}

describe("TikTok Shop orders", () => {
  it("lists the buyer's orders of the window, newest first, with items counted per SKU", async () => {
    const { sim, source, shopId } = await orderFixture();
    const old = sim.orders.add(shopId, "7001", { daysAgo: 100 });
    const first = sim.orders.add(shopId, "7001", {
      daysAgo: 10,
      items: [{ name: "Kaos Merah L", quantity: 2, price: "60000" }],
      shippingFee: "9000",
    });
    const second = sim.orders.add(shopId, "7001", { daysAgo: 1, status: "UNPAID" });
    sim.orders.add(shopId, "7002", { daysAgo: 1 });
    const orders = await source.recentOrders(shopId, "7001", Date.now() - 90 * DAY);
    expect(orders.map((o) => o.id)).toEqual([second, first]);
    expect(orders.map((o) => o.id)).not.toContain(old);
    const o = orders[1]!;
    expect(o).toMatchObject({
      status: "AWAITING_SHIPMENT",
      total: "129000",
      currency: "IDR",
      items: [{ name: "Kaos Merah L", quantity: 2 }],
    });
    expect(o.link).toBe(`https://seller-id.tokopedia.com/order/detail?order_no=${first}&shop_region=ID`);
    expect(o.trackingNumber).toBeUndefined();
    sim.orders.setStatus(first, "IN_TRANSIT", { trackingNumber: "JX123", carrier: "J&T Express" });
    const again = await source.recentOrders(shopId, "7001", Date.now() - 90 * DAY);
    expect(again[1]).toMatchObject({ status: "IN_TRANSIT", trackingNumber: "JX123", carrier: "J&T Express" });
    // Order calls are counted, and not against the Customer Service quota.
    expect(source.orderCallsToday(shopId)).toBe(2);
    expect(source.quotaUsage(shopId)?.used ?? 0).toBe(0);
  });

  it("is refused with the platform's scope error when the app lacks the Order scope", async () => {
    fx = await makeFixture();
    const err = await fx.source.recentOrders(fx.shopId, "7001", Date.now() - DAY).catch((e: unknown) => e);
    expect(isTkError(err) && err.code).toBe("TK_ERR_TIKTOKSHOP_SCOPE_MISSING");
    expect(fx.sim.calls().at(-1)).toMatchObject({ path: "/order/202309/orders/search", code: 105005 });
  });

  it("the simulator is strict: page_size is required and bounded, filters are typed", async () => {
    const { sim, source, shopId, openId } = await orderFixture();
    const shop = { shopId, openId, cipher: source.client.auth.meta(openId)!.shops![0]!.cipher };
    const search = (query: Record<string, string | number>, json: unknown) =>
      source.client
        .orderCall(shop, { method: "POST", path: "/order/202309/orders/search", query, json })
        .catch((e: unknown) => e);
    for (const [query, json] of [
      [{}, {}],
      [{ page_size: 101 }, {}],
      [{ page_size: 10 }, { buyer_user_id: 7001 }],
      [{ page_size: 10 }, { create_time_ge: "yesterday" }],
      [{ page_size: 10, sort_order: "NEWEST" }, {}],
    ] as const) {
      expect(isTkError(await search(query, json))).toBe(true);
    }
    expect(sim.calls().filter((c) => c.code === 0 && c.path.startsWith("/order/"))).toHaveLength(0);
  });

  it("sends a type-1 webhook on a status change, parsed into an order hint (CANCEL read as CANCELLED)", async () => {
    const { sim, shopId } = await orderFixture();
    const id = sim.orders.add(shopId, "7001");
    sim.orders.setStatus(id, "CANCELLED", undefined, "CANCEL");
    const n = sim.webhooksSent().find((x) => x.type === 1)!;
    const [hint] = parseWebhookBody(Buffer.from(n.body));
    expect(hint).toMatchObject({ shopId, roomId: "", order: { orderId: id, status: "CANCELLED" } });
    expect(hint!.order!.updatedAt).toBeGreaterThan(0);
  });
});
