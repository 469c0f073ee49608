/**
 * TikTok Shop checks on the sellers' stored authorizations (state file): the access token, the refresh token
 * (the end of the seller's authorization), and revocation or expiry events the platform sent. Each needs
 * `tiktokshop.sellers`: without a stored seller there is nothing to judge.
 */
import type { Check, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";
import { DAY, inDays, inHours, REAUTH_FIX, worst } from "./tiktokshop-outcomes.js";
import {
  probeSellers,
  type SellerProbe,
  type SellerState,
  sellerForShop,
  sellersOf,
  shopsInScope,
} from "./tiktokshop-probe.js";

export const SELLERS = "tiktokshop.sellers";

/** One seller's access token at `now` (`refresh`: what a refresh during the probe did, when one was allowed). */
function judgeAccessToken(s: SellerState, now: number, refresh: SellerProbe["refresh"]): Outcome {
  const who = s.meta.sellerName ?? s.meta.openId;
  if (s.meta.reauthNeeded)
    return fail(
      `${who}: a token refresh failed (${s.meta.reauthReason ?? "authorization lapsed"})`,
      REAUTH_FIX,
    );
  const left = s.token.expiresAt - now;
  if (left <= 0) {
    if (refresh?.ok) return pass(`${who}: access token had expired and was refreshed`);
    if (refresh && !refresh.ok)
      return fail(`${who}: access token expired and the refresh failed (${refresh.error.code})`, REAUTH_FIX);
    if (s.token.refreshExpiresAt !== undefined && s.token.refreshExpiresAt <= now)
      return fail(`${who}: access token and refresh token both expired`, REAUTH_FIX);
    return warn(
      `${who}: access token expired; the daemon refreshes it on its next call (doctor does not, to keep the single-use refresh token safe)`,
      "start `tokokommo serve` (it refreshes the token on its next call); if that refresh fails, re-authorize the seller",
    );
  }
  if (left < DAY)
    return warn(
      `${who}: access token expires in ${inHours(left)}`,
      "nothing to do while `tokokommo serve` runs (it refreshes ahead of expiry); otherwise start it",
    );
  return pass(`${who}: access token valid for ${inDays(left)}`);
}

export const accessToken: Check = {
  id: "tiktokshop.access-token",
  title: "Tokopedia & Shop access tokens",
  needs: [SELLERS],
  calls: (c) => c.config.endpoints.tiktokshopAuth,
  async run(ctx) {
    const probes = ctx.options.tiktokshop?.allowRefresh ? await probeSellers(ctx) : undefined;
    return worst(
      sellersOf(ctx).map((s) =>
        judgeAccessToken(s, ctx.now(), probes?.find((p) => p.seller.tokenKey === s.tokenKey)?.refresh),
      ),
      "no seller tokens",
    );
  },
};

export const refreshToken: Check = {
  id: "tiktokshop.refresh-token",
  title: "Tokopedia & Shop authorization (refresh token) expiry",
  needs: [SELLERS],
  run(ctx) {
    return worst(
      sellersOf(ctx).map((s) => {
        const who = s.meta.sellerName ?? s.meta.openId;
        const at = s.token.refreshExpiresAt;
        if (at === undefined || !s.token.refreshToken)
          return warn(
            `${who}: the platform gave no refresh token expiry; cannot tell when re-authorization is due`,
          );
        const left = at - ctx.now();
        if (left <= 0)
          return fail(`${who}: the refresh token (the seller's authorization) expired`, REAUTH_FIX);
        if (left < 14 * DAY)
          return warn(
            `${who}: the seller's authorization ends in ${inDays(left)}`,
            `before then, ${REAUTH_FIX}`,
          );
        return pass(`${who}: authorization valid for ${inDays(left)}`);
      }),
      "no seller tokens",
    );
  },
};

export const authorization: Check = {
  id: "tiktokshop.authorization",
  title: "Tokopedia & Shop authorization not revoked or expiring",
  needs: [SELLERS],
  async run(ctx) {
    const sellers = sellersOf(ctx);
    const statuses = ((await ctx.store()?.listShopStatus()) ?? []).filter((s) => s.source === "tiktokshop");
    return worst(
      shopsInScope(ctx).map((shop) => {
        const st = statuses.find((s) => s.shopId === shop.shopId);
        const obtained = sellerForShop(sellers, shop)?.token.obtainedAt ?? 0;
        // Only events after the current authorization count: re-authorizing clears them.
        if (!st || st.lastErrorAt === null || st.lastErrorAt < obtained)
          return pass(`shop ${shop.shopId} authorized`);
        if (st.lastErrorCode === "TK_ERR_SHOP_DEAUTHORIZED")
          return fail(`shop ${shop.shopId}: the seller revoked the authorization`, REAUTH_FIX);
        if (st.lastErrorCode === "TK_ERR_SHOP_AUTH_EXPIRING")
          return warn(
            `shop ${shop.shopId}: the seller's authorization expires soon`,
            `ask the seller to re-authorize: ${REAUTH_FIX}`,
          );
        return pass(`shop ${shop.shopId} authorized`);
      }),
      "no shops",
    );
  },
};
