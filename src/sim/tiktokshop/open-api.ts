/**
 * Simulated Open API endpoints behind the gateway: Get Authorized Shops and the Customer Service 202309 endpoints
 * (docs/platforms/tiktokshop.md#conversations-and-messages), with page-size caps (20/10), opaque page tokens,
 * `next_page_token: ""` at the end, send-message business rules and image upload.
 */
import { randomBytes } from "node:crypto";
import { addMessage, canSend, conversationJson, messageJson } from "./chat.js";
import type { ConversationOrder, SimCore } from "./core.js";
import { csPerformance } from "./cs-performance.js";
import { CS_SCOPE, type GatewayPass, type RouteDef } from "./gateway.js";
import type { SimConversation, SimMessage } from "./state.js";
import { decodePageToken, encodePageToken, multipartPart, pageAfterToken, sniffImage } from "./wire.js";

const CS = "/customer_service/202309";
const ID = "{conversationId}";

export const ROUTES: RouteDef[] = [
  { method: "GET", path: "/authorization/202309/shops", cipher: "none", body: "none", key: "shops" },
  {
    method: "GET",
    path: `${CS}/conversations`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "none",
    key: "conv",
  },
  {
    method: "POST",
    path: `${CS}/conversations`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "json",
    key: "create",
  },
  {
    method: "GET",
    path: `${CS}/conversations/${ID}/messages`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "none",
    key: "msgs",
  },
  {
    method: "POST",
    path: `${CS}/conversations/${ID}/messages`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "json",
    key: "send",
  },
  {
    method: "POST",
    path: `${CS}/conversations/${ID}/messages/read`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "json",
    key: "read",
  },
  {
    method: "POST",
    path: `${CS}/images/upload`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "multipart",
    key: "upload",
  },
  {
    method: "GET",
    path: `${CS}/agents/settings`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "none",
    key: "agent",
  },
  {
    method: "GET",
    path: "/customer_service/202407/performance",
    cipher: "required",
    scope: CS_SCOPE,
    body: "none",
    key: "perf",
  },
  {
    method: "PUT",
    path: `${CS}/agents/settings`,
    cipher: "required",
    scope: CS_SCOPE,
    body: "json",
    key: "agent_put",
  },
];

export interface HandlerResult {
  code: number;
  message?: string;
  data?: unknown;
}

const INVALID = (why: string): HandlerResult => ({ code: 45101001, message: `Invalid parameter: ${why}` });
const NOT_FOUND: HandlerResult = { code: 45101003, message: "Record not found." };
const SENDABLE = new Set([
  "TEXT",
  "IMAGE",
  "PRODUCT_CARD",
  "ORDER_CARD",
  "RETURN_REFUND_CARD",
  "COUPON_CARD",
]);

/** A call that passed the gateway, as an endpoint handler sees it. */
interface ApiCall {
  core: SimCore;
  pass: GatewayPass;
  /** The JSON body (an empty object for routes without one). */
  json: Record<string, unknown>;
  body: Buffer;
  contentType: string;
  /** The conversation of the path, when it exists and belongs to the call's shop. */
  conversation(): SimConversation | undefined;
}

/** The endpoint handlers, by route key. */
const HANDLERS: Record<string, (call: ApiCall) => HandlerResult> = {
  shops: listShops,
  conv: listConversations,
  msgs: listMessages,
  send: sendMessage,
  read: (c) => {
    const conv = c.conversation();
    if (!conv) return NOT_FOUND;
    conv.unreadCount = 0;
    return { code: 0, data: {} };
  },
  create: createConversation,
  upload: uploadImage,
  agent: () => ({ code: 0, data: { can_accept_chat: true } }),
  perf: (c) => csPerformance(c.core, c.pass.shop!.id, c.pass.query),
  agent_put: (c) =>
    typeof c.json.can_accept_chat === "boolean" ? { code: 0, data: {} } : INVALID("can_accept_chat"),
};

