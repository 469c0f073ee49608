/**
 * With replicas, a process works the periodic chores of the shops it holds only: the view filters `allShops` and
 * `shopByKey` by the lease, follows a lease that moves, and leaves `shop` (where waits start) unfiltered.
 */
import { expect, it } from "vitest";
import { ownedShops } from "../../src/bridge/owned-shops.js";
import type { ShopBinding } from "../../src/bridge/topology.js";

const shop = (shopId: string) => ({ source: "tokopedia", shopId }) as ShopBinding;

it("filters allShops and shopByKey by the lease, live, and never shop()", () => {
  const shops = [shop("1"), shop("2"), shop("3")];
  const topology = {
    shop: (_source: string, id: string) => shops.find((s) => s.shopId === id),
    shopByKey: (key: string) => shops.find((s) => `tokopedia:${s.shopId}` === key),
    allShops: () => shops,
  };
  const held = new Set(["1"]);
  const view = ownedShops(topology, (s) => held.has(s.shopId));
  expect(view.allShops().map((s) => s.shopId)).toEqual(["1"]);
  expect(view.shopByKey("tokopedia:2")).toBeUndefined();
  expect(view.shopByKey("tokopedia:1")?.shopId).toBe("1");
  expect(view.shop("tokopedia", "2")?.shopId).toBe("2");
  held.add("2"); // the lease of shop 2 moved here
  expect(view.allShops().map((s) => s.shopId)).toEqual(["1", "2"]);
  expect(view.shopByKey("tokopedia:2")?.shopId).toBe("2");
});
