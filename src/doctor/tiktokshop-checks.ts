/**
 * Doctor checks for Tokopedia & Shop sellers, as data: each has an id, a title and run(ctx). The coordinator
 * adapts TikTokShopCheckContext to its doctor registry. docs/troubleshooting.md (Tokopedia & Shop) explains each id.
 */

import { tiktokshopWebhookUrl } from "../setup/tiktokshop/webhook-url.js";
import { CS_SCOPE, TTS_ERR } from "../sources/tiktokshop/index.js";
import { type QuotaUsage, quotaSettings, readUsage, resetText } from "../sources/tiktokshop/quota.js";
import {
  lastWebhookSeenAt,
  probeSellers,
  type SellerProbe,
  sellerForShop,
  sellersOf,
  type TikTokShopCheckContext,
  tiktokshopShops,
} from "./tiktokshop-probe.js";

export type { TikTokShopCheckContext } from "./tiktokshop-probe.js";

export type TikTokShopCheckStatus = "pass" | "warn" | "fail";

export interface TikTokShopCheckOutcome {
  status: TikTokShopCheckStatus;
  message: string;
  fix?: string;
}

export interface TikTokShopCheck {
  id: string;
  title: string;
  run(ctx: TikTokShopCheckContext): Promise<TikTokShopCheckOutcome>;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REAUTH_FIX =
  "have the seller open the authorization link again, then run `tokokommo shops add --source tiktokshop --app APP --auth-code CODE --kommo-account NAME`";

const pass = (message: string): TikTokShopCheckOutcome => ({ status: "pass", message });
const warn = (message: string, fix?: string): TikTokShopCheckOutcome => ({
  status: "warn",
  message,
  ...(fix ? { fix } : {}),
});
const fail = (message: string, fix: string): TikTokShopCheckOutcome => ({ status: "fail", message, fix });

/** The worst outcome first; all messages joined, the first fix kept. */
function worst(outcomes: TikTokShopCheckOutcome[], allGood: string): TikTokShopCheckOutcome {
  const rank = { fail: 2, warn: 1, pass: 0 } as const;
  const bad = outcomes.filter((o) => o.status !== "pass").sort((a, b) => rank[b.status] - rank[a.status]);
  if (bad.length === 0) return pass(outcomes.length ? outcomes.map((o) => o.message).join("; ") : allGood);
  const top = bad[0]!;
  return {
    status: top.status,
    message: bad.map((o) => o.message).join("; "),
    ...(top.fix ? { fix: top.fix } : {}),
  };
}

const inDays = (ms: number) => `${(ms / DAY).toFixed(ms < 10 * DAY ? 1 : 0)} days`;
const inHours = (ms: number) => `${(ms / HOUR).toFixed(1)} h`;

/** Common preconditions: shops bound, state file present, every bound shop covered by a stored seller. */
function preconditions(ctx: TikTokShopCheckContext): TikTokShopCheckOutcome | undefined {
  const shops = tiktokshopShops(ctx.config);
  if (shops.length === 0) return pass("no Tokopedia & Shop shops are bound");
  if (!ctx.store) return fail("the state file does not exist, so no seller tokens are stored", REAUTH_FIX);
  const sellers = sellersOf(ctx);
  const orphans = shops.filter((s) => !sellerForShop(sellers, s));
  if (orphans.length > 0) {
    return fail(
      `no stored seller authorization covers shop ${orphans.map((s) => s.shopId).join(", ")}`,
      REAUTH_FIX,
    );
  }
  return undefined;
}

const accessToken: TikTokShopCheck = {
  id: "tiktokshop.access-token",
  title: "Tokopedia & Shop access tokens",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
    const probes = ctx.allowRefresh ? await probeSellers(ctx) : undefined;
    return worst(
      sellersOf(ctx).map((s) => {
        const who = s.meta.sellerName ?? s.meta.openId;
        if (s.meta.reauthNeeded) {
          return fail(
            `${who}: a token refresh failed (${s.meta.reauthReason ?? "authorization lapsed"})`,
            REAUTH_FIX,
          );
        }
        const left = s.token.expiresAt - ctx.now;
        if (left <= 0) {
          const refresh = probes?.find((p) => p.seller.tokenKey === s.tokenKey)?.refresh;
          if (refresh?.ok) return pass(`${who}: access token had expired and was refreshed`);
          if (refresh && !refresh.ok)
            return fail(
              `${who}: access token expired and the refresh failed (${refresh.error.code})`,
              REAUTH_FIX,
            );
          if (s.token.refreshExpiresAt !== undefined && s.token.refreshExpiresAt <= ctx.now) {
            return fail(`${who}: access token and refresh token both expired`, REAUTH_FIX);
          }
          return warn(
            `${who}: access token expired; the daemon refreshes it on its next call (doctor does not, to keep the single-use refresh token safe)`,
            "start `tokokommo serve` (or run doctor with refresh allowed); if the refresh fails, re-authorize the seller",
          );
        }
        if (left < DAY) {
          return warn(
            `${who}: access token expires in ${inHours(left)}`,
            "nothing to do while `tokokommo serve` runs (it refreshes ahead of expiry); otherwise start it",
          );
        }
        return pass(`${who}: access token valid for ${inDays(left)}`);
      }),
      "no seller tokens",
    );
  },
};

