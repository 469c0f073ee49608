/**
 * Chat notification webhooks (docs/platforms/tokopedia.md#signatures): `Authorization-Hmac` = lowercase hex
 * HMAC-SHA256(webhook_secret, raw body). Verified in constant time over the exact bytes received.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { TkError } from "../../errors/index.js";
import { isObject, type Json, readId, readNumber, readString } from "./fields.js";
import { parseJsonKeepingIds } from "./json.js";
import type { TkChatNotification, TkWebhookPayload } from "./types.js";

export const SIGNATURE_HEADER = "authorization-hmac";

export function signTokopediaWebhook(secret: string, rawBody: Uint8Array): string {
  return createHmac("sha256", secret).update(rawBody).digest("hex");
}

export function verifyTokopediaWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Uint8Array,
): boolean {
  if (!secret) return false;
  let given: string | undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === SIGNATURE_HEADER) given = Array.isArray(v) ? v[0] : v;
  }
  if (!given) return false;
  const expected = Buffer.from(signTokopediaWebhook(secret, rawBody), "utf8");
  const actual = Buffer.from(given.trim().toLowerCase(), "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function malformed(why: string): TkError {
  return new TkError("TK_ERR_WEBHOOK_MALFORMED", `Tokopedia chat webhook is malformed: ${why}`, {
    fix: "Usually a proxy rewriting bodies; check the reverse proxy passes the body through unchanged.",
    details: { source: "tokopedia" },
  });
}

function optional(obj: Json, key: string): string | undefined {
  const v = readString(obj[key]);
  return v === undefined || v === "" ? undefined : v;
}

function parsePayload(raw: unknown): TkWebhookPayload | undefined {
  if (!isObject(raw)) return undefined;
  const p: TkWebhookPayload = { attachmentType: readNumber(raw.attachment_type) ?? 0 };
  if (isObject(raw.image) && optional(raw.image, "image_url"))
    p.image = { imageUrl: optional(raw.image, "image_url")! };
  if (isObject(raw.product) && (optional(raw.product, "name") || optional(raw.product, "product_url"))) {
    const pr = raw.product;
    p.product = Object.fromEntries(
      Object.entries({
        productId: readId(pr.product_id),
        productUrl: optional(pr, "product_url"),
        name: optional(pr, "name"),
        price: optional(pr, "price"),
        imageUrl: optional(pr, "image_url"),
      }).filter(([, v]) => v !== undefined),
    );
  }
  if (isObject(raw.invoice)) {
    const inv = raw.invoice;
    p.invoice = Object.fromEntries(
      Object.entries({
        code: optional(inv, "code"),
        total: optional(inv, "total_amount") ?? optional(inv, "total"),
        status: optional(inv, "status"),
        url: optional(inv, "href_url") ?? optional(inv, "url"),
        title: optional(inv, "title"),
      }).filter(([, v]) => v !== undefined),
    );
  }
  if (isObject(raw.sticker) && optional(raw.sticker, "image_url")) {
    p.sticker = { imageUrl: optional(raw.sticker, "image_url")! };
  }
  return p;
}

/** Parses a chat notification; throws TK_ERR_WEBHOOK_MALFORMED when it is not one. */
export function parseChatNotification(rawBody: Uint8Array): TkChatNotification {
  let body: unknown;
  try {
    body = parseJsonKeepingIds(Buffer.from(rawBody).toString("utf8"));
  } catch {
    throw malformed("body is not JSON");
  }
  if (!isObject(body)) throw malformed("body is not a JSON object");
  const msgId = readId(body.msg_id);
  const shopId = readId(body.shop_id);
  if (!msgId) throw malformed("msg_id is missing or not a number");
  if (!shopId) throw malformed("shop_id is missing or not a number");
  if (body.message !== undefined && typeof body.message !== "string")
    throw malformed("message is not a string");
  const n: TkChatNotification = { msgId, shopId, message: readString(body.message) ?? "" };
  const buyerId = readId(body.buyer_id) ?? readId(body.user_id);
  if (buyerId && buyerId !== "0") n.buyerId = buyerId;
  const fullName = optional(body, "full_name");
  if (fullName) n.fullName = fullName;
  const thumbnail = optional(body, "thumbnail");
  if (thumbnail) n.thumbnail = thumbnail;
  const payload = parsePayload(body.payload);
  if (payload) n.payload = payload;
  return n;
}
