/**
 * TikTok Shop Partner API simulator: one node:http server on 127.0.0.1 (port 0) serving the auth host
 * (/api/v2/token/*, /open/authorize) and the Open API host, plus a control API of plain functions for tests,
 * the sandbox and benchmarks. Point both `endpoints.tiktokshopAuth` and `endpoints.tiktokshopApi` at `url`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createAuthCode, handleAuthHost } from "./auth-host.js";
import { addMessage, newMessageData, openConversation } from "./chat.js";
import {
  type CallRecord,
  type ConversationOrder,
  type Fault,
  SimCore,
  type TikTokShopSimOptions,
} from "./core.js";
import { CS_SCOPE, checkGateway } from "./gateway.js";
import { handleApi, ROUTES } from "./open-api.js";
import { handleOrderApi, ORDER_ROUTES, ordersControl, type SimOrdersControl } from "./orders.js";
import {
  nextId,
  opaque,
  type SimBuyerPlatform,
  type SimMessage,
  type SimSeller,
  type SimShop,
} from "./state.js";
import type { Notification, WebhookDelivery } from "./webhooks.js";
import { readBody, sendEnvelope, statusForCode } from "./wire.js";

export interface SimBuyerInput {
  id: string;
  name: string;
  platform?: SimBuyerPlatform;
  avatar?: string;
}

/** What a buyer can send: plain text, or a typed message. */
export type SimContentInput =
  | string
  | { type: "TEXT"; text: string }
  | { type: "IMAGE"; url: string; width?: number; height?: number }
  | { type: "PRODUCT_CARD"; productId: string }
  | { type: "ORDER_CARD"; orderId: string }
  | { type: "EMOTICONS"; name?: string; url?: string }
  | { type: "BUYER_ENTER_FROM_PRODUCT"; productId: string }
  | { type: "BUYER_ENTER_FROM_ORDER"; orderId: string }
  /** Any other type with its raw `content` object (VIDEO, NOTIFICATION, OTHER, ...). */
  | { type: string; content: Record<string, unknown>; visible?: boolean };

export interface SimSellerInput {
  name?: string;
  region?: string;
  scopes?: string[];
  userType?: number;
  /** Shops of the seller (default one Indonesian LOCAL shop). */
  shops?: Array<{ name?: string; region?: string; sellerType?: "LOCAL" | "CROSS_BORDER" }>;
}

export interface SimSentMessage {
  conversationId: string;
  messageId: string;
  type: string;
  /** Parsed content object. */
  content: Record<string, unknown>;
  /** TEXT content, for convenience. */
  text?: string;
  role: string;
  createTime: number;
  viaApi: boolean;
}

export interface TikTokShopSim {
  /** Base URL of both hosts, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly appKey: string;
  readonly appSecret: string;
  readonly serviceId: string;
  close(): Promise<void>;

  // Sellers and authorization
  createSeller(input?: SimSellerInput): {
    openId: string;
    name: string;
    shops: Array<{ id: string; cipher: string; name: string; region: string }>;
  };
  /** A fresh single-use auth code for the seller (what the consent redirect would carry). */
  authorize(openId: string): string;
  setScopes(openId: string, scopes: string[]): void;
  /** Seller revokes the app: tokens die, type-6 webhook per shop. */
  deauthorize(openId: string): void;
  /** Type-7 webhook per shop (authorization expiring in `days`). */
  authorizationExpiring(openId: string, days: number): void;

  // Chat
  buyerSends(
    shopId: string,
    buyer: SimBuyerInput,
    content: SimContentInput,
  ): { conversationId: string; messageId: string };
  /** A message typed by an agent in Seller Center (not through the API). */
  agentSendsInSellerCenter(
    conversationId: string,
    text: string,
    role?: "SHOP" | "CUSTOMER_SERVICE",
  ): { messageId: string };
  /** Messages of the conversation written by the shop side (SHOP, CUSTOMER_SERVICE, ROBOT), oldest first. */
  shopMessages(conversationId: string): SimSentMessage[];
  messages(conversationId: string): SimSentMessage[];
  conversationOf(shopId: string, buyerId: string): string | undefined;
  unreadCount(conversationId: string): number;
  /** Moves the buyer's last message and order back by `days` (for the 30/60-day rule). */
  ageConversation(conversationId: string, days: number): void;
  buyerOrdered(conversationId: string, daysAgo?: number): void;
  setCanSendMessage(conversationId: string, value: boolean | undefined): void;
  uploadedImages(): Array<{ shopId: string; url: string; bytes: number; contentType: string }>;

