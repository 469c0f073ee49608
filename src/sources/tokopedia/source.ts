/**
 * TokopediaSource: the legacy Tokopedia Seller API behind the engine's MarketplaceSource interface.
 * Ids become strings, times stay ms, bubbles are rendered to neutral content; webhooks are hints.
 */
import { createHash } from "node:crypto";
import { isTkError } from "../../errors/index.js";
import type {
  MarketplaceSource,
  RoomRef,
  RoomSummary,
  SenderRole,
  SendResult,
  ShopDescription,
  SourceMessage,
  WebhookHint,
} from "../types.js";
import { MAX_PER_PAGE, TokopediaClient, type TokopediaClientOptions } from "./client.js";
import { TK_CODES, tokopediaError } from "./errors.js";
import { compareIds } from "./fields.js";
import { renderNotification, renderReply } from "./render.js";
import { walkReplies } from "./room-walk.js";
import type { TkReply, TkRoom } from "./types.js";
import { parseChatNotification, verifyTokopediaWebhook } from "./webhook.js";

export interface TokopediaSourceOptions {
  /** A client, or the options to build one. */
  client: TokopediaClient | TokopediaClientOptions;
  /** The app's webhook_secret; without it verifyWebhook always answers false. */
  webhookSecret?: string;
  /**
   * Longest reply accepted, in characters (code points). Tokopedia's limit is not documented; longer texts
   * are refused before any request with TK_ERR_TOKOPEDIA_TEXT_TOO_LONG. Default 10 000.
   */
  maxTextLength?: number;
  /** Safety cap for one readMessages walk (× 15 bubbles). Default 1 000. */
  maxReplyPages?: number;
  /** Cap for one listRooms walk (× 15 rooms). Default 40. */
  maxRoomPages?: number;
  now?: () => number;
}

export function senderOf(r: TkReply): SenderRole {
  return r.isOpposite === true || r.role.toLowerCase() === "user" ? "buyer" : "shop";
}

export class TokopediaSource implements MarketplaceSource {
  readonly kind = "tokopedia" as const;
  readonly client: TokopediaClient;
  private readonly webhookSecret: string;
  private readonly maxTextLength: number;
  private readonly maxReplyPages: number;
  private readonly maxRoomPages: number;
  private readonly now: () => number;

