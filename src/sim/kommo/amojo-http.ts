/**
 * The amojo (Chats API) routes of the Kommo simulator on the simulator base. Kommo authenticates before it looks at
 * the route, so every amojo request — matched or not — passes in order: channel from the path (404
 * ORIGIN_NOT_REGISTERED), signature (403), JSON body (400), then the channel-level checks (account) or the
 * scope-level ones (connected scope), and only then the endpoint or 404 NOT_FOUND.
 */
import type { SimServer } from "../base/index.js";
import { verifyAmojoRequest } from "./amojo-auth.js";
import {
  type AmojoConfig,
  badRequest,
  type ChannelCall,
  connect,
  createChat,
  deliveryStatus,
  disconnect,
  history,
  newMessage,
  notRegistered,
  type Obj,
  typing,
} from "./amojo-routes.js";
import type { KommoFault, KommoHost, KommoRequest, KommoRequestRecord } from "./http.js";
import { amojoError, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimChannel } from "./types.js";

const PREFIX = "/v2/origin/custom/";

/** A request whose channel and signature checked out. `head` is the first path segment: channel or scope id. */
interface Authenticated {
  channel: SimChannel;
  head: string;
  parts: string[];
  body: Obj;
}

interface ScopeCall {
  scopeId: string;
  body: Obj;
}

const notFound = () => amojoError(404, "NOT_FOUND", "NOT_FOUND");
const isReply = (v: object): v is SimReply => "status" in v;

export function mountAmojo(
  server: SimServer<KommoHost, KommoRequestRecord, KommoFault>,
  state: SimState,
  cfg: AmojoConfig,
): void {
  const channelRoute = (h: (call: ChannelCall) => SimReply) => (req: KommoRequest) => {
    const a = authenticate(state, cfg, req);
    if (isReply(a)) return a;
    if (a.head.includes("_")) return unmatched(state, a, req);
    const call = channelCall(state, a, req);
    return isReply(call) ? call : h(call);
  };
  const scopeRoute = (h: (call: ScopeCall, req: KommoRequest) => SimReply) => (req: KommoRequest) => {
    const a = authenticate(state, cfg, req);
    if (isReply(a)) return a;
    if (!a.head.includes("_")) return unmatched(state, a, req);
    const call = scopeCall(state, a, req);
    return isReply(call) ? call : h(call, req);
  };
  const p = "/v2/origin/custom";
  server
    .route(
      "POST",
      `${p}/{channel}/connect`,
      channelRoute((c) => connect(state, c)),
    )
    .route(
      "DELETE",
      `${p}/{channel}/disconnect`,
      channelRoute((c) => disconnect(state, c)),
    )
    .route(
      "POST",
      `${p}/{scope}`,
      scopeRoute((c) => newMessage(state, cfg, c.scopeId, c.body)),
    )
    .route(
      "POST",
      `${p}/{scope}/chats`,
      scopeRoute((c) => createChat(state, c.scopeId, c.body)),
    )
    .route(
      "POST",
      `${p}/{scope}/typing`,
      scopeRoute((c) => typing(c.body)),
    )
    .route(
      "POST",
      `${p}/{scope}/{msgId}/delivery_status`,
      scopeRoute((c, req) => deliveryStatus(state, cfg, c.scopeId, req.params.msgId ?? "", c.body)),
    )
    .route(
      "GET",
      `${p}/{scope}/chats/{chatId}/history`,
      scopeRoute((c, req) => history(state, c.scopeId, req.params.chatId ?? "", req.query)),
    );
}

/** The answer to an amojo path no route (or no route of this method) has: the same checks, then 404. */
export function amojoUnrouted(state: SimState, cfg: AmojoConfig, req: KommoRequest): SimReply {
  const a = authenticate(state, cfg, req);
  return isReply(a) ? a : unmatched(state, a, req);
}

function unmatched(state: SimState, a: Authenticated, req: KommoRequest): SimReply {
  const call = a.head.includes("_") ? scopeCall(state, a, req) : channelCall(state, a, req);
  return isReply(call) ? call : notFound();
}

function authenticate(state: SimState, cfg: AmojoConfig, req: KommoRequest): Authenticated | SimReply {
  if (!req.path.startsWith(PREFIX)) return notFound();
  const parts = req.path.slice(PREFIX.length).split("/").map(decodeURIComponent);
  const head = parts[0] ?? "";
  const channel = state.channels.get(head.includes("_") ? head.slice(0, head.indexOf("_")) : head);
  if (!channel) return notRegistered();
  const verdict = verifyAmojoRequest({
    secret: channel.secret,
    method: req.method,
    rawPath: req.target,
    headers: req.headers,
    body: req.body,
    now: cfg.now(),
    dateWindowMs: cfg.dateWindowMs,
  });
  if (!verdict.ok) return amojoError(403, "ORIGIN_INVALID_SIGNATURE", "invalid signature");
  if (req.body.length === 0) return { channel, head, parts, body: {} };
  try {
    const parsed: unknown = JSON.parse(req.body.toString("utf8"));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      return badRequest("body must be an object");
    return { channel, head, parts, body: parsed as Obj };
  } catch {
    return badRequest("body is not JSON");
  }
}

/** Channel-level (`/{channel_id}/{action}`): the account named in the body must exist and may use the channel. */
function channelCall(state: SimState, a: Authenticated, req: KommoRequest): ChannelCall | SimReply {
  if (a.parts.length !== 2) return notFound();
  const accountAmojoId = a.body.account_id;
  if (typeof accountAmojoId !== "string" || accountAmojoId === "")
    return badRequest("account_id is required");
  const account = state.accountByAmojoId(accountAmojoId);
  if (!account) return notRegistered();
  req.record.accountId = account.id;
  if (a.channel.allowedAccounts && !a.channel.allowedAccounts.includes(accountAmojoId)) {
    return amojoError(403, "ORIGIN_ACCOUNT_NOT_ALLOWED", "account is not allowed for this channel");
  }
  return {
    channel: a.channel,
    accountAmojoId,
    accountId: account.id,
    scopeId: `${a.channel.id}_${accountAmojoId}`,
    body: a.body,
  };
}

/** Scope-level (`/{scope_id}/...`): the scope must be connected. */
function scopeCall(state: SimState, a: Authenticated, req: KommoRequest): ScopeCall | SimReply {
  const conn = state.connections.get(a.head);
  if (!conn?.connected) return notRegistered();
  const account = state.accountByAmojoId(conn.accountAmojoId);
  if (account) req.record.accountId = account.id;
  return { scopeId: a.head, body: a.body };
}
