/**
 * Builds the engine's Topology from the config: one MarketplaceSource per app, one Kommo binding per account,
 * one ShopBinding per configured shop.
 */

import type { TokenStore } from "../auth/token-store.js";
import type { ShopBinding } from "../bridge/topology.js";
import { type KommoAccountBinding, type MarketplaceApp, Topology } from "../bridge/topology.js";
import type { Config } from "../config/index.js";
import type { TikTokShopBinding } from "../sources/tiktokshop/index.js";
import { TikTokShopSource } from "../sources/tiktokshop/index.js";
import { type CallCountsPort, CsQuota, quotaSettings } from "../sources/tiktokshop/quota.js";
import { openIdOfTokenKey, tiktokshopTokenPrefix } from "../sources/tiktokshop/token-keys.js";
import { TokopediaSource } from "../sources/tokopedia/index.js";
import type { MarketplaceSource } from "../sources/types.js";
import { kommoChatsClient, kommoRestClient, tokopediaClient } from "./clients.js";

export interface TopologyDeps {
  tokenStore: TokenStore;
  /** Keys of stored tokens with a prefix (TikTok Shop sellers of an app). */
  tokenKeys: (prefix: string) => string[];
  /** Where TikTok Shop Customer Service calls are counted (the state file); without it nothing is counted. */
  callCounts?: CallCountsPort;
  now?: () => number;
}

/**
 * Tokopedia's Authorization-Hmac is checked when the app has a webhook secret. Without one the webhook is accepted
 * as an unsigned hint only: the room is read from the API, which is authenticated; the hint's buyer and its own
 * text are dropped, since nobody vouches for them (intake enforces the rest for hints marked unsigned).
 */
function hintsOnlyWithoutSecret(source: MarketplaceSource): MarketplaceSource {
  const parse = source.parseWebhook.bind(source);
  return Object.assign(Object.create(source) as MarketplaceSource, {
    verifyWebhook: () => true,
    parseWebhook: (raw: Uint8Array) =>
      parse(raw).map(({ fallback: _text, buyer: _buyer, ...hint }) => ({ ...hint, unsigned: true })),
  });
}

/** TikTok Shop shops of one app, from the sellers' stored authorizations (shops add --source tiktokshop). */
export function tiktokshopBindings(appName: string, deps: TopologyDeps): TikTokShopBinding[] {
  const out: TikTokShopBinding[] = [];
  for (const key of deps.tokenKeys(tiktokshopTokenPrefix(appName))) {
    const token = deps.tokenStore.load(key);
    const meta = token?.meta as { openId?: string; shops?: { id: string; cipher: string }[] } | undefined;
    const openId = meta?.openId ?? openIdOfTokenKey(appName, key) ?? "";
    for (const s of meta?.shops ?? []) out.push({ shopId: s.id, openId, cipher: s.cipher });
  }
  return out;
}

export function buildTopology(config: Config, deps: TopologyDeps): Topology {
  const apps = new Map<string, MarketplaceApp>();
  for (const app of config.tokopedia.apps) {
    const source = new TokopediaSource({
      client: tokopediaClient(app, config, deps.tokenStore),
      ...(app.webhookSecret ? { webhookSecret: app.webhookSecret } : {}),
    });
    apps.set(`tokopedia:${app.name}`, {
      source: "tokopedia",
      name: app.name,
      marketplace: app.webhookSecret ? source : hintsOnlyWithoutSecret(source),
      callsPerSecond: app.requestsPerSecond,
    });
  }
  for (const app of config.tiktokshop.apps) {
    const source = new TikTokShopSource({
      appName: app.name,
      appKey: app.appKey,
      appSecret: app.appSecret,
      authBaseUrl: config.endpoints.tiktokshopAuth,
      apiBaseUrl: config.endpoints.tiktokshopApi,
      tokenStore: deps.tokenStore,
      shops: tiktokshopBindings(app.name, deps),
      ...(deps.callCounts ? { quota: new CsQuota(quotaSettings(app), deps.callCounts, deps.now) } : {}),
    });
    apps.set(`tiktokshop:${app.name}`, { source: "tiktokshop", name: app.name, marketplace: source });
  }
  const accounts = new Map<string, KommoAccountBinding>();
  for (const account of config.kommo.accounts) {
    accounts.set(account.name, {
      name: account.name,
      scopeId: account.scopeId,
      channelSecret: account.channel.secret,
      chats: kommoChatsClient(account, config),
      rest: kommoRestClient(account, config, deps.tokenStore),
    });
  }
  const bindings: ShopBinding[] = config.shops.map((shop) => {
    const app = apps.get(`${shop.source}:${shop.app}`);
    const kommo = accounts.get(shop.kommoAccount);
    // The config schema's cross-checks guarantee both exist; a failure here is a bug, not a user error.
    if (!app || !kommo) throw new Error(`shop ${shop.shopId}: app or Kommo account missing after validation`);
    const orders = { ...config.orders, ...shop.orders };
    return {
      source: shop.source,
      shopId: shop.shopId,
      shopName: shop.name ?? shop.shopId,
      app,
      kommo,
      orders,
    };
  });
  return new Topology(bindings);
}
