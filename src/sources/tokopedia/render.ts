/**
 * Rendering of Tokopedia bubbles into source-neutral MessageContent (docs/architecture.md, Inbound).
 *
 * Attachment type codes on inbound messages are undocumented (docs/platforms/tokopedia.md#attachments): 2 = image
 * and 3 = product card come from one integrator's production code; 7 = invoice and 21 = sticker follow Tokopedia's
 * internal chat protocol (an assumption). So the kind is decided by the fields present first and the code second,
 * and anything unrecognised falls back to Tokopedia's own fallback text.
 */
import type { MessageContent } from "../types.js";
import { isObject, type Json, pick, readId, readString } from "./fields.js";
import { chatHtmlToText } from "./html.js";
import type { TkAttachment, TkChatNotification, TkReply } from "./types.js";

export const ATTACHMENT = { text: 0, image: 2, product: 3, invoice: 7, sticker: 21 } as const;

function str(obj: Json, ...keys: string[]): string | undefined {
  const v = readString(pick(obj, ...keys));
  return v === undefined || v === "" ? undefined : v;
}

/** T with every key that may hold undefined made optional instead (what defined() returns). */
type WithoutUndefined<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** o without its undefined properties: content keeps an absent field absent, never present as undefined. */
function defined<T extends object>(o: T): WithoutUndefined<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as WithoutUndefined<T>;
}

function product(fields: Json, fallbackUrl?: string): MessageContent {
  const profile = isObject(fields.product_profile) ? fields.product_profile : fields;
  return defined({
    kind: "product" as const,
    name: str(profile, "name", "product_name") ?? "Product",
    price: str(profile, "price", "price_fmt"),
    url: str(profile, "url", "product_url") ?? str(fields, "product_url", "url") ?? fallbackUrl,
    imageUrl: str(profile, "image_url", "thumbnail") ?? str(fields, "image_url", "thumbnail"),
  });
}

function invoice(fields: Json): MessageContent {
  const a = isObject(fields.attributes) ? fields.attributes : fields;
  return defined({
    kind: "order" as const,
    code: str(a, "code", "invoice_code", "invoice_no") ?? readId(a.id) ?? "",
    total: str(a, "total_amount", "total"),
    status: str(a, "status"),
    url: str(a, "href_url", "url", "invoice_url"),
    title: str(a, "title"),
  });
}

function isSticker(type: number, fields: Json): boolean {
  return type === ATTACHMENT.sticker || fields.sticker_id !== undefined || fields.group_id !== undefined;
}

/** Content of one list-replies bubble. */
export function renderReply(reply: TkReply): MessageContent {
  const att: TkAttachment | undefined = reply.attachment;
  const text = chatHtmlToText(reply.msg);
  if (!att || att.type === ATTACHMENT.text) return { kind: "text", text };
  const a = att.attributes;
  const fallback = att.fallback?.message ? chatHtmlToText(att.fallback.message) : undefined;
  if (att.type === ATTACHMENT.image) {
    const url = str(a, "image_url", "image_url_cleaned", "thumbnail") ?? fallback;
    return url ? { kind: "image", url } : { kind: "unknown", text: text || "[Image]" };
  }
  if (att.type === ATTACHMENT.product) return product(a, fallback);
  if (att.type === ATTACHMENT.invoice || a.code !== undefined) return invoice(a);
  if (isSticker(att.type, a))
    return defined({ kind: "sticker" as const, name: text || undefined, url: str(a, "image_url") });
  return { kind: "unknown", text: fallback || text || `[Tokopedia attachment type ${att.type}]` };
}

/** Content carried by a chat webhook itself (used only as a fallback when the room cannot be read). */
export function renderNotification(n: TkChatNotification): MessageContent {
  const text = chatHtmlToText(n.message);
  const p = n.payload;
  if (!p || p.attachmentType === ATTACHMENT.text) return { kind: "text", text };
  if (p.image?.imageUrl) return { kind: "image", url: p.image.imageUrl };
  if (p.product && p.attachmentType === ATTACHMENT.product) {
    return defined({
      kind: "product" as const,
      name: p.product.name ?? "Product",
      price: p.product.price,
      url: p.product.productUrl,
      imageUrl: p.product.imageUrl,
    });
  }
  if (p.invoice && (p.attachmentType === ATTACHMENT.invoice || p.invoice.code)) {
    return defined({ kind: "order" as const, code: p.invoice.code ?? "", ...p.invoice });
  }
  // Observed integrations treat every other code as a sticker whose name is the message.
  return defined({ kind: "sticker" as const, name: text || undefined, url: p.sticker?.imageUrl });
}
