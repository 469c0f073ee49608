/**
 * The simulated Tokopedia world: apps (fs_id + client credentials, token, webhook config, IP whitelist),
 * shops and their binding to apps, chat rooms and their bubbles. Ids are bigint and exceed 2^31 like the real
 * ones; times are ms.
 */
import { randomBytes } from "node:crypto";

export type BindingState = "active" | "pending" | "removed";

/**
 * Webhook URL fields Tokopedia knows (docs/platforms/tokopedia.md#webhooks). Registration sets every one of them.
 */
export const WEBHOOK_URL_FIELDS = [
  "order_notification_url",
  "order_cancellation_url",
  "order_status_url",
  "order_request_cancellation_url",
  "order_partial_fulfillment_url",
  "chat_notification_url",
  "product_creation_url",
  "product_changes_url",
  "campaign_notification_url",
] as const;

export interface SimApp {
  fsId: number;
  clientId: string;
  clientSecret: string;
  revoked: boolean;
  token?: { value: string; expiresAt: number } | undefined;
  webhooks: Record<string, string>;
  webhookSecret: string;
  whitelist: { enforce: boolean; ips: string[] };
}

export interface SimShop {
  shopId: number;
  userId: bigint;
  name: string;
  domain: string;
}

/** What a buyer can send besides text. */
export type SimAttachment =
  | { kind: "image"; url: string }
  | { kind: "product"; productId?: number; name: string; price: string; url: string; imageUrl?: string }
  | { kind: "invoice"; code: string; total: string; status: string; url: string; title?: string }
  | { kind: "sticker"; name: string; imageUrl?: string };

export interface SimReply {
  replyId: bigint;
  msgId: bigint;
  senderId: bigint;
  role: "User" | "Shop Owner";
  senderName: string;
  /** The text as written (control API view). */
  text: string;
  /** The text as the API shows it (links wrapped in anchors). */
  msg: string;
  replyTime: number;
  fromBuyer: boolean;
  attachment?: SimAttachment;
  attachmentId?: bigint;
}

export interface SimRoom {
  msgId: bigint;
  shopId: number;
  buyerId: bigint;
  buyerName: string;
  thumbnail: string;
  replies: SimReply[];
  unreads: number;
}

export class SimWorld {
  readonly apps: SimApp[] = [];
  readonly shops = new Map<number, SimShop>();
  /** `${fsId}:${shopId}` → state */
  readonly bindings = new Map<string, BindingState>();
  readonly rooms = new Map<bigint, SimRoom>();
  private readonly buyerAliases = new Map<string, bigint>();
  private nextId: bigint;
  private nextUserId = 211_073_127n;
  private nextShopId = 481_154;
  private lastTime = 0;

  constructor(
    idBase: bigint,
    readonly now: () => number,
  ) {
    this.nextId = idBase;
  }

  id(): bigint {
    this.nextId += 1n;
    return this.nextId;
  }

  /** Non-decreasing ms clock for bubbles. */
  time(): number {
    this.lastTime = Math.max(this.now(), this.lastTime);
    return this.lastTime;
  }

  mintToken(): string {
    return `c:${randomBytes(16).toString("base64url")}`;
  }

  app(fsId: number): SimApp | undefined {
    return this.apps.find((a) => a.fsId === fsId);
  }

  createShop(opts: { shopId?: number; name: string; domain?: string }): SimShop {
    const shopId = opts.shopId ?? this.nextShopId++;
    const shop: SimShop = {
      shopId,
      userId: this.nextUserId++,
      name: opts.name,
      domain: opts.domain ?? opts.name.toLowerCase().replace(/[^a-z0-9]+/g, ""),
    };
    this.shops.set(shopId, shop);
    return shop;
  }

  binding(fsId: number, shopId: number): BindingState | undefined {
    return this.bindings.get(`${fsId}:${shopId}`);
  }

  /** A numeric buyer id as given, or a stable numeric id for an alias like "buyer-1". */
  buyerId(id: string | number | bigint): bigint {
    const s = String(id);
    if (/^\d+$/.test(s)) return BigInt(s);
    let known = this.buyerAliases.get(s);
    if (known === undefined) {
      known = this.nextUserId++;
      this.buyerAliases.set(s, known);
    }
    return known;
  }

  roomFor(shopId: number, buyerId: bigint, buyerName: string, thumbnail: string): SimRoom {
    for (const r of this.rooms.values()) {
      if (r.shopId === shopId && r.buyerId === buyerId) {
        r.buyerName = buyerName || r.buyerName;
        return r;
      }
    }
    const room: SimRoom = {
      msgId: this.id(),
      shopId,
      buyerId,
      buyerName,
      thumbnail,
      replies: [],
      unreads: 0,
    };
    this.rooms.set(room.msgId, room);
    return room;
  }
}

/** Wraps links the way Tokopedia shows them in `msg`. */
export function anchorLinks(text: string): string {
  return text.replace(/https?:\/\/[^\s<>"]+/g, (url) => {
    const attr = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
    return `<a rel="nofollow" target="_blank" href="${attr}">${url.replace(/&/g, "&amp;")}</a>`;
  });
}
