/**
 * The simulated platform's data: sellers, shops, tokens, auth codes, conversations and messages.
 * Ids are 19-digit numeric strings (beyond 2^53) like the real ones; times are Unix seconds on the wire.
 */
import { randomBytes } from "node:crypto";

export type SimRole = "BUYER" | "SHOP" | "CUSTOMER_SERVICE" | "SYSTEM" | "ROBOT";
export type SimBuyerPlatform = "TOKOPEDIA" | "TIKTOK_SHOP";

export interface SimShop {
  id: string;
  cipher: string;
  name: string;
  region: string;
  sellerType: "LOCAL" | "CROSS_BORDER";
  code: string;
  openId: string;
  /** Shop owner's IM identity (sender of SHOP messages). */
  imUserId: string;
}

export interface SimSeller {
  openId: string;
  name: string;
  region: string;
  scopes: string[];
  shops: SimShop[];
  /** 0 seller, 1 creator, 3 partner; the CS API needs 0. */
  userType: number;
  deauthorized: boolean;
}

export interface SimToken {
  accessToken: string;
  refreshToken: string;
  openId: string;
  /** Unix seconds. */
  accessExpiresAt: number;
  refreshExpiresAt: number;
  refreshUsed: boolean;
  revoked: boolean;
}

export interface SimAuthCode {
  code: string;
  openId: string;
  expiresAt: number;
  used: boolean;
}

export interface SimBuyer {
  userId: string;
  imUserId: string;
  name: string;
  platform: SimBuyerPlatform;
  avatar: string;
}

export interface SimMessage {
  id: string;
  conversationId: string;
  type: string;
  /** JSON document serialized as a string, as on the wire. */
  content: string;
  createTime: number;
  /** Ordering key within the conversation; time-related and increasing here. */
  index: string;
  isVisible: boolean;
  sender: { imUserId: string; role: SimRole; nickname: string; avatar: string };
  /** True when the message came in through the API (Send Message), false for Seller Center/buyer. */
  viaApi: boolean;
}

export interface SimConversation {
  id: string;
  shopId: string;
  buyer: SimBuyer;
  createTime: number;
  messages: SimMessage[];
  unreadCount: number;
  /** Last buyer message and last order (ms, sim clock) for the 30/60-day rule. */
  lastBuyerMessageAt: number;
  lastOrderAt?: number;
  /** Explicit override of the rule, for tests. */
  canSendOverride?: boolean;
}

let idCounter = 7494560109732334261n + BigInt(Math.floor(Math.random() * 1_000_000)) * 1000n;

/** A fresh 19-digit id (string), larger than any before it. */
export function nextId(): string {
  idCounter += 1n + BigInt(Math.floor(Math.random() * 7));
  return idCounter.toString();
}

export function opaque(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

export class SimState {
  readonly sellers = new Map<string, SimSeller>();
  readonly shops = new Map<string, SimShop>();
  readonly tokens = new Map<string, SimToken>();
  readonly tokensByRefresh = new Map<string, SimToken>();
  readonly codes = new Map<string, SimAuthCode>();
  readonly conversations = new Map<string, SimConversation>();
  readonly uploads: Array<{ shopId: string; url: string; bytes: number; contentType: string }> = [];
  private indexSeq = 0n;

  nextIndex(nowMs: number): string {
    this.indexSeq += 1n;
    return (BigInt(nowMs) * 1_000_000n + this.indexSeq).toString();
  }

  conversationOf(shopId: string, buyerUserId: string): SimConversation | undefined {
    for (const c of this.conversations.values()) {
      if (c.shopId === shopId && c.buyer.userId === buyerUserId) return c;
    }
    return undefined;
  }
}
