/**
 * What the TikTok Shop doctor checks look at: the sellers' stored tokens (state file) and one live probe per
 * seller (Get Authorized Shops, then one Customer Service read on a bound shop).
 *
 * The probe uses the stored access token as it is and never refreshes it on its own: doctor normally opens
 * the state file read-only, and a refresh whose new pair cannot be saved would burn a single-use refresh
 * token the daemon still holds. A refresh happens only when the caller allows it (writable state file).
 */
import type { StoredToken, TokenStore } from "../auth/token-store.js";
import type { Config, Shop, TiktokshopApp } from "../config/index.js";
import { tiktokshopClient } from "../daemon/clients.js";
import { isTkError, type TkError } from "../errors/index.js";
import { TikTokShopApi, type TikTokShopTokenMeta } from "../sources/tiktokshop/index.js";
import type { QuotaUsage } from "../sources/tiktokshop/quota.js";
import type { Store } from "../store/index.js";

/** What the TikTok Shop checks get; the coordinator adapts its doctor context to this. */
export interface TikTokShopCheckContext {
  config: Config;
  /** The state file, usually opened read-only; undefined when it does not exist yet. */
  store: Store | undefined;
  /** ms since epoch. */
  now: number;
  /** Refresh an expired access token (writes the state file; needs a writable store). Default false. */
  allowRefresh?: boolean;
  /**
   * Customer Service calls used today by a shop (the platform does not say). Default: the daemon's count in the
   * state file.
   */
  quotaUsage?:
    | ((shopId: string) => (Pick<QuotaUsage, "used" | "limit"> & Partial<QuotaUsage>) | undefined)
    | undefined;
  timeoutMs?: number;
}

export interface SellerState {
  app: TiktokshopApp;
  tokenKey: string;
  token: StoredToken;
  meta: TikTokShopTokenMeta;
}

export interface SellerProbe {
  seller: SellerState;
  /** Set when allowRefresh was on and the access token had expired. */
  refresh?: { ok: true } | { ok: false; error: TkError };
  /** Authorized shop ids per the platform, when the call succeeded. */
  shopIds?: string[];
  shopsError?: TkError;
  /** The Customer Service read on one bound shop (undefined when not attempted). */
  csError?: TkError;
  csTried: boolean;
}

export const tiktokshopShops = (config: Config): Shop[] =>
  config.shops.filter((s) => s.source === "tiktokshop");

/** Every stored seller token of the configured TikTok Shop apps. */
export function sellersOf(ctx: TikTokShopCheckContext): SellerState[] {
  if (!ctx.store) return [];
  const out: SellerState[] = [];
  for (const app of ctx.config.tiktokshop.apps) {
    for (const key of ctx.store.tokens.keys(`tiktokshop:${app.name}:`)) {
      const token = ctx.store.tokens.load(key);
      const m = token?.meta;
      if (!token || !m || typeof m.openId !== "string") continue;
      const meta = {
        ...m,
        grantedScopes: Array.isArray(m.grantedScopes) ? m.grantedScopes : [],
      } as unknown as TikTokShopTokenMeta;
      out.push({ app, tokenKey: key, token, meta });
    }
  }
  return out;
}

/** The seller whose stored authorization covers a configured shop. */
export function sellerForShop(sellers: SellerState[], shop: Shop): SellerState | undefined {
  return sellers.find(
    (s) => s.app.name === shop.app && (s.meta.shops ?? []).some((x) => x.id === shop.shopId),
  );
}

const probes = new WeakMap<TikTokShopCheckContext, Promise<SellerProbe[]>>();

/** One probe per seller and context (several checks read the same answers). */
export function probeSellers(ctx: TikTokShopCheckContext): Promise<SellerProbe[]> {
  let p = probes.get(ctx);
  if (!p) {
    p = Promise.all(sellersOf(ctx).map((s) => probeSeller(ctx, s)));
    probes.set(ctx, p);
  }
  return p;
}

async function probeSeller(ctx: TikTokShopCheckContext, seller: SellerState): Promise<SellerProbe> {
  const probe: SellerProbe = { seller, csTried: false };
  let accessToken = seller.token.accessToken;
  if (seller.token.expiresAt <= ctx.now && ctx.allowRefresh && ctx.store && !ctx.store.readonly) {
    try {
      const client = tiktokshopClient(seller.app, ctx.config, ctx.store.tokens as TokenStore);
      accessToken = (await client.auth.refresh(seller.meta.openId)).accessToken;
      probe.refresh = { ok: true };
    } catch (err) {
      if (!isTkError(err)) throw err;
      probe.refresh = { ok: false, error: err };
    }
  }
  const api = new TikTokShopApi({
    appKey: seller.app.appKey,
    appSecret: seller.app.appSecret,
    apiBaseUrl: ctx.config.endpoints.tiktokshopApi,
    timeoutMs: ctx.timeoutMs ?? 15_000,
  });
  try {
    const data = await api.call({ method: "GET", path: "/authorization/202309/shops", accessToken });
    const list = Array.isArray(data.shops) ? data.shops : [];
    probe.shopIds = list.flatMap((s) => {
      const id = (s as Record<string, unknown> | null)?.id;
      return typeof id === "string" || typeof id === "number" ? [String(id)] : [];
    });
  } catch (err) {
    if (!isTkError(err)) throw err;
    probe.shopsError = err;
    return probe;
  }
  // One cheap Customer Service read proves the app-level scope approval too (the token's granted_scopes only
  // say what the seller granted when authorizing).
  const bound = tiktokshopShops(ctx.config).find((s) => s.app === seller.app.name);
  const shop = (seller.meta.shops ?? []).find((s) => s.id === bound?.shopId && probe.shopIds?.includes(s.id));
  if (shop) {
    probe.csTried = true;
    try {
      await api.call({
        method: "GET",
        path: "/customer_service/202309/conversations",
        accessToken,
        shopCipher: shop.cipher,
        query: { page_size: 1 },
      });
    } catch (err) {
      if (!isTkError(err)) throw err;
      probe.csError = err;
    }
  }
  return probe;
}

/** Latest webhook seen for a source (ms), from the de-duplication table. */
export function lastWebhookSeenAt(store: Store, source: string): number | undefined {
  const row = store.db.prepare("SELECT MAX(seen_at) AS at FROM webhook_seen WHERE source = ?").get(source) as
    | { at: number | null }
    | undefined;
  return row?.at ?? undefined;
}
