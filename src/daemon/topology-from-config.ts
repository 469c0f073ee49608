/**
 * Builds the engine's shop bindings from the config: one MarketplaceSource per app, one Kommo binding per
 * account, one ShopBinding per configured shop. At start-up and again on every config reload (config-reload.ts).
 */

import type { TokenStore } from "../auth/token-store.js";
import type {
  KommoAccountBinding,
  LeadRouting,
  MarketplaceApp,
  ReplyGuardSettings,
  ShopBinding,
} from "../bridge/topology.js";
import type { ReplicaHooks } from "../cluster/index.js";
import type {
  Config,
  KommoAccount,
  TiktokshopApp,
  TokopediaApp as TokopediaAppConfig,
} from "../config/index.js";
import type { TikTokShopBinding } from "../sources/tiktokshop/index.js";
import { TikTokShopSource } from "../sources/tiktokshop/index.js";
import { type CallCountsPort, CsQuota, quotaSettings } from "../sources/tiktokshop/quota.js";
import { openIdOfTokenKey, tiktokshopTokenPrefix } from "../sources/tiktokshop/token-keys.js";
import { TokopediaSource } from "../sources/tokopedia/index.js";
import type { MarketplaceSource } from "../sources/types.js";
import { kommoChatsClient, kommoRestClient, tokopediaClient } from "./clients.js";
import type { ReplicaWiring } from "./replica-wiring.js";

export interface TopologyDeps {
  tokenStore: TokenStore;
  /** Keys of stored tokens with a prefix (TikTok Shop sellers of an app). */
  tokenKeys: (prefix: string) => string[];
  /** Where TikTok Shop Customer Service calls are counted (the state file); without it nothing is counted. */
  callCounts?: CallCountsPort;
  now?: () => number;
  /**
   * Replicas on one database: the Kommo limiters and the Tokopedia rate gates that take the budgets shared
   * cluster-wide (replica-wiring.ts).
   */
  shared?: Pick<ReplicaWiring, "kommoLimiter"> & Pick<ReplicaHooks, "tokopediaShared">;
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

/**
 * The apps and accounts built so far, by what they were built from: a reload reuses those whose settings did not
 * change, so their rate gates, quota counters and token caches carry on; a changed one is built anew (calls of
 * the old one already under way finish with it).
 */
export type BindingCache = Map<string, MarketplaceApp | KommoAccountBinding>;

/** The shop bindings of a config; `cache` (updated in place) holds what an earlier build made. */
export function buildBindings(config: Config, deps: TopologyDeps, cache: BindingCache): ShopBinding[] {
  const built: BindingCache = new Map();
  const reuse = <T extends MarketplaceApp | KommoAccountBinding>(key: string, make: () => T): T => {
    const item = (cache.get(key) as T | undefined) ?? make();
    built.set(key, item);
    return item;
  };
  const apps = new Map<string, MarketplaceApp>();
  for (const app of config.tokopedia.apps) {
    const key = JSON.stringify(["tokopedia", app, config.endpoints]);
    apps.set(
      `tokopedia:${app.name}`,
      reuse(key, () => tokopediaApp(app, config, deps)),
    );
  }
  for (const app of config.tiktokshop.apps) {
    // The sellers' shops come from the state file (shops add --source tiktokshop): part of what the app is.
    const key = JSON.stringify(["tiktokshop", app, config.endpoints, tiktokshopBindings(app.name, deps)]);
    apps.set(
      `tiktokshop:${app.name}`,
      reuse(key, () => tiktokshopApp(app, config, deps)),
    );
  }
  const accounts = new Map<string, KommoAccountBinding>();
  for (const account of config.kommo.accounts) {
    const key = JSON.stringify(["kommo", account, config.endpoints]);
    accounts.set(
      account.name,
      reuse(key, () => kommoAccount(account, config, deps)),
    );
  }
  cache.clear();
  for (const [k, v] of built) cache.set(k, v);
  return config.shops.map((shop) => {
    const app = apps.get(`${shop.source}:${shop.app}`);
    const kommo = accounts.get(shop.kommoAccount);
    // The config schema's cross-checks guarantee both exist; a failure here is a bug, not a user error.
    if (!app || !kommo) throw new Error(`shop ${shop.shopId}: app or Kommo account missing after validation`);
    // The shop's override, key by key, over the global orders settings.
    const orders = {
      enabled: shop.orders?.enabled ?? config.orders.enabled,
      quietHours: shop.orders?.quietHours ?? config.orders.quietHours,
      days: shop.orders?.days ?? config.orders.days,
    };
    return {
      source: shop.source,
      shopId: shop.shopId,
      shopName: shop.name ?? shop.shopId,
      app,
      kommo,
      orders,
      routing: leadRouting(shop),
      replyGuard: shopReplyGuard(config, shop),
    };
  });
}

function tokopediaApp(app: TokopediaAppConfig, config: Config, deps: TopologyDeps): MarketplaceApp {
  const source = new TokopediaSource({
    client: tokopediaClient(
      app,
      config,
      deps.tokenStore,
      deps.shared?.tokopediaShared(app.name, app.requestsPerSecond),
    ),
    ...(app.webhookSecret ? { webhookSecret: app.webhookSecret } : {}),
  });
  return {
    source: "tokopedia",
    name: app.name,
    marketplace: app.webhookSecret ? source : hintsOnlyWithoutSecret(source),
    callsPerSecond: app.requestsPerSecond,
  };
}

function tiktokshopApp(app: TiktokshopApp, config: Config, deps: TopologyDeps): MarketplaceApp {
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
  return { source: "tiktokshop", name: app.name, marketplace: source };
}

function kommoAccount(account: KommoAccount, config: Config, deps: TopologyDeps): KommoAccountBinding {
  return {
    name: account.name,
    scopeId: account.scopeId,
    channelSecret: account.channel.secret,
    chats: kommoChatsClient(account, config),
    rest: kommoRestClient(account, config, deps.tokenStore, deps.shared?.kommoLimiter),
  };
}

function leadRouting(shop: Config["shops"][number]): LeadRouting {
  return {
    ...(shop.pipelineId !== undefined ? { pipelineId: shop.pipelineId } : {}),
    ...(shop.responsibleUserId !== undefined ? { responsibleUserId: shop.responsibleUserId } : {}),
    leadTags: shop.leadTags ?? [],
    autoAccept: shop.autoAccept ?? false,
  };
}

/** The shop's override, key by key, over the global reply-guard settings. */
export function shopReplyGuard(config: Config, shop: Config["shops"][number]): ReplyGuardSettings {
  const own = shop.replyGuard;
  return {
    enabled: own?.enabled ?? config.replyGuard.enabled,
    warnAfterMinutes: own?.warnAfterMinutes ?? config.replyGuard.warnAfterMinutes,
    deadlineMinutes: own?.deadlineMinutes ?? config.replyGuard.deadlineMinutes,
    tag: own?.tag ?? config.replyGuard.tag,
  };
}