export function handleApi(
  core: SimCore,
  route: RouteDef,
  pass: GatewayPass,
  body: Buffer,
  contentType: string,
): HandlerResult {
  let json: Record<string, unknown> = {};
  if (route.body === "json" && body.length > 0) {
    try {
      const v: unknown = JSON.parse(body.toString("utf8"));
      if (typeof v !== "object" || v === null || Array.isArray(v))
        return INVALID("body must be a JSON object");
      json = v as Record<string, unknown>;
    } catch {
      return INVALID("body is not JSON");
    }
  }
  const handler = HANDLERS[route.key];
  if (!handler) return { code: 36009009, message: "Invalid path." };
  const conversation = () => {
    const id = pass.params[0];
    const c = id ? core.state.conversations.get(id) : undefined;
    return c && c.shopId === pass.shop?.id ? c : undefined;
  };
  return handler({ core, pass, json, body, contentType, conversation });
}

function listShops({ pass }: ApiCall): HandlerResult {
  return {
    code: 0,
    data: {
      shops: pass.seller.shops.map((s) => ({
        id: s.id,
        name: s.name,
        region: s.region,
        seller_type: s.sellerType,
        cipher: s.cipher,
        code: s.code,
      })),
    },
  };
}

function listConversations({ core, pass }: ApiCall): HandlerResult {
  const q = pass.query;
  const size = pageSize(q.get("page_size"), 20);
  if (size === undefined) return INVALID("page_size must be 1..20");
  const all = [...core.state.conversations.values()]
    .filter((c) => c.shopId === pass.shop!.id && c.messages.length > 0)
    .sort(conversationComparator(core.opts.conversationOrder));
  const paged = pageAfterToken(all, q.get("page_token"), "conv", size);
  if (!paged) return INVALID("page_token");
  return {
    code: 0,
    data: {
      next_page_token: paged.nextPageToken,
      conversations: paged.page.map((c) => conversationJson(core, c)),
    },
  };
}

function listMessages(call: ApiCall): HandlerResult {
  const q = call.pass.query;
  const c = call.conversation();
  if (!c) return NOT_FOUND;
  const size = pageSize(q.get("page_size"), 10);
  if (size === undefined) return INVALID("page_size must be 1..10");
  const order = q.get("sort_order") ?? "DESC";
  const field = q.get("sort_field") ?? "create_time";
  if (order !== "ASC" && order !== "DESC") return INVALID("sort_order");
  if (field !== "create_time" && field !== "index") return INVALID("sort_field");
  const sorted = [...c.messages].sort((a, b) => compare(a, b, field));
  if (order === "DESC") sorted.reverse();
  let start = 0;
  const token = q.get("page_token");
  if (token) {
    const t = decodePageToken(token);
    const at =
      t && t.k === "msgs" && t.c === c.id && t.o === order && t.f === field
        ? sorted.findIndex((m) => m.index === t.last)
        : -1;
    if (at < 0) return INVALID("page_token");
    start = at + 1;
  }
  const page = sorted.slice(start, start + size);
  const more = start + size < sorted.length;
  const hasOther = page.some((m) => m.type === "OTHER");
  return {
    code: 0,
    data: {
      next_page_token: more
        ? encodePageToken({ k: "msgs", c: c.id, o: order, f: field, last: page[page.length - 1]!.index })
        : "",
      ...(hasOther ? { unsupported_msg_tips: "Silakan cek pesan ini di Seller Center.\n" } : {}),
      messages: page.map(messageJson),
    },
  };
}

function sendMessage(call: ApiCall): HandlerResult {
  const { core, json } = call;
  const c = call.conversation();
  if (!c) return NOT_FOUND;
  const type = json.type;
  const raw = json.content;
  if (typeof type !== "string" || typeof raw !== "string")
    return INVALID("type and content (a JSON string) are required");
  let content: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v !== "object" || v === null || Array.isArray(v))
      return INVALID("content must encode a JSON object");
    content = v as Record<string, unknown>;
  } catch {
    return INVALID("content is not a JSON string");
  }
  if (!SENDABLE.has(type)) return { code: 45111001, message: `Message type ${type} is not supported.` };
  const refused =
    type === "TEXT" ? refusedText(core, content) : type === "IMAGE" ? refusedImage(call, content) : undefined;
  if (refused) return refused;
  if (!canSend(core, c)) {
    return { code: 45109001, message: "Message sending failed due to conversation rules." };
  }
  const m = addMessage(core, c, { type, content, role: "SHOP", viaApi: true });
  return { code: 0, data: { message_id: m.id } };
}

