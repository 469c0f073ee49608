/**
 * OAuth token lifecycle for Kommo REST v4 with single-use, rotating refresh tokens
 * (docs/platforms/kommo.md#oauth-and-tokens).
 *
 * The hazard: every refresh spends the old refresh token. If the new pair is lost, the integration is lost and a
 * human must authorize again. So:
 *
 * 1. The new pair is written to the TokenStore the moment it is received, before the access token is used and
 *    before anything else can fail. A restart therefore always finds the newest refresh token, never a spent one.
 * 2. Before sending a refresh we write a marker (`meta.refreshStartedAt`). The store is synchronous (SQLite in
 *    production), so the marker is durable before the request leaves. If the process dies between Kommo rotating
 *    the token and our save (the only window left), the next start sees the marker: it still tries the stored
 *    refresh token once (the request may never have reached Kommo), and if Kommo refuses it the error says the
 *    refresh was interrupted and the account must be authorized again. Nothing can recover a pair that Kommo
 *    issued but we never received; the marker makes that case explicit instead of mysterious.
 * 3. Refreshes are single-flight per (store, key) in this process: two concurrent 401s must not both present the
 *    same refresh token (the second would be refused and could wipe a good pair). Inside the flight we re-read
 *    the store: if another client instance already rotated, we use its pair instead of refreshing again. When
 *    the store offers a refresh lock (replicas sharing one database), the flight runs inside it, so the same holds
 *    across processes: a replica that waited re-reads, finds the fresh pair, and makes no call.
 * 4. After a transport failure or 5xx during a refresh we retry once with the same refresh token: either Kommo
 *    never processed it (the retry succeeds) or it did (the retry is refused, see 2). The stored token is never
 *    replaced by anything but a pair Kommo returned.
 */
import { type StoredToken, type TokenStore, underRefreshLock } from "../auth/token-store.js";
import { isTkError, type TkError } from "../errors/index.js";
import { kommoErrors } from "./errors.js";
import { joinUrl, sendRaw } from "./http.js";
import type { KommoRateLimiter } from "./limiter.js";
import { restHttpError } from "./rest-errors.js";

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

export interface OAuthTokensOptions {
  baseUrl: string;
  credentials: OAuthClientCredentials;
  store: TokenStore;
  key: string;
  limiter: KommoRateLimiter;
  now: () => number;
  timeoutMs: number;
  /** Refresh this long before the access token expires, default 5 minutes. */
  refreshSkewMs: number;
}

const TOKEN_PATH = "/oauth2/access_token";
const inFlight = new WeakMap<TokenStore, Map<string, Promise<StoredToken>>>();

export class OAuthTokens {
  constructor(private readonly o: OAuthTokensOptions) {}

  /** A usable access token: the stored one, or a refreshed one when it is (about to be) expired. */
  async accessToken(): Promise<string> {
    const t = this.load();
    if (t.expiresAt - this.o.refreshSkewMs > this.o.now() && !t.meta?.refreshStartedAt) return t.accessToken;
    return (await this.refresh(t.accessToken)).accessToken;
  }

  /**
   * Rotates the pair. `staleAccessToken` is the token that just failed (or expired): if the store already holds
   * a different, valid one, another instance refreshed meanwhile and that pair is returned as is.
   */
  refresh(staleAccessToken: string | undefined): Promise<StoredToken> {
    let perStore = inFlight.get(this.o.store);
    if (!perStore) {
      perStore = new Map();
      inFlight.set(this.o.store, perStore);
    }
    const running = perStore.get(this.o.key);
    if (running) return running;
    // Across processes sharing the state (replicas), the store's lock: doRefresh re-reads the pair inside it.
    const flight = underRefreshLock(this.o.store, this.o.key, () => this.doRefresh(staleAccessToken)).finally(
      () => perStore.delete(this.o.key),
    );
    perStore.set(this.o.key, flight);
    return flight;
  }

  /** Exchanges an authorization code (20 min lifetime) for the first pair and stores it. */
  async exchangeCode(code: string): Promise<StoredToken> {
    const pair = await this.post({ grant_type: "authorization_code", code });
    this.o.store.save(this.o.key, pair);
    return pair;
  }

