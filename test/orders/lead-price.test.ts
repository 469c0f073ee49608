/**
 * The lead's sale value from orders: the latest open order's total, only when the lead has none (a manager's value
 * stays) and only once it has left the incoming stage; nothing for closed orders or totals that are not whole.
 */
import { describe, expect, it } from "vitest";
import { priceFromOrders } from "../../src/bridge/lead-price.js";
import type { KommoRestPort } from "../../src/bridge/ports.js";
import type { MarketplaceOrder } from "../../src/domain/orders.js";

function rest(state: { price: number; incoming: boolean }) {
  const writes: Array<[number, number]> = [];
  const port: KommoRestPort = {
    leadPriceState: async () => state,
    setLeadPrice: async (leadId, price) => {
      writes.push([leadId, price]);
    },
  };
  return { port, writes };
}

const order = (id: string, status: string, total: string): MarketplaceOrder => ({
  id,
  status,
  total,
  currency: "IDR",
  createdAt: 0,
  items: [],
});

describe("lead price from orders", () => {
  const orders = [
    order("3", "DELIVERED", "90000"),
    order("2", "IN_TRANSIT", "35000"),
    order("1", "UNPAID", "5"),
  ];

  it("writes the latest open order's total to a lead that left incoming and has no value", async () => {
    const r = rest({ price: 0, incoming: false });
    expect(await priceFromOrders(r.port, 7, orders)).toBe("set");
    expect(r.writes).toEqual([[7, 35000]]);
  });

  it("never writes to an incoming lead, nor over a manager's value", async () => {
    const incoming = rest({ price: 0, incoming: true });
    expect(await priceFromOrders(incoming.port, 7, orders)).toBe("incoming");
    const priced = rest({ price: 120000, incoming: false });
    expect(await priceFromOrders(priced.port, 7, orders)).toBe("has-price");
    expect([...incoming.writes, ...priced.writes]).toEqual([]);
  });

  it("writes nothing without an open order or with a total that is not whole", async () => {
    const r = rest({ price: 0, incoming: false });
    expect(await priceFromOrders(r.port, 7, [order("9", "COMPLETED", "5000")])).toBe("no-open-order");
    expect(await priceFromOrders(r.port, 7, [order("9", "UNPAID", "5000.50")])).toBe("no-open-order");
    expect(r.writes).toEqual([]);
  });
});