function refusedText(core: SimCore, content: Record<string, unknown>): HandlerResult | undefined {
  const text = content.content;
  if (typeof text !== "string" || text.length === 0) return INVALID("TEXT content.content is required");
  if (text.length > core.opts.maxTextLength)
    return INVALID(`text exceeds ${core.opts.maxTextLength} characters`);
  const lower = text.toLowerCase();
  if (core.opts.sensitiveWords.some((w) => lower.includes(w.toLowerCase()))) {
    return { code: 45101006, message: "The message contains sensitive words." };
  }
  return undefined;
}

function refusedImage({ core, pass }: ApiCall, content: Record<string, unknown>): HandlerResult | undefined {
  const url = content.url;
  if (
    typeof url !== "string" ||
    !core.state.uploads.some((u) => u.url === url && u.shopId === pass.shop!.id)
  ) {
    return INVALID("IMAGE url must come from Upload Buyer Messages Image");
  }
  return undefined;
}

function createConversation({ core, pass, json }: ApiCall): HandlerResult {
  const buyerId = json.buyer_user_id;
  if (typeof buyerId !== "string") return INVALID("buyer_user_id is required");
  const c = core.state.conversationOf(pass.shop!.id, buyerId);
  if (!c || !canSend(core, c))
    return { code: 45109003, message: "The conversation cannot be created under the current rules." };
  return { code: 0, data: { conversation_id: c.id } };
}

function uploadImage({ core, pass, body, contentType }: ApiCall): HandlerResult {
  const part = multipartPart(body, contentType, "data");
  if (!part) return INVALID("multipart field 'data' is required");
  if (part.data.length > 10 * 1024 * 1024)
    return { code: 36009021, message: "The uploaded file is too large." };
  const img = sniffImage(part.data);
  if (!img) return { code: 45101008, message: "Unsupported image format (JPG, GIF, WEBP or PNG)." };
  const url = `https://p16-oec-va.ibyteimg.com/tos-sim-i/${randomBytes(16).toString("hex")}~tplv-origin-image.image?from=sim`;
  core.state.uploads.push({
    shopId: pass.shop!.id,
    url,
    bytes: part.data.length,
    contentType: `image/${img.format}`,
  });
  return { code: 0, data: { url, width: img.width, height: img.height } };
}

function pageSize(v: string | null, max: number): number | undefined {
  if (v === null || !/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= max ? n : undefined;
}

function compare(a: SimMessage, b: SimMessage, field: string): number {
  if (field === "create_time" && a.createTime !== b.createTime) return a.createTime - b.createTime;
  const ai = BigInt(a.index);
  const bi = BigInt(b.index);
  return ai < bi ? -1 : ai > bi ? 1 : 0;
}

/** Get Conversations order, as the simulator's `conversationOrder` option chooses it. */
function conversationComparator(
  order: ConversationOrder,
): (a: SimConversation, b: SimConversation) => number {
  const byId = (a: SimConversation, b: SimConversation) => {
    const x = BigInt(a.id);
    const y = BigInt(b.id);
    return x < y ? -1 : x > y ? 1 : 0;
  };
  if (order === "oldest-created") return byId;
  if (order === "recent-activity") {
    const latest = (c: SimConversation) => BigInt(c.messages[c.messages.length - 1]?.index ?? "0");
    return (a, b) => {
      const x = latest(a);
      const y = latest(b);
      return x > y ? -1 : x < y ? 1 : byId(b, a);
    };
  }
  return (a, b) => byId(b, a);
}
