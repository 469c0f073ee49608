/**
 * HTTP client for the Tokopedia Seller ("fs") API: chat, shop-info, IP whitelist and webhook registration.
 * One instance per Tokopedia app (fs_id + client credentials). Base URLs come from options so tests and the
 * sandbox point it at the simulator.
 */
import type { Dispatcher } from "undici";
import { MemoryTokenStore, type TokenStore } from "../../auth/token-store.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";
import { version } from "../../version.js";
import { type Envelope, readEnvelope } from "./envelope.js";
import { mapFailure, tokopediaError } from "./errors.js";
import { exchange } from "./http.js";
import { parseJsonKeepingIds } from "./json.js";
import {
  listOf,
  parseReply,
  parseRoom,
  parseSentReply,
  parseShop,
  parseWebhookConfig,
  parseWhitelist,
} from "./parse.js";
import { RateGate } from "./rate-limit.js";
import { TokenSource } from "./token.js";
import type { TkReply, TkRoom, TkSentReply, TkShopInfo, TkWebhookConfig, TkWhitelist } from "./types.js";

export const TOKOPEDIA_AUTH_URL = "https://accounts.tokopedia.com";
export const TOKOPEDIA_API_URL = "https://fs.tokopedia.net";
/** Documented maximum of `per_page` on the chat endpoints (docs/platforms/tokopedia.md#chat-endpoints). */
export const MAX_PER_PAGE = 15;

export interface TokopediaClientOptions {
  /** Config name of the app; the token is cached under `tokopedia:{appName}`. */
  appName: string;
  fsId: number | string;
  clientId: string;
  clientSecret: string;
  /** Default https://accounts.tokopedia.com */
  authBaseUrl?: string;
  /** Default https://fs.tokopedia.net */
  apiBaseUrl?: string;
  /** Where the access token is kept (the state store in production). Default: in memory. */
  tokenStore?: TokenStore;
  /** Per request, ms. Default 15 000. */
  timeoutMs?: number;
  /** Longest wait the client absorbs for a rate limit before throwing RATE_LIMITED. Default 2 000 ms. */
  maxRateLimitWaitMs?: number;
  /** undici dispatcher, e.g. a ProxyAgent to a whitelisted static-IP proxy. */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /** Requests per second per endpoint, shared by every shop of the app (the app's token bucket). Default 5. */
  requestsPerSecond?: number;
  /** Clock (ms), for token expiry. */
  now?: () => number;
  /** Monotonic clock and sleep of the rate gate (tests). Default performance.now and setTimeout. */
  rateClock?: { now: () => number; sleep: (ms: number) => Promise<void> };
  /** The app's per-endpoint budget shared with other replicas (src/cluster/budget-gate.ts); absent: none. */
  sharedRate?: (endpoint: string) => Promise<void>;
}

type Query = Record<string, string | number | undefined>;

export type WebhookUpdate = Record<string, string> & { webhook_secret?: string };

export class TokopediaClient {
  readonly appName: string;
  readonly fsId: string;
  private readonly apiBaseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxRateLimitWaitMs: number;
  private readonly dispatcher: Dispatcher | undefined;
  private readonly userAgent: string;
  readonly tokens: TokenSource;
  readonly rate: RateGate;

