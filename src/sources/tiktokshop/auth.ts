/**
 * Seller authorization (docs/platforms/tiktokshop.md#authorization): consent link → auth code → tokens; refresh ahead of
 * expiry; one refresh-and-retry on an expired-token answer; a failed refresh marks the seller
 * "re-authorization needed" in the stored token's meta and surfaces TK_ERR_TIKTOKSHOP_REAUTH_NEEDED.
 *
 * Tokens live in a TokenStore under `tiktokshop:{app}:{open_id}`.
 */

import { type StoredToken, type TokenStore, underRefreshLock } from "../../auth/token-store.js";
import { isTkError, TkError } from "../../errors/index.js";
import { notAuthorized, reauthNeeded, TTS_ERR } from "./errors.js";
import { exchange } from "./http.js";
import { idField, numField, strField } from "./json.js";
import { tiktokshopTokenKey } from "./token-keys.js";

export interface TikTokShopAuthOptions {
  /** The app's name in tokokommo's config (part of the token key). */
  appName: string;
  appKey: string;
  appSecret: string;
  /** Partner Center service id, for the consent link. */
  serviceId?: string;
  /** Token host, default https://auth.tiktok-shops.com. */
  authBaseUrl?: string;
  /** Consent host, default https://services.tiktokshop.com (Indonesia uses the rest-of-world host). */
  consentBaseUrl?: string;
  tokenStore: TokenStore;
  /** Refresh this long before the access token expires (default 6 h; access tokens live 7 days). */
  refreshAheadMs?: number;
  timeoutMs?: number;
  now?: () => number;
}

/** Non-secret facts kept in StoredToken.meta. */
export interface TikTokShopTokenMeta {
  openId: string;
  sellerName?: string;
  sellerBaseRegion?: string;
  userType?: number;
  grantedScopes: string[];
  /** Set when a refresh failed or the seller revoked access; cleared by a new authorization. */
  reauthNeeded?: boolean;
  reauthReason?: string;
  /** Authorized shops, filled by the client after authorization. */
  shops?: AuthorizedShop[];
}

export interface AuthorizedShop {
  id: string;
  cipher: string;
  region: string;
  name: string;
  sellerType: string;
  code?: string;
}

export interface SellerAuthorization {
  openId: string;
  tokenKey: string;
  token: StoredToken;
  meta: TikTokShopTokenMeta;
}

export const CS_SCOPE = "seller.customer_service";
const DEFAULT_REFRESH_AHEAD_MS = 6 * 60 * 60 * 1000;

export class TikTokShopAuth {
  private readonly inflight = new Map<string, Promise<StoredToken>>();
  private readonly now: () => number;

