/**
 * Renders TikTok Shop messages into source-neutral MessageContent (docs/architecture.md). `content` is a JSON document
 * inside a string (docs/platforms/tiktokshop.md#conversations-and-messages). Anything unreadable becomes a fallback,
 * never an exception: one odd message must not stop a room from syncing.
 */
import type { MessageContent, SenderRole } from "../types.js";
import { asRecord, idField, numField, strField } from "./json.js";

export interface RenderLinks {
  /** Link shown with a product card; default a Seller Center product link (an assumption, configurable). */
  product?: (productId: string) => string | undefined;
  /** Link shown with an order card; default a Seller Center order link (an assumption, configurable). */
  order?: (orderId: string) => string | undefined;
}

export const DEFAULT_LINKS: Required<RenderLinks> = {
  product: (id) => `https://seller-id.tokopedia.com/product/edit?product_id=${encodeQueryValue(id)}`,
  order: (id) => `https://seller-id.tokopedia.com/order/detail?order_no=${encodeQueryValue(id)}`,
};

/**
 * encodeURIComponent that cannot throw: it throws URIError on a lone surrogate, which a JSON id can hold
 * (`"\ud800"`); such a unit is encoded as U+FFFD instead, so one odd id cannot stop a room from syncing.
 */
export function encodeQueryValue(value: string): string {
  return encodeURIComponent(value.replace(/\p{Cs}/gu, "\uFFFD"));
}

export function senderRole(role: string): SenderRole {
  switch (role) {
    case "BUYER":
      return "buyer";
    // The shop's own account, its agents and Seller Center's chat-bot all speak for the shop.
    case "SHOP":
    case "CUSTOMER_SERVICE":
    case "ROBOT":
      return "shop";
    default:
      return "system";
  }
}

/** What one message type's renderer gets: the parsed content and the shared pieces. */
interface RenderInput {
  type: string;
  raw: string;
  /** The parsed `content` object; undefined when it is not a JSON object. */
  c: Record<string, unknown> | undefined;
  /** Its `content` text field, which several types carry. */
  text: string | undefined;
  links: Required<RenderLinks>;
  unsupportedTips: string | undefined;
  /** The placeholder for something the bridge cannot show: the platform's tip, else "[label — ...]". */
  fallback(label: string): MessageContent;
}

type Renderer = (m: RenderInput) => MessageContent;

function renderImage({ c, fallback }: RenderInput): MessageContent {
  const url = strField(c, "url");
  if (!url) return fallback("Image");
  const width = numField(c, "width");
  const height = numField(c, "height");
  return {
    kind: "image",
    url,
    ...(width !== undefined ? { width } : {}),
    ...(height !== undefined ? { height } : {}),
  };
}

function renderProductCard({ c, links, fallback }: RenderInput): MessageContent {
  const id = idField(c, "product_id");
  if (!id) return fallback("Product card");
  const name = strField(c, "title") ?? strField(c, "name") ?? strField(c, "product_name");
  const price = strField(c, "price") ?? strField(c, "sale_price");
  const imageUrl = strField(c, "image_url") ?? strField(c, "cover");
  const url = links.product(id);
  return {
    kind: "product",
    name: name ?? `Product ${id}`,
    ...(price ? { price } : {}),
    ...(url ? { url } : {}),
    ...(imageUrl ? { imageUrl } : {}),
  };
}

/** The title of an order-like card: return/refund and shipping cards say what they are about. */
function orderCardTitle(type: string, c: Record<string, unknown> | undefined): string | undefined {
  if (type === "RETURN_REFUND_CARD") {
    const sku = idField(c, "sku_id");
    return `Return/refund request${sku ? ` (SKU ${sku})` : ""}`;
  }
  if (type === "LOGISTICS_CARD") {
    const pkg = idField(c, "package_id");
    return `Shipping${pkg ? ` (package ${pkg})` : ""}`;
  }
  return undefined;
}

