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

export function renderContent(
  type: string,
  raw: string,
  opts: { links?: RenderLinks; unsupportedTips?: string } = {},
): MessageContent {
  const links = { ...DEFAULT_LINKS, ...(opts.links ?? {}) };
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = asRecord(JSON.parse(raw));
  } catch {
    parsed = undefined;
  }
  const c = parsed;
  const text = strField(c, "content");
  const fallback = (label: string): MessageContent => ({
    kind: "unknown",
    text: opts.unsupportedTips?.trim() || `[${label} — open the chat in Seller Center to see it]`,
  });

  switch (type) {
    case "TEXT":
      return { kind: "text", text: text ?? (c ? "" : raw) };
    case "IMAGE": {
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
    case "PRODUCT_CARD": {
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
    case "ORDER_CARD":
    case "RETURN_REFUND_CARD":
    case "LOGISTICS_CARD": {
      const id = idField(c, "order_id");
      if (!id) return fallback("Order card");
      const url = links.order(id);
      const sku = idField(c, "sku_id");
      const pkg = idField(c, "package_id");
      const title =
        type === "RETURN_REFUND_CARD"
          ? `Return/refund request${sku ? ` (SKU ${sku})` : ""}`
          : type === "LOGISTICS_CARD"
            ? `Shipping${pkg ? ` (package ${pkg})` : ""}`
            : undefined;
      const status = strField(c, "status") ?? strField(c, "order_status");
      return {
        kind: "order",
        code: id,
        ...(title ? { title } : {}),
        ...(status ? { status } : {}),
        ...(url ? { url } : {}),
      };
    }
    case "COUPON_CARD": {
      const id = idField(c, "coupon_id");
      return { kind: "context", text: id ? `[Coupon ${id}]` : "[Coupon]" };
    }
    case "EMOTICONS": {
      const name = strField(c, "name") ?? idField(c, "emoticon_id") ?? text;
      const url = strField(c, "url") ?? strField(c, "image_url");
      return { kind: "sticker", ...(name ? { name } : {}), ...(url ? { url } : {}) };
    }
    case "VIDEO": {
      // The video URL is signed and expires; it is passed on while it is valid.
      const url = strField(c, "url");
      return { kind: "video", ...(url ? { url } : {}) };
    }
    case "BUYER_ENTER_FROM_PRODUCT": {
      const id = idField(c, "product_id");
      const url = id ? links.product(id) : undefined;
      return {
        kind: "context",
        text: `Buyer opened the chat from product ${id ?? "(unknown)"}${url ? ` ${url}` : ""}`,
      };
    }
    case "BUYER_ENTER_FROM_ORDER": {
      const id = idField(c, "order_id");
      const url = id ? links.order(id) : undefined;
      return {
        kind: "context",
        text: `Buyer opened the chat from order ${id ?? "(unknown)"}${url ? ` ${url}` : ""}`,
      };
    }
    case "BUYER_ENTER_FROM_TRANSFER":
      return { kind: "context", text: text ?? "The chat was transferred to another agent" };
    case "ALLOCATED_SERVICE":
      return { kind: "context", text: text ?? "An agent joined the chat" };
    case "NOTIFICATION":
      return { kind: "context", text: text ?? "[Notification]" };
    case "OTHER":
      // The platform's localized hint ("check this message in Seller Center") says more than its placeholder.
      return opts.unsupportedTips?.trim()
        ? fallback("Message")
        : text
          ? { kind: "unknown", text }
          : fallback("Message");
    default:
      return fallback(`${type} message`);
  }
}