  // Webhooks
  setWebhookUrl(url: string | undefined): void;
  /** The signed type-14 notification the platform would send now for the newest buyer message (not delivered). */
  signedNewMessageWebhook(conversationId: string): {
    headers: Record<string, string>;
    body: Uint8Array;
    notificationId: string;
  };
  redeliverLastWebhook(times?: number): Promise<void>;
  /** Holds webhooks back until releaseWebhooks (to make deliveries cross, as concurrent ones may). */
  holdWebhooks(): void;
  /** Delivers the held webhooks one by one, in the order given, and stops holding. */
  releaseWebhooks(order?: "oldest-first" | "newest-first"): Promise<void>;
  flushWebhooks(): Promise<void>;
  webhookDeliveries(): WebhookDelivery[];
  webhooksSent(): Notification[];

  // Faults and limits
  failNext(n: number, fault: Fault): void;
  setLatency(ms: number): void;
  /** Drops the next `n` connections without an answer (to `host` only, or to either host by default). */
  dropNext(n: number, host?: "api" | "auth"): void;
  /**
   * The next `n` matching requests are carried out (a message is stored) but their connection is cut before the
   * answer, as a timeout or reset looks to the caller. `skip` lets that many matching requests through first.
   */
  loseAnswerNext(n: number, match?: { method?: string; pathEndsWith?: string; skip?: number }): void;
  expireAccessTokens(openId?: string): void;
  revokeRefreshToken(openId?: string): void;
  setQuota(q: { qps?: number; dailyQuota?: number }): void;
  /** How Get Conversations orders its list from now on (see TikTokShopSimOptions.conversationOrder). */
  setConversationOrder(order: ConversationOrder): void;
  resetQuotas(): void;
  setIpAllowList(ips: string[] | null): void;
  setSensitiveWords(words: string[]): void;
  /** Moves the simulated clock (token expiry, business rules); request timestamps still use real time. */
  advanceClock(ms: number): void;
  calls(): CallRecord[];
  /** Orders of the Order API: seed them, change their status (type-1 webhook). */
  readonly orders: SimOrdersControl;
}

