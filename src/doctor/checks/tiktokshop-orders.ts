/**
 * The orders note on leads needs the Order Information package on the app (token scope `seller.order.info`).
 * Judged from the seller's stored grant, without a call: missing, the feature stays off for the seller's shops
 * (the daemon warns once) and chat is unaffected, so this warns rather than fails.
 */
import { ORDER_SCOPE } from "../../sources/tiktokshop/index.js";
import type { Check } from "../types.js";
import { pass, warn } from "../types.js";
import { worst } from "./tiktokshop-outcomes.js";
import { sellerForShop, sellersOf, shopsInScope } from "./tiktokshop-probe.js";
import { SELLERS } from "./tiktokshop-tokens.js";

export const ORDERS_SCOPE_FIX =
  "add the Order Information package (seller.order.info) to the app in Partner Center (no approval needed), have the seller re-authorize and run `tokokommo shops add --source tiktokshop ...`; or set `orders.enabled` to false";

export const orderScope: Check = {
  id: "tiktokshop.order-scope",
  title: "Tokopedia & Shop Order scope (orders on leads)",
  needs: [SELLERS],
  run(ctx) {
    const sellers = sellersOf(ctx);
    const enabledShops = shopsInScope(ctx).filter((s) => s.orders?.enabled ?? ctx.config.orders.enabled);
    if (enabledShops.length === 0) return pass("orders on leads are off (`orders.enabled`)");
    return worst(
      enabledShops.map((shop) => {
        const seller = sellerForShop(sellers, shop);
        const who = seller?.meta.sellerName ?? shop.shopId;
        if (seller && !seller.meta.grantedScopes.includes(ORDER_SCOPE))
          return warn(
            `${who}: the seller's grant lacks ${ORDER_SCOPE}: orders on leads stay off for shop ${shop.shopId}, chat is unaffected`,
            ORDERS_SCOPE_FIX,
          );
        return pass(`${who}: ${ORDER_SCOPE} granted`);
      }),
      "no seller tokens",
    );
  },
};