  constructor(private readonly opts: TikTokShopAuthOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The link a seller opens to authorize the app; `state` comes back on the redirect (CSRF protection). */
  consentUrl(state?: string): string {
    const url = new URL("/open/authorize", this.opts.consentBaseUrl ?? "https://services.tiktokshop.com");
    url.searchParams.set("service_id", this.opts.serviceId ?? "");
    if (state) url.searchParams.set("state", state);
    return url.toString();
  }

  tokenKey(openId: string): string {
    return tiktokshopTokenKey(this.opts.appName, openId);
  }

  meta(openId: string): TikTokShopTokenMeta | undefined {
    return metaOf(this.opts.tokenStore.load(this.tokenKey(openId)));
  }

  /** Merges `patch` into the stored meta (e.g. the authorized shops); no-op when no token is stored. */
  updateMeta(openId: string, patch: Partial<TikTokShopTokenMeta>): void {
    const key = this.tokenKey(openId);
    const t = this.opts.tokenStore.load(key);
    if (t) this.opts.tokenStore.save(key, { ...t, meta: { ...(t.meta ?? {}), ...patch } });
  }

  markReauthNeeded(openId: string, reason: string): void {
    this.updateMeta(openId, { reauthNeeded: true, reauthReason: reason });
  }

  /** Exchanges a single-use auth code (valid 30 min) for tokens and stores them. */
  async exchangeCode(code: string): Promise<SellerAuthorization> {
    const trimmed = code.trim();
    if (!trimmed || trimmed === "null") {
      throw notAuthorizedCode();
    }
    const data = await this.tokenCall("/api/v2/token/get", {
      auth_code: trimmed,
      grant_type: "authorized_code",
    });
    const { token, meta } = this.tokenFrom(data, undefined);
    const key = this.tokenKey(meta.openId);
    const previous = metaOf(this.opts.tokenStore.load(key));
    if (previous?.shops) meta.shops = previous.shops;
    token.meta = { ...meta };
    this.opts.tokenStore.save(key, token);
    return { openId: meta.openId, tokenKey: key, token, meta };
  }

  /** A usable access token, refreshed first when it expires within `refreshAheadMs`. */
  async accessToken(openId: string): Promise<string> {
    const key = this.tokenKey(openId);
    const t = this.opts.tokenStore.load(key);
    if (!t) throw notAuthorized(key);
    const meta = metaOf(t);
    if (meta?.reauthNeeded) throw reauthNeeded(openId, meta.reauthReason ?? "authorization lapsed");
    // Never refresh earlier than half-way through a token's life: with a lifetime shorter than the
    // configured margin, every call would otherwise refresh (and burn a single-use refresh token).
    const lifetime = t.expiresAt - t.obtainedAt;
    const ahead = Math.min(this.opts.refreshAheadMs ?? DEFAULT_REFRESH_AHEAD_MS, Math.max(0, lifetime / 2));
    // The token read here is named as the stale one: a refresh that waited for another (a replica's, under the
    // store's lock) finds it replaced and makes no call.
    if (t.expiresAt - ahead <= this.now()) return (await this.refresh(openId, t.accessToken)).accessToken;
    return t.accessToken;
  }

  /**
   * Runs `fn` with the seller's token. If the platform says the token expired (our clock or the platform's
   * revoked it early), refresh once and retry once; a second expiry is reported, not looped on.
   */
  async withAccessToken<T>(openId: string, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.accessToken(openId);
    try {
      return await fn(token);
    } catch (err) {
      if (!isTkError(err) || err.code !== TTS_ERR.TOKEN_EXPIRED) throw err;
      const fresh = await this.refresh(openId, token);
      return fn(fresh.accessToken);
    }
  }

  /**
   * Refreshes the seller's tokens. Concurrent callers share one refresh: a refresh token may be single-use,
   * and two parallel refreshes would burn it. `staleAccessToken` skips the call when another caller already
   * replaced that token.
   */
  refresh(openId: string, staleAccessToken?: string): Promise<StoredToken> {
    const running = this.inflight.get(openId);
    if (running) return running;
    // Replicas sharing the state refresh under the store's lock; doRefresh re-reads the token inside it.
    const p = underRefreshLock(this.opts.tokenStore, this.tokenKey(openId), () =>
      this.doRefresh(openId, staleAccessToken),
    ).finally(() => this.inflight.delete(openId));
    this.inflight.set(openId, p);
    return p;
  }

  private async doRefresh(openId: string, staleAccessToken?: string): Promise<StoredToken> {
    const key = this.tokenKey(openId);
    const current = this.opts.tokenStore.load(key);
    if (!current) throw notAuthorized(key);
    if (staleAccessToken && current.accessToken !== staleAccessToken && current.expiresAt > this.now()) {
      return current;
    }
    const meta: TikTokShopTokenMeta = metaOf(current) ?? { openId, grantedScopes: [] };
    if (meta.reauthNeeded) throw reauthNeeded(openId, meta.reauthReason ?? "authorization lapsed");
    if (
      !current.refreshToken ||
      (current.refreshExpiresAt !== undefined && current.refreshExpiresAt <= this.now())
    ) {
      const reason = "the refresh token expired";
      this.markReauthNeeded(openId, reason);
      throw reauthNeeded(openId, reason);
    }
    let data: Record<string, unknown>;
    try {
      data = await this.tokenCall("/api/v2/token/refresh", {
        refresh_token: current.refreshToken,
        grant_type: "refresh_token",
      });
    } catch (err) {
      // A network hiccup or throttling says nothing about the authorization: keep the seller usable.
      if (isTkError(err) && (err.code === TTS_ERR.TRANSIENT || err.code === TTS_ERR.RATE_LIMITED)) throw err;
      const reason = "the token refresh was refused";
      this.markReauthNeeded(openId, reason);
      const e = reauthNeeded(openId, reason);
      Object.defineProperty(e, "cause", { value: err });
      throw e;
    }
    const { token, meta: fresh } = this.tokenFrom(data, meta);
    token.meta = { ...meta, ...fresh, reauthNeeded: false, reauthReason: undefined };
    // Persist the new pair before anyone uses it: the old refresh token may already be dead.
    this.opts.tokenStore.save(key, token);
    return token;
  }

  private tokenCall(path: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const url = new URL(path, this.opts.authBaseUrl ?? "https://auth.tiktok-shops.com");
    url.searchParams.set("app_key", this.opts.appKey);
    // The app secret travels in the query by design of this endpoint; URLs are never logged.
    url.searchParams.set("app_secret", this.opts.appSecret);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return exchange({ method: "GET", url, headers: {}, timeoutMs: this.opts.timeoutMs ?? 15_000 });
  }

  private tokenFrom(
    data: Record<string, unknown>,
    previous: TikTokShopTokenMeta | undefined,
  ): { token: StoredToken; meta: TikTokShopTokenMeta } {
    const accessToken = strField(data, "access_token");
    const openId = idField(data, "open_id") ?? previous?.openId;
    const accessExp = numField(data, "access_token_expire_in");
    if (!accessToken || !openId || accessExp === undefined) {
      throw new TkError(
        TTS_ERR.BAD_RESPONSE,
        "Tokopedia & Shop token answer lacks access_token, open_id or expiry.",
        {
          fix: "Check endpoints.tiktokshopAuth points at the token host (https://auth.tiktok-shops.com).",
          details: { retryable: false },
        },
      );
    }
    const refreshExp = numField(data, "refresh_token_expire_in");
    const scopes = Array.isArray(data.granted_scopes)
      ? data.granted_scopes.filter((s): s is string => typeof s === "string")
      : (previous?.grantedScopes ?? []);
    const refreshToken = strField(data, "refresh_token");
    const token: StoredToken = {
      accessToken,
      expiresAt: this.toEpochMs(accessExp),
      obtainedAt: this.now(),
      ...(refreshToken ? { refreshToken } : {}),
      ...(refreshExp !== undefined ? { refreshExpiresAt: this.toEpochMs(refreshExp) } : {}),
    };
    const sellerName = strField(data, "seller_name") ?? previous?.sellerName;
    const region = strField(data, "seller_base_region") ?? previous?.sellerBaseRegion;
    const userType = numField(data, "user_type") ?? previous?.userType;
    const meta: TikTokShopTokenMeta = {
      openId,
      grantedScopes: scopes,
      ...(sellerName ? { sellerName } : {}),
      ...(region ? { sellerBaseRegion: region } : {}),
      ...(userType !== undefined ? { userType } : {}),
    };
    return { token, meta };
  }

  /**
   * `*_expire_in` are absolute Unix seconds despite the name. A value too small to be a
   * date in this century is taken as a duration instead, so a platform change cannot make us think every
   * token is long expired.
   */
  private toEpochMs(value: number): number {
    return value < 1_000_000_000 ? this.now() + value * 1000 : value * 1000;
  }
}

function notAuthorizedCode(): TkError {
  return new TkError(
    TTS_ERR.AUTH_CODE_INVALID,
    "The authorization code is empty (the seller may have refused).",
    {
      fix: "Open the seller consent link again, approve, and pass the `code` from the redirect URL.",
      exitCode: 2,
      details: { retryable: false },
    },
  );
}

/** The stored meta as TikTokShopTokenMeta (written only by this module), or undefined when absent. */
function metaOf(t: StoredToken | undefined): TikTokShopTokenMeta | undefined {
  const m = t?.meta;
  if (!m || typeof m.openId !== "string") return undefined;
  return {
    ...m,
    grantedScopes: Array.isArray(m.grantedScopes) ? m.grantedScopes : [],
  } as unknown as TikTokShopTokenMeta;
}
