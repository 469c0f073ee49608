/**
 * Route handlers of the simulated Seller API, after IP, token and rate-limit checks passed. Each returns a status
 * and a body; validation follows Tokopedia's documented errors (docs/platforms/tokopedia.md#errors), assumptions are
 * marked.
 */
import type { Wire } from "./json-text.js";
import { anchorLinks, type SimApp, type SimRoom, type SimWorld, WEBHOOK_URL_FIELDS } from "./state.js";
import { envelopeA, envelopeB, errorA, replyWire, roomWire, shopWire } from "./wire.js";

export interface SimAnswer {
  status: number;
  body: Wire;
}

export interface HandlerSettings {
  maxTextLength: number;
  emptyPageData: "null" | "array";
  replyOrder: { default: "asc" | "desc"; honourParam: boolean };
  shopInfoEnvelope: "A" | "B";
}

export interface FsRequest {
  app: SimApp;
  query: URLSearchParams;
  body: Buffer;
  params: string[];
}

const BAD_FORMAT = "Your request format or parameters have some problem.";
const NOT_ASSOCIATED = "fs_id Is Not Associated With Shop ID or Warehouse ID";

function invalid(reason: string, code: Wire = 0): SimAnswer {
  return { status: 400, body: errorA(BAD_FORMAT, reason, code) };
}

/** 403 RBAC_MDLW_001 for a shop that is not actively bound to the app (since 2022-10). */
function notBound(): SimAnswer {
  return {
    status: 403,
    body: errorA(
      "We could not process your request due to malformed request, please check again",
      NOT_ASSOCIATED,
      "RBAC_MDLW_001",
    ),
  };
}

function notFound(): SimAnswer {
  return {
    status: 400,
    body: errorA("Our server encounters an error, please try again later", "data not found", "SHP_GRPC_003"),
  };
}

function paging(q: URLSearchParams, defPerPage: number): { page: number; perPage: number } | SimAnswer {
  const page = q.get("page") ?? "1";
  const perPage = q.get("per_page") ?? String(defPerPage);
  if (!/^\d+$/.test(page) || Number(page) < 1) return invalid("invalid page format", "SHP_DLV_003");
  if (!/^\d+$/.test(perPage) || Number(perPage) < 1 || Number(perPage) > 15) {
    return invalid("invalid per_page format", "SHP_DLV_004");
  }
  return { page: Number(page), perPage: Number(perPage) };
}

function shopParam(v: unknown): number | SimAnswer {
  if (v === null || v === undefined || v === "") return invalid("invalid shop_id format");
  const s = String(v);
  if (!/^\d+$/.test(s)) return invalid("invalid shop_id format");
  return Number(s);
}

function isAnswer(v: unknown): v is SimAnswer {
  return typeof v === "object" && v !== null && "status" in v && "body" in v;
}

function page<T>(items: T[], p: { page: number; perPage: number }, settings: HandlerSettings): T[] | null {
  const slice = items.slice((p.page - 1) * p.perPage, p.page * p.perPage);
  return slice.length === 0 && settings.emptyPageData === "null" ? null : slice;
}

export function listMessages(world: SimWorld, req: FsRequest, settings: HandlerSettings): SimAnswer {
  const shopId = shopParam(req.query.get("shop_id"));
  if (isAnswer(shopId)) return shopId;
  const p = paging(req.query, 10);
  if (isAnswer(p)) return p;
  if (world.binding(req.app.fsId, shopId) !== "active") return notBound();
  const filter = req.query.get("filter") ?? "all";
  if (!["all", "read", "unread"].includes(filter)) return invalid("invalid filter");
  // Newest activity first; the newest bubble id breaks ties inside one millisecond.
  const newest = (r: SimRoom) => r.replies[r.replies.length - 1]!;
  const byActivity = (a: SimRoom, b: SimRoom) =>
    newest(a).replyTime - newest(b).replyTime || (newest(a).replyId < newest(b).replyId ? -1 : 1);
  const rooms = [...world.rooms.values()]
    .filter((r) => r.shopId === shopId && r.replies.length > 0)
    .filter((r) => filter === "all" || (filter === "unread" ? r.unreads > 0 : r.unreads === 0))
    .sort((a, b) => (req.query.get("order") === "asc" ? byActivity(a, b) : byActivity(b, a)));
  const data = page(rooms, p, settings);
  return { status: 200, body: envelopeA(data === null ? null : data.map(roomWire)) };
}

export function listReplies(world: SimWorld, req: FsRequest, settings: HandlerSettings): SimAnswer {
  const shopId = shopParam(req.query.get("shop_id"));
  if (isAnswer(shopId)) return shopId;
  const p = paging(req.query, 10);
  if (isAnswer(p)) return p;
  if (world.binding(req.app.fsId, shopId) !== "active") return notBound();
  const room = world.rooms.get(BigInt(req.params[1]!));
  if (!room || room.shopId !== shopId) return notFound();
  const asked = req.query.get("order");
  const order =
    settings.replyOrder.honourParam && (asked === "asc" || asked === "desc")
      ? asked
      : settings.replyOrder.default;
  const replies = [...room.replies];
  if (order === "desc") replies.reverse();
  room.unreads = 0;
  const data = page(replies, p, settings);
  return { status: 200, body: envelopeA(data === null ? null : data.map(replyWire)) };
}

