/**
 * The Tokopedia simulator: one server on the simulator base (127.0.0.1, a free port; routes in http.ts) playing both
 * hosts, accounts (`POST /token`) and the Seller API (`/v1/...`), strict as docs/platforms/tokopedia.md describes.
 * Tests, the sandbox and the benchmarks drive it through the control methods of TokopediaSim.
 */
import type { SimDrop } from "../base/index.js";
import type { Bucket, RateLimitSetting } from "./bucket.js";
import { type Delivery, deliver, signedWebhook } from "./deliver.js";
import type { HandlerSettings } from "./handlers.js";
import { type SimRequestLog, type TokopediaFault, type TokopediaHost, tokopediaServer } from "./http.js";
import { wireJson } from "./json-text.js";
import {
  anchorLinks,
  type BindingState,
  type SimApp,
  type SimAttachment,
  type SimReply,
  type SimRoom,
  SimWorld,
  WEBHOOK_URL_FIELDS,
} from "./state.js";
import type { TokenStats } from "./token-route.js";
import { chatWebhookWire } from "./wire.js";

export interface TokopediaSimOptions {
  /** Apps (fs_id + client credentials). Default: one app, fsId 13004, "sim-client-id" / "sim-client-secret". */
  apps?: Array<{ fsId: number; clientId: string; clientSecret: string }>;
  /** Lifetime of a newly minted token. Default 1 209 600 s (two weeks, per Tokopedia's October 2021 notice). */
  tokenTtlSeconds?: number;
  /** Per (fs_id, endpoint) bucket. Default 5 req/s, burst 5 (an assumption); null turns rate limiting off. */
  rateLimit?: RateLimitSetting | null;
  /** Longest accepted reply (code points). Undocumented; default 10 000. */
  maxTextLength?: number;
  /** How an empty page's `data` looks: null (default) or []. Both are possible (undocumented). */
  emptyPageData?: "null" | "array";
  /** Reply order when `order` is absent (default "desc"), and whether `order` is honoured (default true). */
  replyOrder?: { default: "asc" | "desc"; honourParam: boolean };
  /** shop-info envelope: "A" (current docs, default) or "B" (2021 fixtures). */
  shopInfoEnvelope?: "A" | "B";
  /** POST chat webhooks when a buyer writes. Default true. */
  webhookDelivery?: boolean;
  webhookTimeoutMs?: number;
  /** First id; ids grow from here. Default 2 360 940 371 (> 2^31, like real msg_ids). */
  idBase?: bigint;
  now?: () => number;
  /** Port on 127.0.0.1; default 0 (any free port). */
  port?: number;
}

export interface BuyerSendResult {
  shopId: string;
  msgId: string;
  replyId: string;
  /** The webhook POSTs made for this message (empty when delivery is off or no URL is registered). */
  deliveries: Delivery[];
}

export class TokopediaSim {
  readonly world: SimWorld;
  private tokenTtlSeconds: number;
  private rateLimits = new Map<string, RateLimitSetting | null>();
  private defaultRateLimit: RateLimitSetting | null;
  private readonly buckets = new Map<string, Bucket>();
  private webhookDelivery: boolean;
  private readonly webhookTimeoutMs: number;
  private readonly settings: HandlerSettings;
  private readonly deliveryLog: Delivery[] = [];
  private readonly http;
  private readonly port: number;
  /** /token calls that minted a new token vs returned the live one. */
  readonly tokenStats: TokenStats = { minted: 0, reused: 0, rejected: 0 };