function renderOrderCard({ type, c, links, fallback }: RenderInput): MessageContent {
  const id = idField(c, "order_id");
  if (!id) return fallback("Order card");
  const url = links.order(id);
  const title = orderCardTitle(type, c);
  const status = strField(c, "status") ?? strField(c, "order_status");
  return {
    kind: "order",
    code: id,
    ...(title ? { title } : {}),
    ...(status ? { status } : {}),
    ...(url ? { url } : {}),
  };
}

function renderSticker({ c, text }: RenderInput): MessageContent {
  const name = strField(c, "name") ?? idField(c, "emoticon_id") ?? text;
  const url = strField(c, "url") ?? strField(c, "image_url");
  return { kind: "sticker", ...(name ? { name } : {}), ...(url ? { url } : {}) };
}

/** "Buyer opened the chat from product/order X": a context line with the card's link. */
function enteredFrom(what: "product" | "order"): Renderer {
  return ({ c, links }) => {
    const id = idField(c, `${what}_id`);
    const url = id ? links[what](id) : undefined;
    return {
      kind: "context",
      text: `Buyer opened the chat from ${what} ${id ?? "(unknown)"}${url ? ` ${url}` : ""}`,
    };
  };
}

/** A context line: the platform's own text, else `otherwise`. */
function contextLine(otherwise: string): Renderer {
  return ({ text }) => ({ kind: "context", text: text ?? otherwise });
}

/** One renderer per message type (docs/platforms/tiktokshop.md#conversations-and-messages). */
const RENDERERS: ReadonlyMap<string, Renderer> = new Map<string, Renderer>([
  ["TEXT", ({ c, text, raw }) => ({ kind: "text", text: text ?? (c ? "" : raw) })],
  ["IMAGE", renderImage],
  ["PRODUCT_CARD", renderProductCard],
  ["ORDER_CARD", renderOrderCard],
  ["RETURN_REFUND_CARD", renderOrderCard],
  ["LOGISTICS_CARD", renderOrderCard],
  [
    "COUPON_CARD",
    ({ c }) => {
      const id = idField(c, "coupon_id");
      return { kind: "context", text: id ? `[Coupon ${id}]` : "[Coupon]" };
    },
  ],
  ["EMOTICONS", renderSticker],
  // The video URL is signed and expires; it is passed on while it is valid.
  [
    "VIDEO",
    ({ c }) => {
      const url = strField(c, "url");
      return { kind: "video", ...(url ? { url } : {}) };
    },
  ],
  ["BUYER_ENTER_FROM_PRODUCT", enteredFrom("product")],
  ["BUYER_ENTER_FROM_ORDER", enteredFrom("order")],
  ["BUYER_ENTER_FROM_TRANSFER", contextLine("The chat was transferred to another agent")],
  ["ALLOCATED_SERVICE", contextLine("An agent joined the chat")],
  ["NOTIFICATION", contextLine("[Notification]")],
  // The platform's localized hint ("check this message in Seller Center") says more than its placeholder.
  [
    "OTHER",
    ({ text, unsupportedTips, fallback }) =>
      !unsupportedTips?.trim() && text ? { kind: "unknown", text } : fallback("Message"),
  ],
]);

export function renderContent(
  type: string,
  raw: string,
  opts: { links?: RenderLinks; unsupportedTips?: string } = {},
): MessageContent {
  let c: Record<string, unknown> | undefined;
  try {
    c = asRecord(JSON.parse(raw));
  } catch {
    c = undefined;
  }
  const input: RenderInput = {
    type,
    raw,
    c,
    text: strField(c, "content"),
    links: { ...DEFAULT_LINKS, ...(opts.links ?? {}) },
    unsupportedTips: opts.unsupportedTips,
    fallback: (label) => ({
      kind: "unknown",
      text: opts.unsupportedTips?.trim() || `[${label} — open the chat in Seller Center to see it]`,
    }),
  };
  return (RENDERERS.get(type) ?? (() => input.fallback(`${type} message`)))(input);
}
