/**
 * Client-side models of Tokopedia Seller API data, normalised: ids are decimal strings (int64 safe), chat
 * times are ms since the epoch, optional fields are absent rather than null.
 */

/** The buyer (or other party) of a chat room (list messages `attributes.contact`). */
export interface TkContact {
  id: string;
  /** As sent: "user", "User", "Shop Owner", "Shop Admin", "Tokopedia Admin"... */
  role: string;
  name: string;
  tag?: string;
  thumbnail?: string;
}

/** One chat room (a "message" in Tokopedia's words) from list messages. */
export interface TkRoom {
  msgId: string;
  /** `user-<buyer id>~shop-<shop id>` */
  messageKey?: string;
  contact: TkContact;
  lastReplyMsg: string;
  lastReplyTime: number;
  readStatus?: number;
  unreads?: number;
  pinStatus?: number;
}

/** The `attachment` object of a list-replies bubble (undocumented; seen in a vendor SDK). */
export interface TkAttachment {
  id?: string;
  type: number;
  attributes: Record<string, unknown>;
  fallback?: { message?: string; html?: string };
}

/** One bubble of a room, from list replies. */
export interface TkReply {
  msgId: string;
  replyId: string;
  senderId: string;
  /** Role as a string; an integer role (send-reply) is given as its decimal string. */
  role: string;
  senderName: string;
  /** Raw text; may contain HTML anchors. */
  msg: string;
  replyTime: number;
  isOpposite?: boolean;
  readStatus?: number;
  status?: number;
  attachmentId?: string;
  attachment?: TkAttachment;
}

/** Result of send reply (it carries no reply_id). */
export interface TkSentReply {
  msgId: string;
  senderId: string;
  role: string;
  msg: string;
  replyTime: number;
  from: string;
}

export interface TkShopInfo {
  shopId: string;
  userId?: string;
  name: string;
  domain?: string;
  url?: string;
  logo?: string;
  isOpen?: boolean;
  status?: number;
}

export interface TkWhitelist {
  fsId: string;
  ips: string[];
}

/** The app's registered webhook configuration: every `*_url` field plus the secret. */
export interface TkWebhookConfig {
  fsId?: string;
  /** Field name (e.g. `chat_notification_url`) → URL ("" when unset). */
  urls: Record<string, string>;
  webhookSecret?: string;
}

/**
 * Inbound attachment of a chat webhook (`payload`, observed but undocumented:
 * docs/platforms/tokopedia.md#attachments).
 */
export interface TkWebhookPayload {
  attachmentType: number;
  image?: { imageUrl?: string };
  product?: { productId?: string; productUrl?: string; name?: string; price?: string; imageUrl?: string };
  invoice?: { code?: string; total?: string; status?: string; url?: string; title?: string };
  sticker?: { imageUrl?: string };
}

/** A chat notification webhook (docs/platforms/tokopedia.md#webhooks). */
export interface TkChatNotification {
  msgId: string;
  shopId: string;
  /** `buyer_id` (documented) or `user_id` (observed). */
  buyerId?: string;
  fullName?: string;
  thumbnail?: string;
  message: string;
  payload?: TkWebhookPayload;
}
