/**
 * The Tokopedia simulator: one node:http server on 127.0.0.1 (port 0) playing both hosts, accounts (`POST /token`)
 * and the Seller API (`/v1/...`), strict as docs/platforms/tokopedia.md describes. Tests, the sandbox and the
 * benchmarks drive it through the control methods of TokopediaSim.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { listenOnLoopback } from "../listen-loopback.js";
import { Bucket, type RateLimitSetting } from "./bucket.js";
import { type Delivery, deliver, signedWebhook } from "./deliver.js";
import type { HandlerSettings } from "./handlers.js";
import { type Wire, wireJson } from "./json-text.js";
import { ROUTES } from "./routes.js";
import {
  anchorLinks,
  type BindingState,
  type SimApp,
  type SimAttachment,
  type SimReply,
  type SimRoom,
  SimWorld,
} from "./state.js";
import { type TokenStats, tokenRequest } from "./token-route.js";
import { chatWebhookWire, errorA } from "./wire.js";

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

export type FaultTarget = "fs" | "token" | "any";

export interface SimRequestLog {
  method: string;
  path: string;
  endpoint: string;
  status: number;
  /** When the request arrived (the simulator's clock, ms): for measuring request rates. */
  at: number;
}

export interface BuyerSendResult {
  shopId: string;
  msgId: string;
  replyId: string;
  /** The webhook POSTs made for this message (empty when delivery is off or no URL is registered). */
  deliveries: Delivery[];
}

interface Fault {
  remaining: number;
  status: number;
  body?: string;
  target: FaultTarget;
}

function callerIp(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export class TokopediaSim {
  readonly world: SimWorld;
  private server: Server | undefined;
  private baseUrl = "";
  private tokenTtlSeconds: number;
  private rateLimits = new Map<string, RateLimitSetting | null>();
  private defaultRateLimit: RateLimitSetting | null;
  private buckets = new Map<string, Bucket>();
  private faults: Fault[] = [];
  private drops: { remaining: number; target: FaultTarget }[] = [];
  private latencyMs = 0;
  private webhookDelivery: boolean;
  private readonly webhookTimeoutMs: number;
  private readonly settings: HandlerSettings;
  private readonly log: SimRequestLog[] = [];
  private readonly port: number;
  private readonly deliveryLog: Delivery[] = [];
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
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent)
          this.send(
            res,
            500,
            errorA("Our server encounters an error, please try again later", String(err), 500),
          );
      });
    });
    const port = await listenOnLoopback(server, this.port);
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL of the simulated accounts host (POST /token). */
  get authUrl(): string {
    return this.baseUrl;
  }

  /** Base URL of the simulated Seller API (fs.tokopedia.net). */
  get apiUrl(): string {
    return this.baseUrl;
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

  /** The next `n` matching requests answer `status` with `body` (default: an envelope-A error). */
  failNext(n: number, status: number, body?: string | object, target: FaultTarget = "fs"): void {
    this.faults.push({
      remaining: n,
      status,
      target,
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  }

  /** The next `n` matching requests get their socket destroyed without an answer. */
  dropNext(n: number, target: FaultTarget = "fs"): void {
    this.drops.push({ remaining: n, target });
  }

  /** Delay before every answer (ms); 0 turns it off. */
  latency(ms: number): void {
    this.latencyMs = ms;
  }

  /** Requests seen, in order. */
  requests(): ReadonlyArray<SimRequestLog> {
    return this.log;
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

  private takeFault<T extends { remaining: number; target: FaultTarget }>(
    list: T[],
    kind: "fs" | "token",
  ): T | undefined {
    const f = list.find((x) => x.remaining > 0 && (x.target === "any" || x.target === kind));
    if (f) f.remaining--;
    return f;
  }

  private send(
    res: ServerResponse,
    status: number,
    body: Wire | string,
    headers: Record<string, string> = {},
  ): void {
    const text = typeof body === "string" ? body : wireJson(body);
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://sim.invalid");
    const kind = url.pathname === "/token" ? "token" : "fs";
    const entry: SimRequestLog = {
      method: req.method ?? "",
      path: url.pathname,
      endpoint: kind,
      status: 0,
      at: this.world.now(),
    };
    this.log.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
    });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    if (this.takeFault(this.drops, kind)) {
      entry.status = -1;
      req.socket.destroy();
      return;
    }
    const fault = this.takeFault(this.faults, kind);
    if (fault) {
      this.send(
        res,
        fault.status,
        fault.body ??
          errorA(
            "Our server encounters an error, please try again later",
            "simulated failure",
            String(fault.status),
          ),
      );
      return;
    }
    if (kind === "token") {
      this.handleToken(req, url, body, res);
      return;
    }
    this.handleFs(req, url, body, res, entry);
  }

  private handleToken(req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): void {
    const answer = tokenRequest(this.world, this.tokenStats, this.tokenTtlSeconds, {
      method: req.method ?? "",
      authorization: req.headers.authorization ?? "",
      grantType:
        url.searchParams.get("grant_type") ?? new URLSearchParams(body.toString("utf8")).get("grant_type"),
    });
    this.send(res, answer.status, answer.body);
  }

  private handleFs(
    req: IncomingMessage,
    url: URL,
    body: Buffer,
    res: ServerResponse,
    entry: SimRequestLog,
  ): void {
    const route = ROUTES.find((r) => r.method === req.method && r.pattern.test(url.pathname));
    if (!route) {
      this.send(res, 404, errorA("Not Found", "route not found", "404"));
      return;
    }
    entry.endpoint = route.endpoint;
    const params = route.pattern.exec(url.pathname)!.slice(1);
    const fsId = Number(params[0]);
    const app = this.world.app(fsId);
    if (app?.whitelist.enforce && !app.whitelist.ips.includes(callerIp(req))) {
      // Undocumented: 403 with the header/data envelope (an assumption).
      this.send(
        res,
        403,
        errorA(
          "Forbidden: your IP address is not whitelisted",
          `IP ${callerIp(req)} is not whitelisted for fs_id ${fsId}`,
          "ERR_IP_NOT_WHITELISTED",
        ),
      );
      return;
    }
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer\s+/i, "");
    const owner = this.world.apps.find((a) => !a.revoked && a.token?.value === bearer && bearer !== "");
    if (!owner?.token || this.world.now() >= owner.token.expiresAt || owner.fsId !== fsId) {
      this.send(res, 401, errorA("Unauthorized", "invalid or expired access token", 401));
      return;
    }
    const rate = this.rateHeaders(fsId, route.endpoint);
    if (rate && !rate.allowed) {
      this.send(
        res,
        429,
        errorA("Too Many Requests", "rate limit exceeded", "ERR_TOO_MANY_REQUEST"),
        rate.headers,
      );
      return;
    }
    const answer = route.handler(
      this.world,
      { app: owner, query: url.searchParams, body, params },
      this.settings,
    );
    this.send(res, answer.status, answer.body, rate?.headers ?? {});
  }

  private rateHeaders(
    fsId: number,
    endpoint: string,
  ): { allowed: boolean; headers: Record<string, string> } | null {
    const setting = this.rateLimits.has(endpoint) ? this.rateLimits.get(endpoint)! : this.defaultRateLimit;
    if (!setting) return null;
    const key = `${fsId}:${endpoint}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new Bucket(setting, this.world.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.world.now());
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
