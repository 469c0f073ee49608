/**
 * One place that turns config entries into platform clients, so `serve`, `doctor`, `init`, `shops` and the
 * sandbox all talk to Tokopedia, TikTok Shop and Kommo the same way (same endpoints, same token keys).
 */
import type { TokenStore } from "../auth/token-store.js";
import {
  type Config,
  type KommoAccount,
  kommoApiUrl,
  type TiktokshopApp,
  type TokopediaApp,
} from "../config/index.js";
import { getKommoLimiter, KommoChatsClient, type KommoRateLimiter, KommoRestClient } from "../kommo/index.js";
import { TikTokShopClient } from "../sources/tiktokshop/index.js";
import { TokopediaClient } from "../sources/tokopedia/index.js";

/** Only the endpoints are read from the config, so `init` can build clients before a whole config exists. */
type WithEndpoints = Pick<Config, "endpoints">;

export function tokopediaClient(
  // The rate may be left out by callers that only check credentials (init): they make one call.
  app: Omit<TokopediaApp, "requestsPerSecond"> & { requestsPerSecond?: number },
  config: WithEndpoints,
  tokenStore: TokenStore,
  /** The app's per-endpoint budget shared with other replicas (replica-hooks.ts); absent: this process's only. */
  sharedRate?: (endpoint: string) => Promise<void>,
): TokopediaClient {
  return new TokopediaClient({
    appName: app.name,
    fsId: app.fsId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    authBaseUrl: config.endpoints.tokopediaAuth,
    apiBaseUrl: config.endpoints.tokopediaApi,
    ...(app.requestsPerSecond !== undefined ? { requestsPerSecond: app.requestsPerSecond } : {}),
    tokenStore,
    ...(sharedRate ? { sharedRate } : {}),
  });
}

export function tiktokshopClient(
  app: TiktokshopApp,
  config: WithEndpoints,
  tokenStore: TokenStore,
): TikTokShopClient {
  return new TikTokShopClient({
    appName: app.name,
    appKey: app.appKey,
    appSecret: app.appSecret,
    ...(app.serviceId ? { serviceId: app.serviceId } : {}),
    authBaseUrl: config.endpoints.tiktokshopAuth,
    apiBaseUrl: config.endpoints.tiktokshopApi,
    tokenStore,
  });
}

export function kommoChatsClient(
  account: Pick<KommoAccount, "channel">,
  config: WithEndpoints,
): KommoChatsClient {
  return new KommoChatsClient({
    baseUrl: config.endpoints.kommoChats,
    channelId: account.channel.id,
    channelSecret: account.channel.secret,
  });
}

/** Token key of a Kommo account's OAuth pair in the state file. */
export function kommoTokenKey(account: Pick<KommoAccount, "name">): string {
  return `kommo:${account.name}`;
}

export function kommoRestClient(
  // Only what signing in needs, so `init` can check an account before its channel exists.
  account: Pick<KommoAccount, "name" | "subdomain" | "auth">,
  config: WithEndpoints,
  tokenStore: TokenStore,
  /**
   * The account's limiter by its key. Default: the process-wide one (getKommoLimiter). A replica passes its own,
   * which also takes the account's budget shared with the other replicas (replica-wiring.ts).
   */
  limiterFor: (limiterKey: string) => KommoRateLimiter = (key) => getKommoLimiter(key),
): KommoRestClient {
  const limiterKey = `${config.endpoints.kommoApi}|${account.subdomain}`;
  const auth =
    "longLivedToken" in account.auth
      ? { kind: "longLived" as const, token: account.auth.longLivedToken }
      : {
          kind: "oauth" as const,
          clientId: account.auth.clientId,
          clientSecret: account.auth.clientSecret,
          redirectUri: account.auth.redirectUri,
        };
  return new KommoRestClient({
    baseUrl: kommoApiUrl(config.endpoints, account.subdomain),
    auth,
    tokenStore,
    tokenKey: kommoTokenKey(account),
    // One limiter per Kommo account, shared by every client of it in this process (7 requests/s).
    limiter: limiterFor(limiterKey),
  });
}
