/**
 * TikTok Shop ("Tokopedia & Shop") checks, for the shops with `"source": "tiktokshop"` in scope. The first,
 * `tiktokshop.sellers`, checks that a stored seller authorization covers every such shop; the checks that judge
 * those authorizations need it, so one missing authorization is one failure and the rest are skipped.
 * docs/troubleshooting.md (Tokopedia & Shop) explains each id.
 */
import type { Check, CheckGroup } from "../types.js";
import { fail, pass } from "../types.js";
import { api, ipAllowList, scope, shopsAuthorized } from "./tiktokshop-live.js";
import { orderScope } from "./tiktokshop-orders.js";
import { REAUTH_FIX } from "./tiktokshop-outcomes.js";
import { sellerForShop, sellersOf, shopsInScope } from "./tiktokshop-probe.js";
import { accessToken, authorization, refreshToken, SELLERS } from "./tiktokshop-tokens.js";
import { quota, webhookSeen } from "./tiktokshop-usage.js";

const sellers: Check = {
  id: SELLERS,
  title: "Tokopedia & Shop sellers' authorizations stored",
  needs: ["config.valid", "state.readable"],
  run(ctx) {
    const shops = shopsInScope(ctx);
    if (!ctx.store())
      return fail("the state file does not exist, so no seller tokens are stored", REAUTH_FIX);
    const stored = sellersOf(ctx);
    const orphans = shops.filter((s) => !sellerForShop(stored, s));
    if (orphans.length > 0)
      return fail(
        `no stored seller authorization covers shop ${orphans.map((s) => s.shopId).join(", ")}`,
        REAUTH_FIX,
      );
    return pass(`${stored.length} seller authorization(s) cover the ${shops.length} shop(s)`);
  },
};

/** In the order doctor lists them (each after the checks it needs). */
export const TIKTOKSHOP_CHECKS: readonly Check[] = [
  sellers,
  accessToken,
  refreshToken,
  api,
  scope,
  orderScope,
  shopsAuthorized,
  ipAllowList,
  quota,
  webhookSeen,
  authorization,
];

export const tiktokshopChecks: CheckGroup = {
  name: "tiktokshop",
  checks(ctx) {
    if (!ctx.configState.ok || shopsInScope(ctx).length === 0) return [];
    return [...TIKTOKSHOP_CHECKS];
  },
};
