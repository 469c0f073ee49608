/**
 * TikTok Shop webhooks (docs/platforms/tiktokshop.md#webhooks): check `Authorization` = hex HMAC-SHA256(app_secret,
 * app_key + raw body), and parsing of the chat and seller topics into WebhookHints. Unknown topics are
 * acknowledged and ignored (empty list), since one URL receives every topic of the app.
 */
import { timingSafeEqual } from "node:crypto";
import { TkError } from "../../errors/index.js";
import type { WebhookHint } from "../types.js";
import { asRecord, idField, parseJsonKeepingBigInts } from "./json.js";
import { readMessage, type TtsMessage } from "./model.js";
import { type RenderLinks, renderContent, senderRole } from "./render.js";
import { signWebhookBody } from "./signing.js";

export const WEBHOOK_TYPES = {
  ORDER_STATUS_CHANGE: 1,
  SELLER_DEAUTHORIZATION: 6,
  UPCOMING_AUTHORIZATION_EXPIRATION: 7,
  NEW_CONVERSATION: 13,
  NEW_MESSAGE: 14,
} as const;

export function verifyWebhookSignature(
  appKey: string,
  appSecret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Uint8Array,
): boolean {
  const header = headerValue(headers, "authorization")?.trim().toLowerCase();
  if (!header || !/^[0-9a-f]{64}$/.test(header)) return false;
  const expected = Buffer.from(signWebhookBody(appKey, appSecret, rawBody), "utf8");
  const got = Buffer.from(header, "utf8");
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name) continue;
    return Array.isArray(v) ? v[0] : v;
  }
  return undefined;
}

function malformed(why: string): TkError {
  return new TkError("TK_ERR_WEBHOOK_MALFORMED", `Tokopedia & Shop webhook body is malformed: ${why}.`, {
    fix: "Usually a proxy rewriting bodies; check the reverse proxy passes the body through unchanged.",
    details: { retryable: false },
  });
}

export interface ParseWebhookOptions {
  links?: RenderLinks;
  /** Told of each type-14 message (whatever its visibility), e.g. to note unread buyer messages. */
  onMessage?: (conversationId: string, message: TtsMessage | undefined) => void;
}

export function parseWebhookBody(rawBody: Uint8Array, opts: ParseWebhookOptions = {}): WebhookHint[] {
  let body: Record<string, unknown> | undefined;
  try {
    body = asRecord(parseJsonKeepingBigInts(Buffer.from(rawBody).toString("utf8")));
  } catch {
    throw malformed("not JSON");
  }
  if (!body) throw malformed("not a JSON object");
  const type = body.type;
  if (typeof type !== "number") throw malformed("no numeric `type`");
  const notificationId = idField(body, "tts_notification_id");
  const shopId = idField(body, "shop_id");
  const data = asRecord(body.data);
  const base = { ...(notificationId ? { notificationId } : {}) };

  switch (type) {
    case WEBHOOK_TYPES.NEW_MESSAGE: {
      const roomId = idField(data, "conversation_id");
      if (!shopId || !roomId) throw malformed("type 14 without shop_id or conversation_id");
      const hint: WebhookHint = { shopId, roomId, ...base };
      const msg = readMessage(data, "message_id");
      // The webhook carries the whole message, under the id a read returns: with its index it is stored as is
      // (a hidden one only moves the room's cursor).
      if (msg) {
        hint.fallback = {
          shopId,
          roomId,
          messageId: msg.id,
          sentAt: msg.createTime * 1000,
          sender: senderRole(msg.sender.role),
          content: renderContent(msg.type, msg.content, opts),
          ...(msg.index ? { order: msg.index } : {}),
          ...(msg.isVisible ? {} : { hidden: true }),
        };
      }
      opts.onMessage?.(roomId, msg);
      return [hint];
    }
    case WEBHOOK_TYPES.NEW_CONVERSATION: {
      const roomId = idField(data, "conversation_id");
      if (!shopId || !roomId) throw malformed("type 13 without shop_id or conversation_id");
      return [{ shopId, roomId, roomOnly: true, ...base }];
    }
    case WEBHOOK_TYPES.ORDER_STATUS_CHANGE: {
      const orderId = idField(data, "order_id");
      const status = idField(data, "order_status");
      // Nothing to act on without them; acknowledged, like a topic the bridge does not use.
      if (!shopId || !orderId || !status) return [];
      // The webhook spells a cancelled order CANCEL; the Order API says CANCELLED.
      const order = {
        orderId,
        status: status === "CANCEL" ? "CANCELLED" : status,
        updatedAt: (typeof data?.update_time === "number" ? data.update_time : 0) * 1000,
      };
      return [{ shopId, roomId: "", order, ...base }];
    }
    case WEBHOOK_TYPES.SELLER_DEAUTHORIZATION:
    case WEBHOOK_TYPES.UPCOMING_AUTHORIZATION_EXPIRATION: {
      if (!shopId) throw malformed(`type ${type} without shop_id`);
      const event = type === WEBHOOK_TYPES.SELLER_DEAUTHORIZATION ? "deauthorized" : "authorization_expiring";
      // Not about one room: roomId is empty by convention for shop-level events.
      return [{ shopId, roomId: "", event, ...base }];
    }
    default:
      return [];
  }
}