  private load(): StoredToken {
    const t = this.o.store.load(this.o.key);
    if (!t) throw kommoErrors.notAuthorized({ api: "oauth", method: "POST", path: TOKEN_PATH });
    if (typeof t.meta?.reauthorize === "string") {
      throw kommoErrors.reauthorize({
        api: "oauth",
        method: "POST",
        path: TOKEN_PATH,
        hint: t.meta.reauthorize,
        remembered: true,
      });
    }
    return t;
  }

  private async doRefresh(staleAccessToken: string | undefined): Promise<StoredToken> {
    const current = this.load();
    const rotatedElsewhere =
      current.accessToken !== staleAccessToken &&
      !current.meta?.refreshStartedAt &&
      current.expiresAt - this.o.refreshSkewMs > this.o.now();
    if (rotatedElsewhere) return current;
    const refreshToken = current.refreshToken;
    if (!refreshToken) throw kommoErrors.notAuthorized({ api: "oauth", method: "POST", path: TOKEN_PATH });

    // A marker left by an earlier run means that run died mid-refresh: the stored token may be spent.
    let interrupted = typeof current.meta?.refreshStartedAt === "number";
    // (2) durable marker before the request leaves the process.
    this.o.store.save(this.o.key, { ...current, meta: { ...current.meta, refreshStartedAt: this.o.now() } });

    const body = { grant_type: "refresh_token", refresh_token: refreshToken };
    let pair: StoredToken;
    try {
      pair = await this.post(body).catch(async (err: unknown) => {
        // (4) the request may not have been processed: one more try with the same token.
        if (isTkError(err) && err.code === "TK_ERR_KOMMO_UNAVAILABLE") {
          interrupted = true;
          return this.post(body);
        }
        throw err;
      });
    } catch (err) {
      if (isTkError(err) && err.code === "TK_ERR_KOMMO_REAUTHORIZE") this.rememberRefusal(err, interrupted);
      throw err;
    }
    // (1) persist before anyone uses the new access token.
    this.o.store.save(this.o.key, pair);
    return pair;
  }

  /** A refused refresh token will be refused forever: remember it so we stop presenting it. */
  private rememberRefusal(err: TkError, interrupted: boolean): void {
    const t = this.o.store.load(this.o.key);
    const hint = typeof err.details?.hint === "string" ? err.details.hint : "refresh token refused";
    if (t) this.o.store.save(this.o.key, { ...t, meta: { ...t.meta, reauthorize: hint } });
    if (err.details) {
      err.details.interruptedRefresh = interrupted;
    }
  }

  private async post(grant: Record<string, string>): Promise<StoredToken> {
    const c = this.o.credentials;
    const bytes = Buffer.from(
      JSON.stringify({
        client_id: c.clientId,
        client_secret: c.clientSecret,
        ...grant,
        redirect_uri: c.redirectUri,
      }),
    );
    await this.o.limiter.acquire();
    const res = await sendRaw({
      api: "oauth",
      url: joinUrl(this.o.baseUrl, TOKEN_PATH),
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: bytes,
      timeoutMs: this.o.timeoutMs,
    });
    if (res.status !== 200) {
      throw restHttpError("oauth", {
        method: "POST",
        path: TOKEN_PATH,
        status: res.status,
        bodyText: res.text,
        retryAfterHeader: res.headers["retry-after"],
      });
    }
    let j: Record<string, unknown>;
    try {
      j = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      throw kommoErrors.unexpected({ api: "oauth", method: "POST", path: TOKEN_PATH, status: res.status });
    }
    const { access_token: access, refresh_token: refresh, expires_in: expiresIn } = j;
    if (typeof access !== "string" || typeof refresh !== "string" || typeof expiresIn !== "number") {
      throw kommoErrors.unexpected({ api: "oauth", method: "POST", path: TOKEN_PATH, status: res.status });
    }
    const now = this.o.now();
    return {
      accessToken: access,
      refreshToken: refresh,
      expiresAt: now + expiresIn * 1000,
      // Kommo: refresh tokens die after 3 months unused.
      refreshExpiresAt: now + 90 * 24 * 3600 * 1000,
      obtainedAt: now,
    };
  }
}
