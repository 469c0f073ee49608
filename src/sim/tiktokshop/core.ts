/**
 * Shared core of the simulator: options, clock, state, quotas and the webhook emitter. Routes (auth-host.ts,
 * open-api.ts) and the control API (simulator.ts) work on it; faults and the call log live in the simulator base.
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

export class SimCore {
  readonly state = new SimState();
  readonly opts: ResolvedSimOptions;
  readonly webhooks: WebhookEmitter;
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
