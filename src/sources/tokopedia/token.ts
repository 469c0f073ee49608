/**
 * Client-credentials access tokens for one Tokopedia app (docs/platforms/tokopedia.md#authentication).
 *
 * Tokopedia hands out a new token only after the previous one expired (Tokopedia's October 2021 notice); asking
 * earlier returns the same token (or nothing useful). So a cached token is used until its expiry and never renewed
 * early, and the only early re-fetch is after the API answered 401 for it (revoked, or the clocks disagree): one
 * fetch, and the caller retries its request once.
 */
import type { Dispatcher } from "undici";
import type { StoredToken, TokenStore } from "../../auth/token-store.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";
import { tokopediaError } from "./errors.js";
import { isObject, readNumber, readString } from "./fields.js";
import { exchange } from "./http.js";
import { parseJsonKeepingIds } from "./json.js";

export interface TokenSourceOptions {
  /** TokenStore key, `tokopedia:{appName}`. */
  storeKey: string;
  authBaseUrl: string;
  clientId: string;
  clientSecret: string;
  store: TokenStore;
  timeoutMs: number;
  userAgent: string;
  now: () => number;
  dispatcher?: Dispatcher;
}

export class TokenSource {
  private inflight: Promise<StoredToken> | undefined;
  /** How many times /token was called (doctor and tests). */
  fetchCount = 0;

  constructor(private readonly opts: TokenSourceOptions) {}

  /** A token believed valid: the cached one until it expires, else a fresh one. */
  async get(): Promise<string> {
    const cached = this.usable();
    if (cached) return cached.accessToken;
    return (await this.fetchOnce()).accessToken;
  }

  /**
   * Called after the API answered 401 for `rejected`. If another call already replaced it, use that one;
   * otherwise forget it and fetch once.
   */
  async renewAfterRejection(rejected: string): Promise<string> {
    const cached = this.usable();
    if (cached && cached.accessToken !== rejected) return cached.accessToken;
    this.opts.store.delete(this.opts.storeKey);
    return (await this.fetchOnce()).accessToken;
  }

  private usable(): StoredToken | undefined {
    const t = this.opts.store.load(this.opts.storeKey);
    if (!t) return undefined;
    // A token stored for other credentials (the secret was rotated in config) is not ours to use.
    if (t.meta?.clientId !== undefined && t.meta.clientId !== this.opts.clientId) return undefined;
    return this.opts.now() < t.expiresAt ? t : undefined;
  }

  /** Concurrent callers share one /token request. */
  private fetchOnce(): Promise<StoredToken> {
    if (!this.inflight) {
      this.inflight = this.fetch().finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async fetch(): Promise<StoredToken> {
    const endpoint = "token";
    this.fetchCount++;
    const basic = Buffer.from(`${this.opts.clientId}:${this.opts.clientSecret}`, "utf8").toString("base64");
    const answer = await exchange({
      method: "POST",
      url: `${trimTrailingSlashes(this.opts.authBaseUrl)}/token?grant_type=client_credentials`,
      headers: { authorization: `Basic ${basic}`, "content-length": "0", "user-agent": this.opts.userAgent },
      timeoutMs: this.opts.timeoutMs,
      endpoint,
      ...(this.opts.dispatcher ? { dispatcher: this.opts.dispatcher } : {}),
    });
    let body: unknown;
    try {
      body = parseJsonKeepingIds(answer.text);
    } catch {
      body = undefined;
    }
    const oauthError = isObject(body) ? readString(body.error) : undefined;
    if (answer.status >= 500) {
      throw tokopediaError("transient", `Tokopedia token endpoint failed (HTTP ${answer.status})`, {
        endpoint,
        httpStatus: answer.status,
      });
    }
    if (answer.status === 429) {
      throw tokopediaError("rateLimited", "Tokopedia token endpoint rate limit reached", {
        endpoint,
        httpStatus: 429,
        retryAfterMs: 1000,
      });
    }
    if (answer.status >= 400 || oauthError) {
      throw tokopediaError("auth", "Tokopedia rejected the app's client credentials", {
        endpoint,
        httpStatus: answer.status,
        ...(oauthError ? { errorCode: oauthError } : {}),
      });
    }
    const accessToken = isObject(body) ? readString(body.access_token) : undefined;
    const expiresIn = isObject(body) ? readNumber(body.expires_in) : undefined;
    if (!accessToken || expiresIn === undefined) {
      throw tokopediaError("badResponse", "Tokopedia token response lacks access_token or expires_in", {
        endpoint,
      });
    }
    const now = this.opts.now();
    const token: StoredToken = {
      accessToken,
      obtainedAt: now,
      expiresAt: now + expiresIn * 1000,
      meta: { clientId: this.opts.clientId },
    };
    this.opts.store.save(this.opts.storeKey, token);
    return token;
  }
}