  constructor(opts: TokopediaSimOptions = {}) {
    this.world = new SimWorld(opts.idBase ?? 2_360_940_371n, opts.now ?? Date.now);
    for (const a of opts.apps ?? [
      { fsId: 13004, clientId: "sim-client-id", clientSecret: "sim-client-secret" },
    ]) {
      this.addApp(a);
    }
    this.port = opts.port ?? 0;
    this.tokenTtlSeconds = opts.tokenTtlSeconds ?? 1_209_600;
    this.defaultRateLimit = opts.rateLimit === undefined ? { perSecond: 5, burst: 5 } : opts.rateLimit;
    this.webhookDelivery = opts.webhookDelivery ?? true;
    this.webhookTimeoutMs = opts.webhookTimeoutMs ?? 3000;
    this.settings = {
      maxTextLength: opts.maxTextLength ?? 10_000,
      emptyPageData: opts.emptyPageData ?? "null",
      replyOrder: opts.replyOrder ?? { default: "desc", honourParam: true },
      shopInfoEnvelope: opts.shopInfoEnvelope ?? "A",
    };
    this.http = tokopediaServer({
      world: this.world,
      settings: this.settings,
      tokenStats: this.tokenStats,
      tokenTtlSeconds: () => this.tokenTtlSeconds,
      rateLimit: (endpoint) =>
        this.rateLimits.has(endpoint) ? (this.rateLimits.get(endpoint) ?? null) : this.defaultRateLimit,
      buckets: this.buckets,
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  async start(): Promise<this> {
    await this.http.start(this.port);
    return this;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** Base URL of the simulated accounts host (POST /token). */
  get authUrl(): string {
    return this.http.url;
  }

  /** Base URL of the simulated Seller API (fs.tokopedia.net). */
  get apiUrl(): string {
    return this.http.url;
  }

  // ---- apps, tokens ----------------------------------------------------------------------------------------

  addApp(a: { fsId: number; clientId: string; clientSecret: string }): SimApp {
    const app: SimApp = {
      ...a,
      revoked: false,
      webhooks: {},
      webhookSecret: "",
      whitelist: { enforce: false, ips: ["127.0.0.1"] },
    };
    this.world.apps.push(app);
    return app;
  }

  /** The first (default) app's credentials. */
  get app(): { fsId: number; clientId: string; clientSecret: string } {
    const a = this.world.apps[0]!;
    return { fsId: a.fsId, clientId: a.clientId, clientSecret: a.clientSecret };
  }

  /** Every live token expires now: API calls with it answer 401 and /token mints a new one. */
  expireTokens(): void {
    const now = this.world.now();
    for (const a of this.world.apps) if (a.token) a.token.expiresAt = now;
  }

  /** Revokes an app's credentials (default: first app): /token answers 401 and its token stops working. */
  revokeClient(fsId = this.app.fsId): void {
    const a = this.requireApp(fsId);
    a.revoked = true;
    a.token = undefined;
  }

  restoreClient(fsId = this.app.fsId): void {
    this.requireApp(fsId).revoked = false;
  }

  setTokenTtl(seconds: number): void {
    this.tokenTtlSeconds = seconds;
  }

  // ---- shops -----------------------------------------------------------------------------------------------

  createShop(opts: { shopId?: number; name: string; domain?: string }): { shopId: string; domain: string } {
    const shop = this.world.createShop(opts);
    return { shopId: String(shop.shopId), domain: shop.domain };
  }

  /** Binds a shop to an app: "active" (approved, default) or "pending" (approval email sent). */
  bindShop(shopId: string | number, opts: { fsId?: number; state?: BindingState } = {}): void {
    const shop = this.requireShop(shopId);
    this.world.bindings.set(`${opts.fsId ?? this.app.fsId}:${shop.shopId}`, opts.state ?? "active");
  }

  /** Removes the binding: calls for the shop answer 403 RBAC_MDLW_001. */
  unbindShop(shopId: string | number, fsId = this.app.fsId): void {
    const shop = this.requireShop(shopId);
    this.world.bindings.set(`${fsId}:${shop.shopId}`, "removed");
  }

  // ---- chat ------------------------------------------------------------------------------------------------

  /**
   * A buyer writes to a shop (a new room for a new buyer). `buyerId` may be numeric or an alias ("buyer-1"), which
   * gets a stable numeric id. Resolves after the chat webhook (if any) was POSTed.
   */
  async buyerSends(
    shopId: string | number,
    buyerId: string | number,
    content: string | SimAttachment,
    opts: { buyerName?: string; thumbnail?: string } = {},
  ): Promise<BuyerSendResult> {
    const shop = this.requireShop(shopId);
    const buyer = this.world.buyerId(buyerId);
    const room = this.world.roomFor(
      shop.shopId,
      buyer,
      opts.buyerName ?? `Buyer ${buyer}`,
      opts.thumbnail ?? `https://accounts.tokopedia.com/image/v1/u/${buyer}/user_thumbnail/`,
    );
    const text = typeof content === "string" ? content : attachmentText(content);
    const reply: SimReply = {
      replyId: this.world.id(),
      msgId: room.msgId,
      senderId: buyer,
      role: "User",
      senderName: room.buyerName,
      text,
      msg: anchorLinks(text),
      replyTime: this.world.time(),
      fromBuyer: true,
    };
    if (typeof content !== "string") {
      reply.attachment = content;
      reply.attachmentId = this.world.id();
    }
    room.replies.push(reply);
    room.unreads++;
    const deliveries = this.webhookDelivery ? await this.deliverChat(room, reply) : [];
    return {
      shopId: String(shop.shopId),
      msgId: String(room.msgId),
      replyId: String(reply.replyId),
      deliveries,
    };
  }

  /** Texts the shop posted into a room through the API, oldest first. */
  shopReplies(room: { msgId: string } | string): string[] {
    return this.requireRoom(room)
      .replies.filter((r) => !r.fromBuyer)
      .map((r) => r.text);
  }

  /** The room's bubbles as stored (control view). */
  replies(room: { msgId: string } | string): ReadonlyArray<SimReply> {
    return this.requireRoom(room).replies;
  }

  /** The signed chat webhook Tokopedia would send now for the room's newest buyer message. */
  webhookFor(
    room: { msgId: string } | string,
    fsId = this.app.fsId,
  ): { headers: Record<string, string>; body: Buffer } {
    const r = this.requireRoom(room);
    const last = [...r.replies].reverse().find((x) => x.fromBuyer);
    if (!last) throw new Error(`room ${r.msgId} has no buyer message`);
    return signedWebhook(this.requireApp(fsId).webhookSecret, wireJson(chatWebhookWire(r, last)));
  }

  /**
   * Points an app's chat webhook at `url` (with the secret its deliveries are signed with), as the register
   * endpoint would, but as a control call: no request, no rate-limit token. The other webhook URLs are cleared,
   * as a registration replaces them all.
   */
  setWebhookUrl(url: string, opts: { secret?: string; fsId?: number } = {}): void {
    const a = this.requireApp(opts.fsId ?? this.app.fsId);
    a.webhooks = Object.fromEntries(WEBHOOK_URL_FIELDS.map((f) => [f, ""]));
    a.webhooks.chat_notification_url = url;
    a.webhookSecret = opts.secret ?? "";
  }

  setWebhookDelivery(on: boolean): void {
    this.webhookDelivery = on;
  }

  /** Every webhook POST made so far. */
  deliveries(): ReadonlyArray<Delivery> {
    return this.deliveryLog;
  }

  /** Registered webhook config of an app (control view). */
  webhookConfig(fsId = this.app.fsId): { urls: Record<string, string>; secret: string } {
    const a = this.requireApp(fsId);
    return { urls: { ...a.webhooks }, secret: a.webhookSecret };
  }

  // ---- whitelist, rate limits, faults ----------------------------------------------------------------------

  /**
   * IP allow-list mode: when enforced, Seller API calls from other IPs answer 403
   * (docs/platforms/tokopedia.md#ip-whitelist, assumed).
   */
  setIpWhitelist(opts: { enforce: boolean; ips?: string[] }, fsId = this.app.fsId): void {
    const a = this.requireApp(fsId);
    a.whitelist = { enforce: opts.enforce, ips: opts.ips ?? a.whitelist.ips };
  }

  /** Rate limit for one endpoint (e.g. "list-replies") or, without `endpoint`, the default; null = unlimited. */
  setRateLimit(setting: RateLimitSetting | null, endpoint?: string): void {
    if (endpoint) this.rateLimits.set(endpoint, setting);
    else this.defaultRateLimit = setting;
    this.buckets.clear();
  }

  /**
   * The next `n` matching requests (default: Seller API calls) answer `fault.status` with `fault.body`, or with
   * an envelope-A error when it has none.
   */
  failNext(n: number, fault: TokopediaFault): void {
    this.http.failNext(n, fault);
  }

  /** The next `n` matching requests (default: Seller API calls) get their socket destroyed without an answer. */
  dropNext(n: number, drop: SimDrop<TokopediaHost> = {}): void {
    this.http.dropNext(n, drop);
  }

  /** Delay before every answer (ms; to one host, or both when omitted); 0 turns it off. */
  latency(ms: number, host?: TokopediaHost): void {
    this.http.latency(ms, host);
  }

  /** Requests seen, in order (the live log). */
  requests(): SimRequestLog[] {
    return this.http.requests();
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private requireApp(fsId: number): SimApp {
    const a = this.world.app(fsId);
    if (!a) throw new Error(`no simulated app with fs_id ${fsId}`);
    return a;
  }

  private requireShop(shopId: string | number) {
    const shop = this.world.shops.get(Number(shopId));
    if (!shop) throw new Error(`no simulated shop ${shopId}; call createShop first`);
    return shop;
  }

  private requireRoom(room: { msgId: string } | string): SimRoom {
    const id = typeof room === "string" ? room : room.msgId;
    const r = /^\d+$/.test(id) ? this.world.rooms.get(BigInt(id)) : undefined;
    if (!r) throw new Error(`no simulated room ${id}`);
    return r;
  }

  private async deliverChat(room: SimRoom, reply: SimReply): Promise<Delivery[]> {
    const body = wireJson(chatWebhookWire(room, reply));
    const targets = this.world.apps.filter(
      (a) => this.world.binding(a.fsId, room.shopId) === "active" && a.webhooks.chat_notification_url,
    );
    const results = await Promise.all(
      targets.map((a) =>
        deliver(a.webhooks.chat_notification_url!, a.webhookSecret, body, this.webhookTimeoutMs),
      ),
    );
    this.deliveryLog.push(...results);
    return results;
  }
}

function attachmentText(a: SimAttachment): string {
  switch (a.kind) {
    case "image":
      return "Uploaded Image";
    case "product":
      return a.url;
    case "invoice":
      return a.code;
    case "sticker":
      return a.name;
  }
}

/** Starts a simulator on 127.0.0.1, port 0. */
export function startTokopediaSim(opts: TokopediaSimOptions = {}): Promise<TokopediaSim> {
  return new TokopediaSim(opts).start();
}