export function sendReply(world: SimWorld, req: FsRequest, settings: HandlerSettings): SimAnswer {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(req.body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      return invalid("invalid request body");
    body = parsed as Record<string, unknown>;
  } catch {
    return invalid("invalid request body");
  }
  const shopId = shopParam(body.shop_id);
  if (isAnswer(shopId)) return shopId;
  if (world.binding(req.app.fsId, shopId) !== "active") return notBound();
  const room = world.rooms.get(BigInt(req.params[1]!));
  if (!room || room.shopId !== shopId) return notFound();
  const type = body.attachment_type ?? 0;
  if (type !== 0) return invalid("unsupported attachment_type in simulator");
  const text = body.message;
  if (typeof text !== "string" || text.trim() === "") return invalid("message is required");
  // The real limit is undocumented; this rejection text is an assumption.
  if ([...text].length > settings.maxTextLength) return invalid("message is too long", "CHT_MSG_TOO_LONG");
  const shop = world.shops.get(shopId)!;
  const reply = {
    replyId: world.id(),
    msgId: room.msgId,
    senderId: shop.userId,
    role: "Shop Owner" as const,
    senderName: shop.name,
    text,
    msg: anchorLinks(text),
    replyTime: world.time(),
    fromBuyer: false,
  };
  room.replies.push(reply);
  return {
    status: 200,
    body: envelopeA({
      msg_id: room.msgId,
      sender_id: shop.userId,
      role: 2,
      msg: reply.msg,
      reply_time: reply.replyTime,
      from: shop.name,
      attachment: {},
    }),
  };
}

export function shopInfo(world: SimWorld, req: FsRequest, settings: HandlerSettings): SimAnswer {
  // page/per_page are "required" in the docs but omitted by their own example: default them.
  const pageText = req.query.get("page") ?? "1";
  const perPageText = req.query.get("per_page") ?? "50";
  if (!/^\d+$/.test(pageText) || Number(pageText) < 1) return invalid("invalid page format", "SHP_DLV_003");
  if (!/^\d+$/.test(perPageText) || Number(perPageText) < 1)
    return invalid("invalid per_page format", "SHP_DLV_004");
  const p = { page: Number(pageText) };
  const perPage = Number(perPageText);
  const asked = req.query.get("shop_id");
  let shops = [...world.shops.values()].filter((s) => world.binding(req.app.fsId, s.shopId) === "active");
  if (asked !== null) {
    const shopId = shopParam(asked);
    if (isAnswer(shopId)) return shopId;
    if (world.binding(req.app.fsId, shopId) !== "active") return notBound();
    shops = shops.filter((s) => s.shopId === shopId);
  }
  const data = shops.slice((p.page - 1) * perPage, p.page * perPage).map(shopWire);
  if (settings.shopInfoEnvelope === "B") return { status: 200, body: envelopeB(data) };
  return { status: 200, body: envelopeA(data, "Successfully get retrieved shop info data") };
}

export function whitelist(_world: SimWorld, req: FsRequest): SimAnswer {
  // The documented example has only process_time and messages in its header.
  return {
    status: 200,
    body: {
      header: { process_time: 0.017376506, messages: "Your request has been processed successfully" },
      data: { fs_id: req.app.fsId, ip_whitelisted: req.app.whitelist.ips },
    },
  };
}

export function listWebhooks(_world: SimWorld, req: FsRequest): SimAnswer {
  const data: Record<string, Wire> = { fs_id: req.app.fsId };
  for (const f of WEBHOOK_URL_FIELDS) data[f] = req.app.webhooks[f] ?? "";
  data.webhook_secret = req.app.webhookSecret;
  return { status: 200, body: envelopeB(data) };
}

/** Registration replaces the whole configuration: every field not sent becomes "" (webhook security page). */
export function registerWebhooks(_world: SimWorld, req: FsRequest): SimAnswer {
  const bad: SimAnswer = { status: 400, body: envelopeB(null, "400 Bad Request", ["bad input data"]) };
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(req.body.toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return bad;
    body = parsed as Record<string, unknown>;
  } catch {
    return bad;
  }
  if (body.fs_id !== req.app.fsId) return bad;
  for (const f of WEBHOOK_URL_FIELDS) if (body[f] !== undefined && typeof body[f] !== "string") return bad;
  if (body.webhook_secret !== undefined && typeof body.webhook_secret !== "string") return bad;
  const next: Record<string, string> = {};
  for (const f of WEBHOOK_URL_FIELDS) next[f] = (body[f] as string | undefined) ?? "";
  req.app.webhooks = next;
  req.app.webhookSecret = (body.webhook_secret as string | undefined) ?? "";
  return { status: 200, body: envelopeB("success") };
}
