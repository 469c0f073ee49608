/**
 * TikTok Shop Partner API simulator: one server on the simulator base (127.0.0.1, a free port; routes in http.ts)
 * serving the auth host (/api/v2/token/*, /open/authorize) and the Open API host, plus a control API of plain
 * functions for tests, the sandbox and benchmarks. Point both `endpoints.tiktokshopAuth` and `endpoints.tiktokshopApi` at `url`.
 */
import type { SimDrop, SimServer } from "../base/index.js";
import { createAuthCode } from "./auth-host.js";
import { addMessage, newMessageData, openConversation } from "./chat.js";
import { parsedMessage, type SimContentInput, type SimSentMessage, toWire } from "./content.js";
import { type ConversationOrder, SimCore, type TikTokShopSimOptions } from "./core.js";
import { CS_SCOPE } from "./gateway.js";
import { type CallRecord, type TikTokShopFault, type TikTokShopHost, tiktokShopServer } from "./http.js";
import { ordersControl, type SimOrdersControl } from "./orders.js";
import { nextId, opaque, type SimBuyerPlatform, type SimSeller, type SimShop } from "./state.js";
import type { Notification, WebhookDelivery } from "./webhooks.js";

type TikTokShopServer = SimServer<TikTokShopHost, CallRecord, TikTokShopFault>;

export interface SimBuyerInput {
  id: string;
  name: string;
  platform?: SimBuyerPlatform;
  avatar?: string;
}

export interface SimSellerInput {
  name?: string;
  region?: string;
  scopes?: string[];
  userType?: number;
  /** Shops of the seller (default one Indonesian LOCAL shop). */
  shops?: Array<{ name?: string; region?: string; sellerType?: "LOCAL" | "CROSS_BORDER" }>;
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
  /** The next `n` matching requests (default: Open API calls) answer the fault instead of being handled. */
  failNext(n: number, fault: TikTokShopFault): void;
  /**
   * The next `n` matching requests (default: Open API calls) lose their connection without an answer: before
   * anything happened, or with `afterProcessing` after they were carried out (a message is stored), as a timeout
   * or reset looks to the caller.
   */
  dropNext(n: number, drop?: SimDrop<TikTokShopHost>): void;
  /** Delay before every answer (ms; to one host, or both when omitted); 0 turns it off. */
  latency(ms: number, host?: TikTokShopHost): void;
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
  const server = await tiktokShopServer(core).start(options.port);
  core.baseUrl = server.url;
  return controlApi(core, server);
}

function controlApi(core: SimCore, server: TikTokShopServer): TikTokShopSim {
  return {
    url: core.baseUrl,
    appKey: core.opts.appKey,
    appSecret: core.opts.appSecret,
    serviceId: core.opts.serviceId,
    close: async () => {
      core.webhooks.close();
      await server.close();
    },

    ...sellerControls(core),
    ...chatControls(core),

    setWebhookUrl: (url) => core.webhooks.setUrl(url),
    signedNewMessageWebhook(conversationId) {
      const c = conversationIn(core, conversationId);
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

    failNext: (n, fault) => server.failNext(n, fault),
    dropNext: (n, drop) => server.dropNext(n, drop),
    latency: (ms, host) => server.latency(ms, host),
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
    calls: () => [...server.requests()],
    orders: ordersControl(core),
  };
}

const conversationIn = (core: SimCore, id: string) => {
  const c = core.state.conversations.get(id);
  if (!c) throw new Error(`sim: unknown conversation ${id}`);
  return c;
};

const sellerIn = (core: SimCore, openId: string): SimSeller => {
  const s = core.state.sellers.get(openId);
  if (!s) throw new Error(`sim: unknown seller ${openId}`);
  return s;
};

const tokensIn = (core: SimCore, openId?: string) =>
  [...core.state.tokens.values()].filter((t) => !openId || t.openId === openId);

/** Sellers, their authorization and tokens. */
function sellerControls(
  core: SimCore,
): Pick<
  TikTokShopSim,
  | "createSeller"
  | "authorize"
  | "setScopes"
  | "deauthorize"
  | "authorizationExpiring"
  | "expireAccessTokens"
  | "revokeRefreshToken"
> {
  const st = core.state;
  const sellerOf = (openId: string) => sellerIn(core, openId);
  const tokensOf = (openId?: string) => tokensIn(core, openId);
  return {
    createSeller: (input = {}) => createSeller(core, input),
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

    expireAccessTokens(openId) {
      for (const t of tokensOf(openId)) t.accessExpiresAt = Math.min(t.accessExpiresAt, core.nowSec() - 1);
    },
    revokeRefreshToken(openId) {
      for (const t of tokensOf(openId)) {
        t.refreshUsed = true;
        st.tokensByRefresh.delete(t.refreshToken);
      }
    },
  };
}

/** Buyers and agents writing, and what a test reads back from conversations. */
function chatControls(
  core: SimCore,
): Pick<
  TikTokShopSim,
  | "buyerSends"
  | "agentSendsInSellerCenter"
  | "shopMessages"
  | "messages"
  | "conversationOf"
  | "unreadCount"
  | "ageConversation"
  | "buyerOrdered"
  | "setCanSendMessage"
  | "uploadedImages"
> {
  const st = core.state;
  const conv = (id: string) => conversationIn(core, id);
  return {
    buyerSends: (shopId, buyer, content) => buyerSends(core, shopId, buyer, content),
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
  };
}

/** A seller with its shops (default one Indonesian LOCAL shop), authorized for the customer-service scope. */
function createSeller(core: SimCore, input: SimSellerInput): ReturnType<TikTokShopSim["createSeller"]> {
  const st = core.state;
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
}

/** A buyer writes to a shop (opening the conversation on the first message). */
function buyerSends(
  core: SimCore,
  shopId: string,
  buyer: SimBuyerInput,
  content: SimContentInput,
): { conversationId: string; messageId: string } {
  const st = core.state;
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
}