const refreshToken: TikTokShopCheck = {
  id: "tiktokshop.refresh-token",
  title: "Tokopedia & Shop authorization (refresh token) expiry",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
    return worst(
      sellersOf(ctx).map((s) => {
        const who = s.meta.sellerName ?? s.meta.openId;
        const at = s.token.refreshExpiresAt;
        if (at === undefined || !s.token.refreshToken) {
          return warn(
            `${who}: the platform gave no refresh token expiry; cannot tell when re-authorization is due`,
          );
        }
        const left = at - ctx.now;
        if (left <= 0)
          return fail(`${who}: the refresh token (the seller's authorization) expired`, REAUTH_FIX);
        if (left < 14 * DAY) {
          return warn(
            `${who}: the seller's authorization ends in ${inDays(left)}`,
            `before then, ${REAUTH_FIX}`,
          );
        }
        return pass(`${who}: authorization valid for ${inDays(left)}`);
      }),
      "no seller tokens",
    );
  },
};

const scope: TikTokShopCheck = {
  id: "tiktokshop.scope",
  title: "Tokopedia & Shop Customer Service scope",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
    const scopeFix =
      "get the Customer Service API (seller.customer_service) approved for the app in Partner Center, then have the seller re-authorize and run `tokokommo shops add --source tiktokshop ...`";
    const probes = await probeSellers(ctx);
    return worst(
      probes.map((p) => {
        const who = p.seller.meta.sellerName ?? p.seller.meta.openId;
        if (!p.seller.meta.grantedScopes.includes(CS_SCOPE)) {
          return fail(`${who}: the seller's grant lacks ${CS_SCOPE}`, scopeFix);
        }
        if (p.csError?.code === TTS_ERR.SCOPE_MISSING) {
          return fail(
            `${who}: Tokopedia & Shop denied a Customer Service call (105005 Access denied)`,
            scopeFix,
          );
        }
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

const shopsAuthorized: TikTokShopCheck = {
  id: "tiktokshop.shops-authorized",
  title: "Tokopedia & Shop shops still authorized",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
    const probes = await probeSellers(ctx);
    return worst(
      tiktokshopShops(ctx.config).map((shop) => {
        const p = probes.find(
          (x) =>
            x.seller ===
            sellerForShop(
              probes.map((q) => q.seller),
              shop,
            ),
        );
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

/** A failed shops call: token problems mean the authorization is gone; other problems mean "cannot tell". */
function fromProbeError(p: SellerProbe, what: string): TikTokShopCheckOutcome {
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

const ipAllowList: TikTokShopCheck = {
  id: "tiktokshop.ip-allowlist",
  title: "Tokopedia & Shop IP allow list",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
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

/** Today's count of the shop's calls, as the daemon keeps it in the state file (undefined without one). */
function countedUsage(
  ctx: TikTokShopCheckContext,
  shop: { shopId: string; app: string },
): QuotaUsage | undefined {
  const app = ctx.config.tiktokshop.apps.find((a) => a.name === shop.app);
  if (!ctx.store || !app) return undefined;
  try {
    return readUsage(
      ctx.store.callCounts,
      { source: "tiktokshop", shopId: shop.shopId },
      quotaSettings(app),
      ctx.now,
    );
  } catch {
    return undefined; // a state file from before the count (not yet upgraded by the daemon)
  }
}

const quota: TikTokShopCheck = {
  id: "tiktokshop.quota",
  title: "Tokopedia & Shop daily Customer Service quota",
  async run(ctx) {
    const shops = tiktokshopShops(ctx.config);
    if (shops.length === 0) return pass("no Tokopedia & Shop shops are bound");
    const statuses = ctx.store?.shopStatus.listShopStatus().filter((s) => s.source === "tiktokshop") ?? [];
    const outcomes = shops.map((shop) => {
      const st = statuses.find((s) => s.shopId === shop.shopId);
      const recent =
        st?.lastErrorAt !== null && st?.lastErrorAt !== undefined && ctx.now - st.lastErrorAt < DAY;
      if (recent && !st.healthy && st.lastErrorCode === TTS_ERR.QUOTA_EXCEEDED) {
        return fail(
          `shop ${shop.shopId}: the daily Customer Service quota is used up`,
          "lower polling (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets",
        );
      }
      if (recent && st.lastErrorCode === TTS_ERR.RATE_LIMITED) {
        return warn(
          `shop ${shop.shopId}: rate limited in the last 24 h`,
          "lower concurrency if it keeps happening",
        );
      }
      const usage = ctx.quotaUsage?.(shop.shopId) ?? countedUsage(ctx, shop);
      if (!usage)
        return warn(
          `shop ${shop.shopId}: cannot tell quota use (no state file yet: the daemon counts the calls it makes)`,
        );
      const spent = `${usage.used} of ${usage.limit} daily calls used`;
      const reset = usage.resetsAt !== undefined ? ` until the reset at ${resetText(usage.resetsAt)}` : "";
      if (usage.exhausted) {
        return fail(
          `shop ${shop.shopId}: ${spent}: the quota is spent; replies fail and sweeps pause${reset}`,
          "poll less (sync.pollIntervalSeconds) or use webhook mode; check tiktokshop.apps[].dailyCallQuota matches the platform's quota",
        );
      }
      if (usage.readsStopped) {
        return warn(
          `shop ${shop.shopId}: ${spent}: reads and sweeps stopped, the rest is kept for replies${reset}`,
          "poll less (sync.pollIntervalSeconds) or use webhook mode",
        );
      }
      const share = usage.used / usage.limit;
      if (share >= 0.8) {
        return warn(
          `shop ${shop.shopId}: ${spent}`,
          "lower polling (sync.pollIntervalSeconds) or rely on webhooks",
        );
      }
      return pass(`shop ${shop.shopId}: ${spent}`);
    });
    return worst(outcomes, "no shops");
  },
};

const webhookSeen: TikTokShopCheck = {
  id: "tiktokshop.webhook-seen",
  title: "Tokopedia & Shop webhooks arriving",
  async run(ctx) {
    const shops = tiktokshopShops(ctx.config);
    if (shops.length === 0) return pass("no Tokopedia & Shop shops are bound");
    if (ctx.config.sync.mode === "poll") return pass('sync.mode is "poll": webhooks are not used');
    const apps = [...new Set(shops.map((s) => s.app))];
    const urls = apps.map((a) => tiktokshopWebhookUrl(ctx.config, a).url ?? "(set server.publicUrl first)");
    const fix = `set the webhook URL in Partner Center (app → Basic information → HTTP server URL): ${urls.join(", ")}`;
    if (!ctx.store) return warn("no state file yet: no webhook has been seen", fix);
    const at = lastWebhookSeenAt(ctx.store, "tiktokshop");
    if (at === undefined) return warn("no Tokopedia & Shop webhook has ever been received", fix);
    const ago = ctx.now - at;
    if (ago > DAY) return warn(`the last Tokopedia & Shop webhook arrived ${inDays(ago)} ago`, fix);
    return pass(`last webhook ${inHours(Math.max(0, ago))} ago`);
  },
};

const authorization: TikTokShopCheck = {
  id: "tiktokshop.authorization",
  title: "Tokopedia & Shop authorization not revoked or expiring",
  async run(ctx) {
    const pre = preconditions(ctx);
    if (pre) return pre;
    const sellers = sellersOf(ctx);
    const statuses = ctx.store?.shopStatus.listShopStatus().filter((s) => s.source === "tiktokshop") ?? [];
    return worst(
      tiktokshopShops(ctx.config).map((shop) => {
        const st = statuses.find((s) => s.shopId === shop.shopId);
        const obtained = sellerForShop(sellers, shop)?.token.obtainedAt ?? 0;
        // Only events after the current authorization count: re-authorizing clears them.
        if (!st || st.lastErrorAt === null || st.lastErrorAt < obtained)
          return pass(`shop ${shop.shopId} authorized`);
        if (st.lastErrorCode === "TK_ERR_SHOP_DEAUTHORIZED") {
          return fail(`shop ${shop.shopId}: the seller revoked the authorization`, REAUTH_FIX);
        }
        if (st.lastErrorCode === "TK_ERR_SHOP_AUTH_EXPIRING") {
          return warn(
            `shop ${shop.shopId}: the seller's authorization expires soon`,
            `ask the seller to re-authorize: ${REAUTH_FIX}`,
          );
        }
        return pass(`shop ${shop.shopId} authorized`);
      }),
      "no shops",
    );
  },
};

/** In the order doctor prints them. */
export const tiktokshopChecks: readonly TikTokShopCheck[] = [
  accessToken,
  refreshToken,
  scope,
  shopsAuthorized,
  ipAllowList,
  quota,
  webhookSeen,
  authorization,
];
