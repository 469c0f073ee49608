/**
 * What the TikTok Shop doctor checks look at: the sellers' stored tokens (the state: file or database) and one live probe per
 * seller (Get Authorized Shops, then one Customer Service read on a bound shop).
 *
 * The probe uses the stored access token as it is and never refreshes it on its own: doctor normally opens
 * the state file read-only, and a refresh whose new pair cannot be saved would burn a single-use refresh
 * token the daemon still holds. A refresh happens only when the caller allows it (writable state file).
 */

import type { StoredToken, TokenStore } from "../../auth/token-store.js";
import type { Config, Shop, TiktokshopApp } from "../../config/index.js";
import { tiktokshopClient } from "../../daemon/clients.js";
import { isTkError, type TkError } from "../../errors/index.js";
import { TikTokShopApi, type TikTokShopTokenMeta } from "../../sources/tiktokshop/index.js";
import { tiktokshopTokenPrefix } from "../../sources/tiktokshop/token-keys.js";
import type { DoctorContext } from "../context.js";

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

/** The TikTok Shop shops doctor looks at (all, or the one of --shop). */
export const shopsInScope = (ctx: DoctorContext): Shop[] =>
  ctx.shops().filter((s) => s.source === "tiktokshop");

/** Every stored seller token of the configured TikTok Shop apps. */
export function sellersOf(ctx: DoctorContext): SellerState[] {
  const store = ctx.store();
  if (!store) return [];
  const out: SellerState[] = [];
  for (const app of ctx.config.tiktokshop.apps) {
    for (const key of store.tokens.keys(tiktokshopTokenPrefix(app.name))) {
      const token = store.tokens.load(key);
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

/** One probe per seller and doctor run (several checks read the same answers). */
export function probeSellers(ctx: DoctorContext): Promise<SellerProbe[]> {
  return ctx.once("tiktokshop-probes", () => Promise.all(sellersOf(ctx).map((s) => probeSeller(ctx, s))));
}

async function probeSeller(ctx: DoctorContext, seller: SellerState): Promise<SellerProbe> {
  const probe: SellerProbe = { seller, csTried: false };
  let accessToken = seller.token.accessToken;
  // Only a writable SQLite store lent by the caller may take a refreshed pair; doctor's own opens are read-only.
  const store = ctx.options.loaded?.store;
  const allowRefresh = ctx.options.tiktokshop?.allowRefresh === true;
  if (seller.token.expiresAt <= ctx.now() && allowRefresh && store && !store.readonly) {
    try {
      const client = tiktokshopClient(seller.app, ctx.config, store.tokens as TokenStore);
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
    timeoutMs: 15_000,
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
