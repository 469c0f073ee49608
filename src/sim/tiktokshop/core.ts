/**
 * Shared core of the simulator: options, clock, state, faults, quotas and the webhook emitter. Routes
 * (auth-host.ts, open-api.ts) and the control API (sim.ts) work on it.
 */
import { SimState } from "./state.js";
import { WebhookEmitter } from "./webhooks.js";

export interface TikTokShopSimOptions {
  appKey?: string;
  appSecret?: string;
  serviceId?: string;
  /** Where the consent page stub redirects with ?code=&state= (fixed in Partner Center on the real platform). */
  redirectUrl?: string;
  /** Where webhooks are POSTed (Partner Center's HTTP server URL). */
  webhookUrl?: string;
  /** Access token lifetime (default 7 days). */
  accessTokenLifetimeSec?: number;
  /** Refresh token lifetime = end of the seller's authorization (default 365 days). */
  refreshTokenLifetimeSec?: number;
  /** Auth code lifetime (default 30 min, single use). */
  authCodeLifetimeSec?: number;
  /** A used refresh token stops working (default true; the platform's behaviour is undocumented). */
  singleUseRefreshTokens?: boolean;
  webhookTimeoutMs?: number;
  /** Retry schedule after a failed webhook delivery (default 2 min, 30 min, 3 h, 12 h). */
  webhookRetryDelaysMs?: number[];
  /** Requests per second per (app, shop, API) before 429 (default 50). */
  qps?: number;
  /**
   * Customer Service calls per shop per day before 45101004 (default 10,000; scope of the quota is undocumented).
   */
  dailyQuota?: number;
  /** TEXT length cap in UTF-16 code units (default 2000); longer → 45101001. */
  maxTextLength?: number;
  /** Words that make Send Message answer 45101006 (case-insensitive substrings). */
  sensitiveWords?: string[];
  /** When set, calls from other IPs get 36009033 (the server only sees 127.0.0.1 in tests). */
  ipAllowList?: string[] | null;
  /**
   * Order of Get Conversations (the platform does not document it, so the bridge must not rely on any):
   * "newest-created" (default), "oldest-created" or "recent-activity" (latest message first).
   */
  conversationOrder?: ConversationOrder;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

export const CONVERSATION_ORDERS = ["newest-created", "oldest-created", "recent-activity"] as const;
export type ConversationOrder = (typeof CONVERSATION_ORDERS)[number];

export type ResolvedSimOptions = Required<
  Omit<TikTokShopSimOptions, "redirectUrl" | "webhookUrl" | "ipAllowList" | "port">
> & {
  redirectUrl?: string;
  ipAllowList: string[] | null;
};

export interface Fault {
  /** HTTP status to answer with; default the status that goes with `code` (or 500). */
  status?: number;
  /** Platform code in the envelope; without it, a bare status with a non-JSON body. */
  code?: number;
  message?: string;
  /** Which host the fault hits: "api" (default) or "auth". */
  host?: "api" | "auth";
  /** Retry-After header value (seconds). */
  retryAfterSec?: number;
  /** Only requests with this method (e.g. "POST") count; default any. */
  method?: string;
  /** Only requests whose path ends with this text count (e.g. "/messages" for sends); default any path. */
  pathEndsWith?: string;
  /** Let this many matching requests through first (a fault on "the second part" of a reply is skip: 1). */
  skip?: number;
}

export interface CallRecord {
  host: "api" | "auth";
  method: string;
  path: string;
  code: number;
  status: number;
  shopId?: string;
}

export class SimCore {
  readonly state = new SimState();
  readonly opts: ResolvedSimOptions;
  readonly webhooks: WebhookEmitter;
  readonly calls: CallRecord[] = [];
  readonly faults: Array<Fault & { remaining: number }> = [];
  /** Requests to carry out and then cut before the answer (the message is stored, the caller sees a reset). */
  readonly lostAnswers: Array<{ remaining: number; method?: string; pathEndsWith?: string; skip?: number }> =
    [];
  /** Connections to drop without an answer, per host ("any" matches both). */
  readonly drops: Array<{ host: "api" | "auth" | "any"; remaining: number }> = [];
  latencyMs = 0;
  clockOffsetMs = 0;
  /** Base URL once listening (for image URLs and the consent stub). */
  baseUrl = "";
  readonly rateWindows = new Map<string, number[]>();
  readonly dailyCounts = new Map<string, number>();