  constructor(opts: TokopediaClientOptions) {
    this.appName = opts.appName;
    this.fsId = String(opts.fsId);
    if (!/^\d+$/.test(this.fsId)) {
      throw tokopediaError("badRequest", `Tokopedia fs_id must be a number, got "${this.fsId}"`, {
        field: "fsId",
      });
    }
    this.apiBaseUrl = trimTrailingSlashes(opts.apiBaseUrl ?? TOKOPEDIA_API_URL);
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.maxRateLimitWaitMs = opts.maxRateLimitWaitMs ?? 2_000;
    this.dispatcher = opts.dispatcher;
    this.userAgent = opts.userAgent ?? `tokokommo/${version}`;
    const now = opts.now ?? Date.now;
    this.rate = new RateGate(
      now,
      this.maxRateLimitWaitMs,
      opts.rateClock?.sleep,
      opts.rateClock?.now,
      opts.requestsPerSecond,
      opts.sharedRate,
    );
    this.tokens = new TokenSource({
      storeKey: `tokopedia:${opts.appName}`,
      authBaseUrl: opts.authBaseUrl ?? TOKOPEDIA_AUTH_URL,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      store: opts.tokenStore ?? new MemoryTokenStore(),
      timeoutMs: this.timeoutMs,
      userAgent: this.userAgent,
      now,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
  }

  /** Rooms of a shop, one page (`perPage` ≤ 15). */
  async listMessages(
    shopId: string,
    opts: {
      page?: number;
      perPage?: number;
      filter?: "all" | "read" | "unread";
      order?: "asc" | "desc";
    } = {},
  ): Promise<TkRoom[]> {
    const env = await this.call("list messages", "GET", `/v1/chat/fs/${this.fsId}/messages`, {
      query: {
        shop_id: shopIdParam(shopId),
        page: opts.page ?? 1,
        per_page: perPage(opts.perPage),
        filter: opts.filter ?? "all",
        order: opts.order,
      },
    });
    return listOf(env.data, "list messages").map(parseRoom);
  }

  /** Bubbles of one room, one page (`perPage` ≤ 15). */
  async listReplies(
    shopId: string,
    msgId: string,
    opts: { page?: number; perPage?: number; order?: "asc" | "desc" } = {},
  ): Promise<TkReply[]> {
    const env = await this.call(
      "list replies",
      "GET",
      `/v1/chat/fs/${this.fsId}/messages/${idParam(msgId, "msg_id")}/replies`,
      {
        query: {
          shop_id: shopIdParam(shopId),
          page: opts.page ?? 1,
          per_page: perPage(opts.perPage),
          order: opts.order,
        },
      },
    );
    return listOf(env.data, "list replies").map(parseReply);
  }

  /** Posts a text reply into an existing room. The answer carries no reply_id. */
  async sendReply(shopId: string, msgId: string, text: string): Promise<TkSentReply> {
    const env = await this.call(
      "send reply",
      "POST",
      `/v1/chat/fs/${this.fsId}/messages/${idParam(msgId, "msg_id")}/reply`,
      // shop_id as a bare JSON number; ids are digit strings, so splice them in without a double round trip.
      { rawBody: `{"shop_id":${shopIdParam(shopId)},"message":${JSON.stringify(text)}}` },
    );
    return parseSentReply(env.data);
  }

  /** Shops bound to the app (or the one asked for). A non-bound shop_id answers 403 RBAC_MDLW_001. */
  async shopInfo(opts: { shopId?: string; page?: number; perPage?: number } = {}): Promise<TkShopInfo[]> {
    const env = await this.call("shop-info", "GET", `/v1/shop/fs/${this.fsId}/shop-info`, {
      query: {
        shop_id: opts.shopId === undefined ? undefined : shopIdParam(opts.shopId),
        page: opts.page ?? 1,
        per_page: opts.perPage ?? 50,
      },
    });
    return listOf(env.data, "shop-info").map(parseShop);
  }

  /** Finds a bound shop by its domain (the last segment of its URL), walking shop-info pages. */
  async findShopByDomain(domain: string, maxPages = 20): Promise<TkShopInfo | undefined> {
    const wanted = domain.trim().toLowerCase().replace(/^.*\//, "");
    const perPage = 50;
    for (let page = 1; page <= maxPages; page++) {
      const shops = await this.shopInfo({ page, perPage });
      const hit = shops.find((s) => s.domain?.toLowerCase() === wanted);
      if (hit) return hit;
      if (shops.length < perPage) return undefined;
    }
    return undefined;
  }

  /** The IPs whitelisted for the app. */
  async whitelist(): Promise<TkWhitelist> {
    const env = await this.call("whitelist", "GET", `/v1/fs/${this.fsId}/whitelist`, {});
    return parseWhitelist(env.data);
  }

  /** The app's registered webhook URLs (and secret, which Tokopedia echoes in clear). */
  async listWebhooks(): Promise<TkWebhookConfig> {
    const env = await this.call("list webhooks", "GET", `/v1/fs/${this.fsId}`, {});
    return parseWebhookConfig(env.data);
  }

  /**
   * Registers webhook URLs. Tokopedia REPLACES the whole configuration on every registration: a URL
   * not sent becomes "". So the current configuration is read first and sent back with `update` laid over it.
   * Returns the configuration sent.
   */
  async registerWebhooks(update: WebhookUpdate): Promise<TkWebhookConfig> {
    for (const [k, v] of Object.entries(update)) {
      if (k !== "webhook_secret" && !k.endsWith("_url")) {
        throw tokopediaError("badRequest", `Unknown Tokopedia webhook field "${k}"`, { field: k });
      }
      if (typeof v !== "string") throw tokopediaError("badRequest", `Webhook field "${k}" must be a string`);
    }
    const current = await this.listWebhooks();
    const urls: Record<string, string> = { ...current.urls };
    for (const [k, v] of Object.entries(update)) if (k.endsWith("_url")) urls[k] = v;
    const secret = update.webhook_secret ?? current.webhookSecret ?? "";
    const body = `{"fs_id":${this.fsId},${Object.entries(urls)
      .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)},`)
      .join("")}"webhook_secret":${JSON.stringify(secret)}}`;
    await this.call("register webhooks", "POST", `/v1/fs/${this.fsId}/register`, { rawBody: body });
    return { fsId: this.fsId, urls, webhookSecret: secret };
  }

  /**
   * One API call: rate-limit gate, bearer token, envelope check, typed errors.
   * Retries: once after a 401 with a renewed token (the cached one may have been revoked or expired early), and
   * after a 429 while the wait it asks for is short (a 429 means the request was not processed, so even a
   * send can be repeated). Nothing else is retried here; transient failures go back to the engine's job retry.
   */
  private async call(
    endpoint: string,
    method: "GET" | "POST",
    path: string,
    opts: { query?: Query; rawBody?: string },
  ): Promise<Envelope> {
    let renewed = false;
    let rateRetries = 0;
    let token = await this.tokens.get();
    for (;;) {
      await this.rate.pass(endpoint);
      const answer = await exchange({
        method,
        url: this.apiBaseUrl + path + queryString(opts.query),
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          "user-agent": this.userAgent,
          ...(opts.rawBody === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(opts.rawBody === undefined ? {} : { body: opts.rawBody }),
        timeoutMs: this.timeoutMs,
        endpoint,
        ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
      });
      const retryAfterMs = this.rate.observe(endpoint, answer.status, answer.headers);
      if (answer.status === 401 && !renewed) {
        renewed = true;
        const next = await this.tokens.renewAfterRejection(token);
        if (next !== token) {
          token = next;
          continue;
        }
      }
      if (answer.status === 429 && rateRetries < 3 && retryAfterMs <= this.maxRateLimitWaitMs) {
        rateRetries++;
        continue;
      }
      let body: unknown;
      try {
        body = answer.text === "" ? null : parseJsonKeepingIds(answer.text);
      } catch (err) {
        if (answer.status >= 200 && answer.status < 300) {
          throw tokopediaError(
            "badResponse",
            `Tokopedia ${endpoint} answered with invalid JSON`,
            { endpoint },
            err,
          );
        }
        body = null;
      }
      const env = readEnvelope(body, answer.status);
      if (env.ok) return env;
      throw mapFailure({
        endpoint,
        httpStatus: env.status,
        errorCode: env.errorCode,
        messages: env.messages,
        reason: env.reason,
        ...(answer.status === 429 ? { retryAfterMs } : {}),
      });
    }
  }
}

function queryString(q: Query | undefined): string {
  if (!q) return "";
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

function idParam(id: string, field: string): string {
  if (!/^\d+$/.test(id))
    throw tokopediaError("badRequest", `Tokopedia ${field} must be digits, got "${id}"`, { field });
  return id;
}

function shopIdParam(shopId: string): string {
  return idParam(String(shopId), "shop_id");
}

function perPage(n: number | undefined): number {
  const v = n ?? MAX_PER_PAGE;
  if (!Number.isInteger(v) || v < 1 || v > MAX_PER_PAGE) {
    throw tokopediaError("badRequest", `per_page must be 1..${MAX_PER_PAGE}, got ${v}`, {
      field: "per_page",
    });
  }
  return v;
}