  constructor(opts: TokopediaSourceOptions) {
    this.client = opts.client instanceof TokopediaClient ? opts.client : new TokopediaClient(opts.client);
    this.webhookSecret = opts.webhookSecret ?? "";
    this.maxTextLength = opts.maxTextLength ?? 10_000;
    this.maxReplyPages = opts.maxReplyPages ?? 1_000;
    this.maxRoomPages = opts.maxRoomPages ?? 40;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Rooms whose last reply is at or after `since`, newest first. Pages until a short page, or until a whole
   * page (in newest-first order) is older than `since`.
   */
  async listRooms(shopId: string, since: number): Promise<RoomSummary[]> {
    const found = new Map<string, TkRoom>();
    for (let page = 1; page <= this.maxRoomPages; page++) {
      const list = await this.client.listMessages(shopId, { page, perPage: MAX_PER_PAGE, filter: "all" });
      for (const r of list) if (r.lastReplyTime >= since) found.set(r.msgId, r);
      if (list.length < MAX_PER_PAGE) break;
      const first = list[0]!;
      const last = list[list.length - 1]!;
      const newestFirst = first.lastReplyTime >= last.lastReplyTime;
      if (newestFirst && last.lastReplyTime < since) break;
    }
    return [...found.values()]
      .sort((a, b) => b.lastReplyTime - a.lastReplyTime || compareIds(b.msgId, a.msgId))
      .map((r) => ({
        shopId,
        roomId: r.msgId,
        lastMessageAt: r.lastReplyTime,
        buyer: {
          id: r.contact.id,
          name: r.contact.name || `Tokopedia buyer ${r.contact.id}`,
          ...(r.contact.thumbnail ? { avatarUrl: r.contact.thumbnail } : {}),
          platform: "TOKOPEDIA" as const,
        },
      }));
  }

  async readMessages(room: RoomRef, after?: { messageId?: string; time?: number }): Promise<SourceMessage[]> {
    const replies = await walkReplies(
      (page, perPage) => this.client.listReplies(room.shopId, room.roomId, { page, perPage, order: "desc" }),
      after,
      MAX_PER_PAGE,
      this.maxReplyPages,
    );
    return replies.map((r) => ({
      shopId: room.shopId,
      roomId: r.msgId,
      messageId: r.replyId,
      sentAt: r.replyTime,
      sender: senderOf(r),
      ...(r.senderName ? { senderName: r.senderName } : {}),
      content: renderReply(r),
    }));
  }

  /** Tokopedia's send-reply answer has no reply_id, so `messageIds` is empty; `sentAt` is its reply_time. */
  async sendText(room: RoomRef, text: string): Promise<SendResult> {
    if (text.trim() === "") throw tokopediaError("badRequest", "Cannot send an empty message to Tokopedia");
    const length = [...text].length;
    if (length > this.maxTextLength) {
      throw tokopediaError(
        "textTooLong",
        `Message has ${length} characters; the limit is ${this.maxTextLength}`,
        {
          length,
          limit: this.maxTextLength,
        },
      );
    }
    const sent = await this.client.sendReply(room.shopId, room.roomId, text);
    return { messageIds: [], sentAt: sent.replyTime };
  }

  verifyWebhook(headers: Record<string, string | string[] | undefined>, rawBody: Uint8Array): boolean {
    return verifyTokopediaWebhook(this.webhookSecret, headers, rawBody);
  }

  /**
   * One hint per notification. The webhook has no reply_id or time (docs/platforms/tokopedia.md#webhooks), so its
   * fallback message gets a synthetic id `wh:{sha256 of the body}` (a redelivery of the same body maps to the same
   * id) and the receipt time.
   */
  parseWebhook(rawBody: Uint8Array): WebhookHint[] {
    const n = parseChatNotification(rawBody);
    const ref = { shopId: n.shopId, roomId: n.msgId };
    const buyer = n.buyerId
      ? {
          id: n.buyerId,
          name: n.fullName ?? `Tokopedia buyer ${n.buyerId}`,
          ...(n.thumbnail ? { avatarUrl: n.thumbnail } : {}),
          platform: "TOKOPEDIA" as const,
        }
      : undefined;
    const digest = createHash("sha256").update(rawBody).digest("hex");
    const fallback: SourceMessage = {
      ...ref,
      messageId: `wh:${digest}`,
      sentAt: this.now(),
      sender: "buyer",
      ...(n.fullName ? { senderName: n.fullName } : {}),
      content: renderNotification(n),
    };
    return [{ ...ref, ...(buyer ? { buyer } : {}), fallback }];
  }

  /** Active when shop-info lists it; a 403 RBAC (not bound, no permission) or absence means not active. */
  async describeShop(shopId: string): Promise<ShopDescription> {
    try {
      const shops = await this.client.shopInfo({ shopId });
      const s = shops.find((x) => x.shopId === shopId);
      if (!s) {
        return {
          shopId,
          name: `shop ${shopId}`,
          active: false,
          reason: "The shop is not listed by shop-info (approval pending or removed).",
        };
      }
      return {
        shopId,
        name: s.name || s.domain || `shop ${shopId}`,
        ...(s.domain ? { domain: s.domain } : {}),
        ...(s.url ? { url: s.url } : {}),
        active: true,
      };
    } catch (err) {
      if (isTkError(err) && (err.code === TK_CODES.shopNotBound || err.code === TK_CODES.permission)) {
        return { shopId, name: `shop ${shopId}`, active: false, reason: err.message };
      }
      throw err;
    }
  }
}