  constructor(o: TikTokShopSimOptions) {
    this.opts = {
      appKey: o.appKey ?? "sim_app_key",
      appSecret: o.appSecret ?? "sim_app_secret",
      serviceId: o.serviceId ?? "7431458374265161478",
      accessTokenLifetimeSec: o.accessTokenLifetimeSec ?? 7 * 86_400,
      refreshTokenLifetimeSec: o.refreshTokenLifetimeSec ?? 365 * 86_400,
      authCodeLifetimeSec: o.authCodeLifetimeSec ?? 1_800,
      singleUseRefreshTokens: o.singleUseRefreshTokens ?? true,
      webhookTimeoutMs: o.webhookTimeoutMs ?? 3_000,
      webhookRetryDelaysMs: o.webhookRetryDelaysMs ?? [120_000, 1_800_000, 10_800_000, 43_200_000],
      qps: o.qps ?? 50,
      dailyQuota: o.dailyQuota ?? 10_000,
      maxTextLength: o.maxTextLength ?? 2_000,
      sensitiveWords: o.sensitiveWords ?? [],
      ipAllowList: o.ipAllowList ?? null,
      conversationOrder: o.conversationOrder ?? "newest-created",
      ...(o.redirectUrl ? { redirectUrl: o.redirectUrl } : {}),
    };
    this.webhooks = new WebhookEmitter({
      appKey: this.opts.appKey,
      appSecret: this.opts.appSecret,
      ...(o.webhookUrl ? { url: o.webhookUrl } : {}),
      timeoutMs: this.opts.webhookTimeoutMs,
      retryDelaysMs: this.opts.webhookRetryDelaysMs,
      nowSec: () => this.nowSec(),
    });
  }

  /** Simulated platform time (ms): real time plus any advanceClock() offset. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Takes the next fault for this request, if any (a fault with `skip` left lets the request through). */
  takeFault(host: "api" | "auth", method = "", path = ""): Fault | undefined {
    const f = this.faults.find(
      (x) =>
        (x.host ?? "api") === host &&
        x.remaining > 0 &&
        (x.method === undefined || x.method === method) &&
        (x.pathEndsWith === undefined || path.endsWith(x.pathEndsWith)),
    );
    if (!f) return undefined;
    if (f.skip !== undefined && f.skip > 0) {
      f.skip--;
      return undefined;
    }
    f.remaining--;
    if (f.remaining === 0) this.faults.splice(this.faults.indexOf(f), 1);
    return f;
  }

  /** True (and counted) when this request's answer is to be lost after it was carried out. */
  takeLostAnswer(method: string, path: string): boolean {
    const l = this.lostAnswers.find(
      (x) =>
        x.remaining > 0 &&
        (x.method === undefined || x.method === method) &&
        (x.pathEndsWith === undefined || path.endsWith(x.pathEndsWith)),
    );
    if (!l) return false;
    if (l.skip !== undefined && l.skip > 0) {
      l.skip--;
      return false;
    }
    l.remaining--;
    if (l.remaining === 0) this.lostAnswers.splice(this.lostAnswers.indexOf(l), 1);
    return true;
  }

  /** True (and counted) when the next request to `host` is to be dropped. */
  takeDrop(host: "api" | "auth"): boolean {
    const d = this.drops.find((x) => (x.host === "any" || x.host === host) && x.remaining > 0);
    if (!d) return false;
    d.remaining--;
    if (d.remaining === 0) this.drops.splice(this.drops.indexOf(d), 1);
    return true;
  }

  /** Sliding one-second window per key; true when the call is over the limit. */
  overRate(key: string): boolean {
    const now = Date.now();
    const win = (this.rateWindows.get(key) ?? []).filter((t) => now - t < 1000);
    const over = win.length >= this.opts.qps;
    if (!over) win.push(now);
    this.rateWindows.set(key, win);
    return over;
  }

  /** Counts a CS call against the shop's daily quota; true when the quota is exhausted. */
  overQuota(shopId: string): boolean {
    const key = `${shopId}:${new Date(this.now()).toISOString().slice(0, 10)}`;
    const n = this.dailyCounts.get(key) ?? 0;
    if (n >= this.opts.dailyQuota) return true;
    this.dailyCounts.set(key, n + 1);
    return false;
  }
}
