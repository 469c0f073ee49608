/**
 * Turns Tokopedia `data` values into client models. Each parser throws a TK_ERR_TOKOPEDIA_BAD_RESPONSE when a
 * field the bridge depends on (ids, times) is missing; everything else is optional.
 */
import { tokopediaError } from "./errors.js";
import { isObject, type Json, pick, readBool, readId, readNumber, readString } from "./fields.js";
import type {
  TkAttachment,
  TkContact,
  TkReply,
  TkRoom,
  TkSentReply,
  TkShopInfo,
  TkWebhookConfig,
  TkWhitelist,
} from "./types.js";

function need<T>(value: T | undefined, endpoint: string, field: string): T {
  if (value === undefined) {
    throw tokopediaError("badResponse", `Tokopedia ${endpoint} response lacks ${field}`, { endpoint, field });
  }
  return value;
}

/** A list `data` value: array, or null/absent for an empty page (both occur). */
export function listOf(data: unknown, endpoint: string): Json[] {
  if (data === null || data === undefined) return [];
  if (!Array.isArray(data))
    throw tokopediaError("badResponse", `Tokopedia ${endpoint} data is not a list`, { endpoint });
  return data.filter(isObject);
}

function roleOf(v: unknown): string {
  return readString(v) ?? "";
}

export function parseContact(raw: unknown): TkContact {
  const c = isObject(raw) ? raw : {};
  const attrs = isObject(c.attributes) ? c.attributes : {};
  const tag = readString(attrs.tag);
  const thumbnail = readString(attrs.thumbnail);
  return {
    id: readId(c.id) ?? "",
    role: roleOf(c.role),
    name: readString(pick(attrs, "Name", "name")) ?? "",
    ...(tag ? { tag } : {}),
    ...(thumbnail ? { thumbnail } : {}),
  };
}

export function parseRoom(raw: Json): TkRoom {
  const ep = "list messages";
  const attrs = isObject(raw.attributes) ? raw.attributes : {};
  const room: TkRoom = {
    msgId: need(readId(raw.msg_id), ep, "msg_id"),
    contact: parseContact(attrs.contact),
    lastReplyMsg: readString(attrs.last_reply_msg) ?? "",
    lastReplyTime: readNumber(attrs.last_reply_time) ?? 0,
  };
  const key = readString(raw.message_key);
  if (key) room.messageKey = key;
  const readStatus = readNumber(attrs.read_status);
  if (readStatus !== undefined) room.readStatus = readStatus;
  const unreads = readNumber(attrs.unreads);
  if (unreads !== undefined) room.unreads = unreads;
  const pin = readNumber(attrs.pin_status);
  if (pin !== undefined) room.pinStatus = pin;
  return room;
}

export function parseAttachment(raw: unknown): TkAttachment | undefined {
  if (!isObject(raw)) return undefined;
  const type = readNumber(raw.type);
  if (type === undefined) return undefined; // `{}` = no attachment
  const att: TkAttachment = { type, attributes: isObject(raw.attributes) ? raw.attributes : {} };
  const id = readId(raw.id);
  if (id) att.id = id;
  const fb = isObject(raw.fallback_attachment) ? raw.fallback_attachment : undefined;
  if (fb) {
    const message = readString(fb.message);
    const html = readString(fb.html);
    att.fallback = { ...(message ? { message } : {}), ...(html ? { html } : {}) };
  }
  return att;
}

export function parseReply(raw: Json): TkReply {
  const ep = "list replies";
  const reply: TkReply = {
    msgId: need(readId(raw.msg_id), ep, "msg_id"),
    replyId: need(readId(raw.reply_id), ep, "reply_id"),
    senderId: readId(raw.sender_id) ?? "",
    role: roleOf(raw.role),
    senderName: readString(raw.sender_name) ?? "",
    msg: readString(raw.msg) ?? "",
    replyTime: need(readNumber(raw.reply_time), ep, "reply_time"),
  };
  const opposite = readBool(raw.is_opposite);
  if (opposite !== undefined) reply.isOpposite = opposite;
  const readStatus = readNumber(raw.read_status);
  if (readStatus !== undefined) reply.readStatus = readStatus;
  const status = readNumber(raw.status);
  if (status !== undefined) reply.status = status;
  const attachmentId = readId(raw.attachment_id);
  if (attachmentId && attachmentId !== "0") reply.attachmentId = attachmentId;
  const attachment = parseAttachment(raw.attachment);
  if (attachment) reply.attachment = attachment;
  return reply;
}

export function parseSentReply(data: unknown): TkSentReply {
  const ep = "send reply";
  const d = isObject(data) ? data : {};
  return {
    msgId: need(readId(d.msg_id), ep, "msg_id"),
    senderId: readId(d.sender_id) ?? "",
    role: roleOf(d.role),
    msg: readString(d.msg) ?? "",
    replyTime: need(readNumber(d.reply_time), ep, "reply_time"),
    from: readString(d.from) ?? "",
  };
}

export function parseShop(raw: Json): TkShopInfo {
  const shop: TkShopInfo = {
    shopId: need(readId(raw.shop_id), "shop-info", "shop_id"),
    name: readString(raw.shop_name) ?? "",
  };
  const userId = readId(raw.user_id);
  if (userId) shop.userId = userId;
  const domain = readString(raw.domain);
  if (domain) shop.domain = domain;
  const url = readString(raw.shop_url);
  if (url) shop.url = url;
  const logo = readString(raw.logo);
  if (logo) shop.logo = logo;
  const isOpen = readBool(raw.is_open);
  if (isOpen !== undefined) shop.isOpen = isOpen;
  const status = readNumber(raw.status);
  if (status !== undefined) shop.status = status;
  return shop;
}

export function parseWhitelist(data: unknown): TkWhitelist {
  const d = isObject(data) ? data : {};
  const ips = Array.isArray(d.ip_whitelisted) ? d.ip_whitelisted.map((ip) => readString(ip) ?? "") : [];
  return { fsId: readId(d.fs_id) ?? readString(d.fs_id) ?? "", ips: ips.filter((ip) => ip !== "") };
}

export function parseWebhookConfig(data: unknown): TkWebhookConfig {
  const d = isObject(data) ? data : {};
  const urls: Record<string, string> = {};
  for (const [k, v] of Object.entries(d)) {
    if (k.endsWith("_url") && (typeof v === "string" || v === null)) urls[k] = v ?? "";
  }
  const cfg: TkWebhookConfig = { urls };
  const fsId = readId(d.fs_id);
  if (fsId) cfg.fsId = fsId;
  const secret = readString(d.webhook_secret);
  if (secret !== undefined) cfg.webhookSecret = secret;
  return cfg;
}
