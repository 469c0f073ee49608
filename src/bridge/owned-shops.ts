/**
 * The shops whose periodic chores (the reply guard's tasks and tags, the pending leads' acceptance checks) run in
 * this process. With replicas on one database, only those whose lease it holds (the poller's `sweepsShop`): two
 * replicas must never both create a task for one wait or enrich one lead, and a lease that moves takes the shop's
 * chores along with its sweeps. `shop` stays unfiltered: a wait starts on whichever replica takes the message.
 */
import type { ShopBinding, Topology } from "./topology.js";

export type ShopChores = Pick<Topology, "shop" | "shopByKey" | "allShops">;

export function ownedShops(topology: ShopChores, owns: (shop: ShopBinding) => boolean): ShopChores {
  return {
    shop: (source, shopId) => topology.shop(source, shopId),
    shopByKey: (key) => {
      const shop = topology.shopByKey(key);
      return shop && owns(shop) ? shop : undefined;
    },
    allShops: () => topology.allShops().filter((s) => owns(s)),
  };
}