export async function startTikTokShopSim(options: TikTokShopSimOptions = {}): Promise<TikTokShopSim> {
  const core = new SimCore(options);
  const server = createServer((req, res) => {
    handle(core, req, res).catch(() => {
      if (!res.headersSent) sendEnvelope(res, 36009003, "Internal error, please retry.", null);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  core.baseUrl = `http://127.0.0.1:${port}`;
  return controlApi(core, server);
}

const API_ROUTES = [...ROUTES, ...ORDER_ROUTES];

async function handle(core: SimCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", core.baseUrl);
  const isAuthHost = url.pathname.startsWith("/api/v2/token/") || url.pathname === "/open/authorize";
  const host = isAuthHost ? "auth" : "api";
  if (core.takeDrop(host)) {
    req.socket.destroy();
    return;
  }
  const body = await readBody(req);
  if (core.latencyMs > 0) await new Promise((r) => setTimeout(r, core.latencyMs));
  const record = (code: number, status: number, shopId?: string) =>
    core.calls.push({
      host,
      method: req.method ?? "",
      path: url.pathname,
      code,
      status,
      ...(shopId ? { shopId } : {}),
    });

  const fault = core.takeFault(host, req.method ?? "", url.pathname);
  if (fault) {
    const status = fault.status ?? (fault.code !== undefined ? statusForCode(fault.code) : 500);
    const headers =
      fault.retryAfterSec !== undefined ? { "retry-after": String(fault.retryAfterSec) } : undefined;
    if (fault.code !== undefined) {
      sendEnvelope(res, fault.code, fault.message ?? "Injected fault.", null, {
        status,
        ...(headers ? { headers } : {}),
      });
    } else {
      res
        .writeHead(status, { "content-type": "text/html", ...(headers ?? {}) })
        .end("<html>upstream error</html>");
    }
    record(fault.code ?? -1, status);
    return;
  }
  if (body === "too_large") {
    sendEnvelope(res, 36009021, "The uploaded file is too large.", null);
    record(36009021, 400);
    return;
  }

  if (isAuthHost) {
    const r = handleAuthHost(core, url, res);
    record(r === false ? 36009009 : r.code, res.statusCode);
    return;
  }

  const { route, result } = checkGateway(core, API_ROUTES, req, url, body);
  if (!result.ok) {
    sendEnvelope(res, result.code, result.message, null);
    record(result.code, statusForCode(result.code), result.shopId);
    return;
  }
  const out = ORDER_ROUTES.includes(route!)
    ? handleOrderApi(core, result.pass, body)
    : handleApi(core, route!, result.pass, body, req.headers["content-type"] ?? "");
  if (core.takeLostAnswer(req.method ?? "", url.pathname)) {
    record(out.code, -1, result.pass.shop?.id);
    req.socket.destroy();
    return;
  }
  sendEnvelope(res, out.code, out.code === 0 ? "Success" : (out.message ?? "Error"), out.data ?? {});
  record(out.code, statusForCode(out.code), result.pass.shop?.id);
}

function parsedMessage(m: SimMessage): SimSentMessage {
  const content = JSON.parse(m.content) as Record<string, unknown>;
  return {
    conversationId: m.conversationId,
    messageId: m.id,
    type: m.type,
    content,
    ...(m.type === "TEXT" && typeof content.content === "string" ? { text: content.content } : {}),
    role: m.sender.role,
    createTime: m.createTime,
    viaApi: m.viaApi,
  };
}

function toWire(input: SimContentInput): {
  type: string;
  content: Record<string, unknown>;
  visible?: boolean;
} {
  if (typeof input === "string") return { type: "TEXT", content: { content: input } };
  if ("content" in input && typeof input.content === "object") {
    return {
      type: input.type,
      content: input.content,
      ...("visible" in input && input.visible === false ? { visible: false } : {}),
    };
  }
  const i = input as Record<string, unknown>;
  switch (input.type) {
    case "TEXT":
      return { type: "TEXT", content: { content: i.text } };
    case "IMAGE":
      // Received images carry width/height as strings.
      return {
        type: "IMAGE",
        content: { url: i.url, width: String(i.width ?? 640), height: String(i.height ?? 480) },
      };
    case "PRODUCT_CARD":
    case "BUYER_ENTER_FROM_PRODUCT":
      return { type: input.type, content: { product_id: i.productId } };
    case "ORDER_CARD":
    case "BUYER_ENTER_FROM_ORDER":
      return { type: input.type, content: { order_id: i.orderId } };
    case "EMOTICONS":
      return {
        type: "EMOTICONS",
        content: { ...(i.name ? { name: i.name } : {}), ...(i.url ? { url: i.url } : {}) },
      };
    default:
      return { type: input.type, content: {} };
  }
}

function controlApi(core: SimCore, server: ReturnType<typeof createServer>): TikTokShopSim {
  const st = core.state;
  const conv = (id: string) => {
    const c = st.conversations.get(id);
    if (!c) throw new Error(`sim: unknown conversation ${id}`);
    return c;
  };
  const sellerOf = (openId: string): SimSeller => {
    const s = st.sellers.get(openId);
    if (!s) throw new Error(`sim: unknown seller ${openId}`);
    return s;
  };
  const tokensOf = (openId?: string) => [...st.tokens.values()].filter((t) => !openId || t.openId === openId);

  return {
    url: core.baseUrl,
    appKey: core.opts.appKey,
    appSecret: core.opts.appSecret,
    serviceId: core.opts.serviceId,
    close: async () => {
      core.webhooks.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },

    createSeller(input = {}) {
      const openId = nextId();
      const seller: SimSeller = {
        openId,
        name: input.name ?? "Toko Simulasi",
        region: input.region ?? "ID",
        scopes: input.scopes ?? ["seller.authorization.info", CS_SCOPE],
        userType: input.userType ?? 0,
        shops: [],
        deauthorized: false,
      };
      for (const s of input.shops ?? [{}]) {
        const shop: SimShop = {
          id: nextId(),
          cipher: opaque("ROW_", 18),
          name: s.name ?? seller.name,
          region: s.region ?? seller.region,
          sellerType: s.sellerType ?? "LOCAL",
          code: `ID${opaque("", 6)
            .toUpperCase()
            .replace(/[^A-Z0-9]/g, "X")}`,
          openId,
          imUserId: nextId(),
        };
        seller.shops.push(shop);
        st.shops.set(shop.id, shop);
      }
      st.sellers.set(openId, seller);
      return {
        openId,
        name: seller.name,
        shops: seller.shops.map((s) => ({ id: s.id, cipher: s.cipher, name: s.name, region: s.region })),
      };
    },
    authorize(openId) {
      const s = sellerOf(openId);
      s.deauthorized = false;
      return createAuthCode(core, openId);
    },
    setScopes(openId, scopes) {
      sellerOf(openId).scopes = [...scopes];
    },
    deauthorize(openId) {
      const s = sellerOf(openId);
      s.deauthorized = true;
      for (const t of tokensOf(openId)) t.revoked = true;
      for (const shop of s.shops) {
        core.webhooks.emit(6, shop.id, {
          message: `Shop_id ${shop.id} is deauthorized from your APP by merchant.`,
        });
      }
    },
    authorizationExpiring(openId, days) {
      for (const shop of sellerOf(openId).shops) {
        core.webhooks.emit(7, shop.id, {
          message: `Authorization of shop_id ${shop.id} is expiring in ${days} days. Please direct the merchant to re-authorize.`,
          expiration_time: String(core.nowSec() + days * 86_400),
        });
      }
    },

    buyerSends(shopId, buyer, content) {
      const shop = st.shops.get(shopId);
      if (!shop) throw new Error(`sim: unknown shop ${shopId}`);
      const existing = st.conversationOf(shopId, buyer.id);
      const c =
        existing ??
        openConversation(core, shop, {
          userId: buyer.id,
          imUserId: nextId(),
          name: buyer.name,
          platform: buyer.platform ?? "TOKOPEDIA",
          avatar: buyer.avatar ?? `https://p16-oec-va.ibyteimg.com/sim/avatar-${buyer.id}.image`,
        });
      const w = toWire(content);
      const m = addMessage(core, c, {
        type: w.type,
        content: w.content,
        role: "BUYER",
        ...(w.visible === false ? { visible: false } : {}),
      });
      return { conversationId: c.id, messageId: m.id };
    },
    agentSendsInSellerCenter(conversationId, text, role = "CUSTOMER_SERVICE") {
      const c = conv(conversationId);
      const m = addMessage(core, c, {
        type: "TEXT",
        content: { content: text },
        role,
        ...(role === "CUSTOMER_SERVICE" ? { nickname: "Agen CS" } : {}),
      });
      return { messageId: m.id };
    },
    shopMessages(conversationId) {
      return conv(conversationId)
        .messages.filter(
          (m) =>
            m.sender.role === "SHOP" || m.sender.role === "CUSTOMER_SERVICE" || m.sender.role === "ROBOT",
        )
        .map(parsedMessage);
    },
    messages(conversationId) {
      return conv(conversationId).messages.map(parsedMessage);
    },
    conversationOf(shopId, buyerId) {
      return st.conversationOf(shopId, buyerId)?.id;
    },
    unreadCount(conversationId) {
      return conv(conversationId).unreadCount;
    },
    ageConversation(conversationId, days) {
      const c = conv(conversationId);
      c.lastBuyerMessageAt -= days * 86_400_000;
      if (c.lastOrderAt !== undefined) c.lastOrderAt -= days * 86_400_000;
    },
    buyerOrdered(conversationId, daysAgo = 0) {
      conv(conversationId).lastOrderAt = core.now() - daysAgo * 86_400_000;
    },
    setCanSendMessage(conversationId, value) {
      const c = conv(conversationId);
      if (value === undefined) delete c.canSendOverride;
      else c.canSendOverride = value;
    },
    uploadedImages: () => [...st.uploads],

    setWebhookUrl: (url) => core.webhooks.setUrl(url),
    signedNewMessageWebhook(conversationId) {
      const c = conv(conversationId);
      const m = [...c.messages].reverse().find((x) => x.sender.role === "BUYER");
      if (!m) throw new Error(`sim: no buyer message in ${conversationId}`);
      const n = core.webhooks.emit(14, c.shopId, newMessageData(m), false);
      return { headers: n.headers, body: Buffer.from(n.body), notificationId: n.notificationId };
    },
    redeliverLastWebhook: (times = 1) => core.webhooks.redeliverLast(times),
    holdWebhooks: () => core.webhooks.hold(),
    releaseWebhooks: (order) => core.webhooks.release(order),
    flushWebhooks: () => core.webhooks.flush(),
    webhookDeliveries: () => [...core.webhooks.deliveries],
    webhooksSent: () => [...core.webhooks.sent],

    failNext(n, fault) {
      core.faults.push({ ...fault, remaining: n });
    },
    setLatency(ms) {
      core.latencyMs = ms;
    },
    dropNext(n, host) {
      core.drops.push({ host: host ?? "any", remaining: n });
    },
    loseAnswerNext(n, match = {}) {
      core.lostAnswers.push({ ...match, remaining: n });
    },
    expireAccessTokens(openId) {
      for (const t of tokensOf(openId)) t.accessExpiresAt = Math.min(t.accessExpiresAt, core.nowSec() - 1);
    },
    revokeRefreshToken(openId) {
      for (const t of tokensOf(openId)) {
        t.refreshUsed = true;
        st.tokensByRefresh.delete(t.refreshToken);
      }
    },
    setQuota(q) {
      if (q.qps !== undefined) core.opts.qps = q.qps;
      if (q.dailyQuota !== undefined) core.opts.dailyQuota = q.dailyQuota;
    },
    setConversationOrder(order) {
      core.opts.conversationOrder = order;
    },
    resetQuotas() {
      core.dailyCounts.clear();
      core.rateWindows.clear();
    },
    setIpAllowList(ips) {
      core.opts.ipAllowList = ips ? [...ips] : null;
    },
    setSensitiveWords(words) {
      core.opts.sensitiveWords = [...words];
    },
    advanceClock(ms) {
      core.clockOffsetMs += ms;
    },
    calls: () => [...core.calls],
    orders: ordersControl(core),
  };
}
