/**
 * TikTok Shop checks that ask the platform (one probe per seller, shared): that it answers at all, then the
 * Customer Service scope, the shops still authorized, and the app's IP allow list. When the platform cannot be
 * reached, `tiktokshop.api` fails once and the three others are skipped.
 */
import { CS_SCOPE, TTS_ERR } from "../../sources/tiktokshop/index.js";
import type { Check, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";
import { unreachable, unreachableReason } from "../unreachable.js";
import { REAUTH_FIX, worst } from "./tiktokshop-outcomes.js";
import { probeSellers, type SellerProbe, sellerForShop, shopsInScope } from "./tiktokshop-probe.js";
import { SELLERS } from "./tiktokshop-tokens.js";

const API = "tiktokshop.api";
const apiUrl = (c: { config: { endpoints: { tiktokshopApi: string } } }) => c.config.endpoints.tiktokshopApi;

export const api: Check = {
  id: API,
  title: "Tokopedia & Shop API answers this server",
  needs: [SELLERS],
  calls: apiUrl,
  async run(ctx) {
    const probes = await probeSellers(ctx);
    for (const p of probes) {
      const reason = p.shopsError && unreachableReason(p.shopsError);
      if (reason) return unreachable("Tokopedia & Shop", apiUrl(ctx), reason, "the sellers' authorizations");
    }
    return pass(`answered the probe of ${probes.length} seller(s)`);
  },
};

export const scope: Check = {
  id: "tiktokshop.scope",
  title: "Tokopedia & Shop Customer Service scope",
  needs: [API],
  calls: apiUrl,
  async run(ctx) {
    const scopeFix =
      "get the Customer Service API (seller.customer_service) approved for the app in Partner Center, then have the seller re-authorize and run `tokokommo shops add --source tiktokshop ...`";
    const probes = await probeSellers(ctx);
    return worst(
      probes.map((p) => {
        const who = p.seller.meta.sellerName ?? p.seller.meta.openId;
        if (!p.seller.meta.grantedScopes.includes(CS_SCOPE))
          return fail(`${who}: the seller's grant lacks ${CS_SCOPE}`, scopeFix);
        if (p.csError?.code === TTS_ERR.SCOPE_MISSING)
          return fail(
            `${who}: Tokopedia & Shop denied a Customer Service call (105005 Access denied)`,
            scopeFix,
          );
        if (p.csTried && !p.csError) return pass(`${who}: ${CS_SCOPE} granted and a chat read succeeded`);
        const why = p.csError ?? p.shopsError;
        return warn(
          `${who}: ${CS_SCOPE} is in the grant, but a live call could not confirm it${why ? ` (${why.code})` : ""}`,
          why?.fix,
        );
      }),
      "no seller tokens",
    );
  },
};

/** A failed shops call: token problems mean the authorization is gone; other problems mean "cannot tell". */
function fromProbeError(p: SellerProbe, what: string): Outcome {
  const e = p.shopsError;
  if (!e) return warn(`${what}: not checked`);
  if (
    e.code === TTS_ERR.TOKEN_INVALID ||
    e.code === TTS_ERR.REAUTH_NEEDED ||
    e.code === TTS_ERR.NOT_AUTHORIZED
  ) {
    return fail(
      `${what}: the platform refused the seller's token (${e.code}); the seller may have revoked access`,
      REAUTH_FIX,
    );
  }
  return warn(`${what}: cannot tell (${e.code}: ${e.message})`, e.fix);
}

export const shopsAuthorized: Check = {
  id: "tiktokshop.shops-authorized",
  title: "Tokopedia & Shop shops still authorized",
  needs: [API],
  calls: apiUrl,
  async run(ctx) {
    const probes = await probeSellers(ctx);
    const sellers = probes.map((q) => q.seller);
    return worst(
      shopsInScope(ctx).map((shop) => {
        const seller = sellerForShop(sellers, shop);
        const p = probes.find((x) => x.seller === seller);
        if (!p) return fail(`shop ${shop.shopId}: no stored seller authorization`, REAUTH_FIX);
        if (p.shopIds) {
          return p.shopIds.includes(shop.shopId)
            ? pass(`shop ${shop.shopId} authorized`)
            : fail(`shop ${shop.shopId} is no longer among the seller's authorized shops`, REAUTH_FIX);
        }
        return fromProbeError(p, `shop ${shop.shopId}`);
      }),
      "no shops",
    );
  },
};

export const ipAllowList: Check = {
  id: "tiktokshop.ip-allowlist",
  title: "Tokopedia & Shop IP allow list",
  needs: [API],
  calls: apiUrl,
  async run(ctx) {
    const probes = await probeSellers(ctx);
    const refused = probes.find((p) => p.shopsError?.code === TTS_ERR.IP_NOT_ALLOWED);
    if (refused) {
      const ip = ctx.config.server.egressIp;
      return fail(
        "Tokopedia & Shop refused calls from this server's IP (36009033)",
        `add this server's public egress IP${ip ? ` (${ip})` : ""} to the app's IP allow list in Partner Center`,
      );
    }
    if (probes.some((p) => p.shopIds)) return pass("calls from this server's IP are accepted");
    const e = probes.find((p) => p.shopsError)?.shopsError;
    return warn(`cannot tell: no call went through${e ? ` (${e.code})` : ""}`, e?.fix);
  },
};
