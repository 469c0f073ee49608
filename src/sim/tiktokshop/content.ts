/**
 * How the simulator's control API turns what a test writes (a buyer's text or typed message) into the platform's
 * message shape, and a stored message back into what a test reads.
 */
import type { SimMessage } from "./state.js";

/** What a buyer can send: plain text, or a typed message. */
export type SimContentInput =
  | string
  | { type: "TEXT"; text: string }
  | { type: "IMAGE"; url: string; width?: number; height?: number }
  | { type: "PRODUCT_CARD"; productId: string }
  | { type: "ORDER_CARD"; orderId: string }
  | { type: "EMOTICONS"; name?: string; url?: string }
  | { type: "BUYER_ENTER_FROM_PRODUCT"; productId: string }
  | { type: "BUYER_ENTER_FROM_ORDER"; orderId: string }
  /** Any other type with its raw `content` object (VIDEO, NOTIFICATION, OTHER, ...). */
  | { type: string; content: Record<string, unknown>; visible?: boolean };

export interface SimSentMessage {
  conversationId: string;
  messageId: string;
  type: string;
  /** Parsed content object. */
  content: Record<string, unknown>;
  /** TEXT content, for convenience. */
  text?: string;
  role: string;
  createTime: number;
  viaApi: boolean;
}

export function parsedMessage(m: SimMessage): SimSentMessage {
  const content = JSON.parse(m.content) as Record<string, unknown>;
  return {
    conversationId: m.conversationId,
    messageId: m.id,
    type: m.type,
    content,
    ...(m.type === "TEXT" && typeof content.content === "string" ? { text: content.content } : {}),
    role: m.sender.role,
    createTime: m.createTime,
    viaApi: m.viaApi,
  };
}

export function toWire(input: SimContentInput): {
  type: string;
  content: Record<string, unknown>;
  visible?: boolean;
} {
  if (typeof input === "string") return { type: "TEXT", content: { content: input } };
  if ("content" in input && typeof input.content === "object") {
    return {
      type: input.type,
      content: input.content,
      ...("visible" in input && input.visible === false ? { visible: false } : {}),
    };
  }
  const i = input as Record<string, unknown>;
  switch (input.type) {
    case "TEXT":
      return { type: "TEXT", content: { content: i.text } };
    case "IMAGE":
      // Received images carry width/height as strings.
      return {
        type: "IMAGE",
        content: { url: i.url, width: String(i.width ?? 640), height: String(i.height ?? 480) },
      };
    case "PRODUCT_CARD":
    case "BUYER_ENTER_FROM_PRODUCT":
      return { type: input.type, content: { product_id: i.productId } };
    case "ORDER_CARD":
    case "BUYER_ENTER_FROM_ORDER":
      return { type: input.type, content: { order_id: i.orderId } };
    case "EMOTICONS":
      return {
        type: "EMOTICONS",
        content: { ...(i.name ? { name: i.name } : {}), ...(i.url ? { url: i.url } : {}) },
      };
    default:
      return { type: input.type, content: {} };
  }
}
