/**
 * amojo (Chats API) endpoints of the simulator (docs/platforms/kommo.md#chats-api-endpoints), called once the
 * request is authenticated (amojo-http.ts); the handlers validate strictly (types, required fields) and answer with
 * the documented shapes and the amojo error envelope.
 */
import { amojoError, empty, json, type SimReply } from "./reply.js";
import { badSource, routedPipeline } from "./source-routing.js";
import type { SimState } from "./state.js";
import type { SimChannel, SimChat, SimMessage, SimParticipant } from "./types.js";

export interface AmojoConfig {
  now: () => number;
  dateWindowMs: number;
  /** "reject" (default: Kommo does not accept duplicates) or "idempotent" (answer the first result). */
  duplicateMsgid: "reject" | "idempotent";
  /** Called for every new incoming non-silent message that made an incoming lead. */
  onLeadCreated?: (leadId: number) => void;
  /**
   * Kommo makes the contact and the incoming lead of a new chat asynchronously, a moment after the message. While
   * `held`, the simulator models that moment as "not yet": the creation waits in `pending` (one per chat) until
   * the simulator releases it (KommoSimulator.releaseIncomingLeads).
   */
  leadCreation?: { held: boolean; pending: Map<string, () => void> };
}

export type Obj = Record<string, unknown>;
const MESSAGE_TYPES = new Set([
  "text",
  "contact",
  "file",
  "video",
  "picture",
  "voice",
  "audio",
  "sticker",
  "location",
]);

export const badRequest = (d: string) => amojoError(400, "BAD_REQUEST", d);
export const notRegistered = () => amojoError(404, "ORIGIN_NOT_REGISTERED", "NOT_FOUND");

/** An authenticated channel-level request: the account it names may use the channel. */
export interface ChannelCall {
  channel: SimChannel;
  accountAmojoId: string;
  accountId: number;
  scopeId: string;
  body: Obj;
}

/** POST /{channel_id}/connect: connects the account to the channel, giving the scope id. */
export function connect(state: SimState, call: ChannelCall): SimReply {
  const { body, channel, accountAmojoId, scopeId } = call;
  if (body.title !== undefined && typeof body.title !== "string") return badRequest("title must be a string");
  const hookApiVersion = typeof body.hook_api_version === "string" ? body.hook_api_version : "v1";
  if (hookApiVersion !== "v1" && hookApiVersion !== "v2") return badRequest("hook_api_version");
  const title = typeof body.title === "string" ? body.title : channel.code;
  const isTimeWindowDisabled = body.is_time_window_disabled === true;
  state.connections.set(scopeId, {
    scopeId,
    channelId: channel.id,
    accountAmojoId,
    title,
    hookApiVersion,
    connected: true,
  });
  return json(200, {
    account_id: accountAmojoId,
    scope_id: scopeId,
    title,
    hook_api_version: hookApiVersion,
    is_time_window_disabled: isTimeWindowDisabled,
  });
}

/** DELETE /{channel_id}/disconnect. */
export function disconnect(state: SimState, call: ChannelCall): SimReply {
  const c = state.connections.get(call.scopeId);
  if (!c?.connected) return notRegistered();
  c.connected = false;
  return json(200, {});
}

/** POST /{scope_id}/typing: validated, otherwise without effect. */
export function typing(body: Obj): SimReply {
  if (typeof body.conversation_id !== "string" || typeof (body.sender as Obj | undefined)?.id !== "string") {
    return badRequest("conversation_id and sender.id are required");
  }
  return empty(204);
}

function isInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

function participantFrom(v: unknown): { ok: true; p: Obj } | { ok: false; error: string } {
  if (!v || typeof v !== "object") return { ok: false, error: "participant must be an object" };
  const p = v as Obj;
  if (typeof p.id !== "string" || p.id === "") return { ok: false, error: "participant id is required" };
  if (typeof p.name !== "string") return { ok: false, error: "participant name is required" };
  return { ok: true, p };
}

function toParticipant(state: SimState, chat: SimChat | undefined, p: Obj): SimParticipant {
  const profile = (p.profile && typeof p.profile === "object" ? p.profile : {}) as Obj;
  const existing = chat?.client && chat.client.clientId === p.id ? chat.client : undefined;
  return {
    amojoId: existing?.amojoId ?? (typeof p.ref_id === "string" && p.ref_id ? p.ref_id : state.uuid()),
    clientId: p.id as string,
    name: p.name as string,
    ...(typeof p.avatar === "string" ? { avatar: p.avatar } : {}),
    ...(typeof profile.phone === "string" ? { phone: profile.phone } : {}),
    ...(typeof profile.email === "string" ? { email: profile.email } : {}),
    ...(typeof p.profile_link === "string" ? { profileLink: p.profile_link } : {}),
  };
}

/** POST /{scope_id}: a new message (or an edit of one), strictly validated; a repeated msgid per cfg. */
export function newMessage(state: SimState, cfg: AmojoConfig, scopeId: string, body: Obj): SimReply {
  const invalid = invalidNewMessage(body);
  if (invalid) return invalid;
  const payload = body.payload as Obj;
  const message = payload.message as Obj;
  const known = state.msgidIndex.get(scopeId)?.get(payload.msgid as string);

  if (body.event_type === "edit_message") {
    const m = known ? state.messageById.get(known) : undefined;
    if (!m) return amojoError(404, "MESSAGE_NOT_FOUND", "message not found");
    m.text = typeof message.text === "string" ? message.text : m.text;
    return json(200, {});
  }

  if (known) {
    const first = state.messageById.get(known);
    if (cfg.duplicateMsgid === "reject" || !first) return badRequest("duplicate msgid");
    return json(200, { new_message: replyOf(first) });
  }
  return storeNewMessage(state, cfg, scopeId, payload, message);
}

/** The shape checks of a new_message/edit_message body: a 400 naming the first problem, or undefined. */
function invalidNewMessage(body: Obj): SimReply | undefined {
  const event = body.event_type;
  const payload = body.payload as Obj | undefined;
  if (event !== "new_message" && event !== "edit_message") return badRequest("event_type");
  if (!payload || typeof payload !== "object") return badRequest("payload is required");
  if (!isInt(payload.timestamp) || !isInt(payload.msec_timestamp)) {
    return badRequest("timestamp and msec_timestamp must be integers");
  }
  if (typeof payload.msgid !== "string" || payload.msgid === "") return badRequest("msgid is required");
  if (typeof payload.conversation_id !== "string" || payload.conversation_id === "") {
    return badRequest("conversation_id is required");
  }
  const message = payload.message as Obj | undefined;
  if (!message || typeof message.type !== "string" || !MESSAGE_TYPES.has(message.type)) {
    return badRequest("message.type is invalid");
  }
  if (message.type === "text" && (typeof message.text !== "string" || message.text === "")) {
    return badRequest("message.text is required for text");
  }
  if (
    ["picture", "file", "video", "voice", "audio"].includes(message.type) &&
    typeof message.media !== "string"
  ) {
    return badRequest("message.media is required");
  }
  if (payload.silent !== undefined && typeof payload.silent !== "boolean")
    return badRequest("silent must be a boolean");
  return badSource(payload.source);
}

/** Stores a validated new message (making its chat, and for a buyer's first message contact and lead). */
function storeNewMessage(
  state: SimState,
  cfg: AmojoConfig,
  scopeId: string,
  payload: Obj,
  message: Obj,
): SimReply {
  const sender = participantFrom(payload.sender);
  if (!sender.ok) return badRequest(`sender: ${sender.error}`);
  let receiver: Obj | undefined;
  if (payload.receiver !== undefined) {
    const r = participantFrom(payload.receiver);
    if (!r.ok) return badRequest(`receiver: ${r.error}`);
    receiver = r.p;
  }
  const silent = payload.silent === true;
  const direction = receiver ? "out" : "in";

  const conversationId = payload.conversation_id as string;
  let chat = state.chatOf(scopeId, conversationId);
  if (!chat) {
    chat = { amojoId: state.uuid(), scopeId, conversationId };
    state.addChat(chat);
  }
  // The source of a chat whose lead is not made yet: the first one a message (or the chat's creation) named.
  const src = (payload.source as Obj | undefined)?.external_id;
  if (typeof src === "string" && chat.sourceExternalId === undefined) chat.sourceExternalId = src;
  const senderP =
    direction === "in" ? toParticipant(state, chat, sender.p) : toParticipant(state, undefined, sender.p);
  const receiverP = receiver ? toParticipant(state, chat, receiver) : undefined;
  if (direction === "in" && !chat.client) chat.client = senderP;
  if (direction === "out" && receiverP && !chat.client) chat.client = receiverP;

  const m: SimMessage = {
    amojoId: state.uuid(),
    msgid: payload.msgid as string,
    scopeId,
    chatAmojoId: chat.amojoId,
    conversationId: chat.conversationId,
    direction,
    origin: "api",
    silent,
    type: message.type as string,
    text: typeof message.text === "string" ? message.text : "",
    ...(typeof message.media === "string" ? { media: message.media } : {}),
    ...(typeof message.file_name === "string" ? { fileName: message.file_name } : {}),
    sender: senderP,
    ...(receiverP ? { receiver: receiverP } : {}),
    timestampMs: payload.msec_timestamp as number,
    receivedAt: Date.now(),
  };
  state.addMessage(m);

  // Kommo: the first non-silent incoming message of a chat with no contact creates contact + incoming lead.
  if (direction === "in" && !silent && chat.contactId === undefined) {
    const create = () => {
      if (chat.contactId === undefined) createContactAndLead(state, cfg, chat, senderP);
    };
    if (cfg.leadCreation?.held) {
      if (!cfg.leadCreation.pending.has(chat.amojoId)) cfg.leadCreation.pending.set(chat.amojoId, create);
    } else create();
  }
  return json(200, { new_message: replyOf(m) });
}

function replyOf(m: SimMessage): Obj {
  return {
    conversation_id: m.chatAmojoId,
    sender_id: m.sender.amojoId,
    ...(m.receiver ? { receiver_id: m.receiver.amojoId } : {}),
    msgid: m.amojoId,
    ref_id: m.msgid,
  };
}

function createContactAndLead(
  state: SimState,
  cfg: AmojoConfig,
  chat: SimChat,
  client: SimParticipant,
): void {
  const account = state.accountOfScope(chat.scopeId);
  if (!account) return;
  const now = Date.now();
  const contact = {
    id: state.contactId(),
    accountId: account.id,
    name: client.name,
    ...(client.avatar ? { avatar: client.avatar } : {}),
    ...(client.phone ? { phone: client.phone } : {}),
    ...(client.email ? { email: client.email } : {}),
    ...(client.profileLink ? { profileLink: client.profileLink } : {}),
    createdAt: now,
  };
  state.contacts.set(contact.id, contact);
  const lead = {
    id: state.leadId(),
    accountId: account.id,
    name: `Lead #${chat.conversationId}`,
    status: "incoming" as const,
    category: "chats" as const,
    uid: state.uuid(),
    contactId: contact.id,
    chatAmojoId: chat.amojoId,
    tags: [],
    createdAt: now,
    ...routedPipeline(state, account.id, chat.sourceExternalId),
  };
  state.leads.set(lead.id, lead);
  chat.contactId = contact.id;
  chat.leadId = lead.id;
  state.chatLinks.push({
    id: state.linkId(),
    accountId: account.id,
    chatId: chat.amojoId,
    contactId: contact.id,
  });
  cfg.onLeadCreated?.(lead.id);
}

export function createChat(state: SimState, scopeId: string, body: Obj): SimReply {
  if (typeof body.conversation_id !== "string" || body.conversation_id === "") {
    return badRequest("conversation_id is required");
  }
  const u = participantFrom(body.user);
  if (!u.ok) return badRequest(`user: ${u.error}`);
  const src = badSource(body.source);
  if (src) return src;
  let chat = state.chatOf(scopeId, body.conversation_id);
  if (!chat) {
    chat = { amojoId: state.uuid(), scopeId, conversationId: body.conversation_id };
    const src = (body.source as Obj | undefined)?.external_id;
    if (typeof src === "string") chat.sourceExternalId = src;
    state.addChat(chat);
  }
  if (!chat.client) chat.client = toParticipant(state, chat, u.p);
  const c = chat.client;
  return json(200, {
    id: chat.amojoId,
    user: {
      id: c.amojoId,
      client_id: c.clientId,
      name: c.name,
      ...(c.avatar ? { avatar: c.avatar } : {}),
      ...(c.phone ? { phone: c.phone } : {}),
      ...(c.email ? { email: c.email } : {}),
    },
  });
}

export function deliveryStatus(
  state: SimState,
  cfg: AmojoConfig,
  scopeId: string,
  amojoMsgId: string,
  body: Obj,
): SimReply {
  const m = state.messageById.get(amojoMsgId);
  if (!m || m.scopeId !== scopeId) return amojoError(404, "MESSAGE_NOT_FOUND", "message not found");
  // Accept both documented spellings (the docs' table and examples disagree).
  const field = body.delivery_status !== undefined ? "delivery_status" : "status_code";
  const status = body[field];
  if (status !== 1 && status !== 2 && status !== -1) return badRequest(`${field} must be 1, 2 or -1`);
  if (body.msgid !== undefined && body.msgid !== amojoMsgId)
    return badRequest("msgid does not match the path");
  const errorCode = body.error_code;
  if (errorCode !== undefined && (!isInt(errorCode) || errorCode < 901 || errorCode > 905)) {
    return badRequest("error_code must be 901..905");
  }
  if (status === -1 && errorCode === undefined) return badRequest("error_code is required with -1");
  if (errorCode === 905 && (typeof body.error !== "string" || body.error === "")) {
    return badRequest("error is required with 905");
  }
  const list = state.deliveryStatuses.get(amojoMsgId) ?? [];
  list.push({
    status,
    ...(isInt(errorCode) ? { errorCode } : {}),
    ...(typeof body.error === "string" ? { error: body.error } : {}),
    field,
    at: cfg.now(),
  });
  state.deliveryStatuses.set(amojoMsgId, list);
  return json(200, {});
}

export function history(state: SimState, scopeId: string, chatId: string, q: URLSearchParams): SimReply {
  const limit = q.has("limit") ? Number(q.get("limit")) : 50;
  const offset = q.has("offset") ? Number(q.get("offset")) : 0;
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) return badRequest("limit must be 1..50");
  if (!Number.isInteger(offset) || offset < 0) return badRequest("offset must be >= 0");
  const chat = state.chats.get(chatId);
  if (!chat || chat.scopeId !== scopeId) return empty(204);
  // Newest first, like a messenger's history page (not documented; the bridge must not rely on the order).
  const all = state.messages.filter((m) => m.chatAmojoId === chatId).reverse();
  const page = all.slice(offset, offset + limit);
  if (page.length === 0) return empty(204);
  const person = (p: SimParticipant) => ({
    id: p.amojoId,
    ...(p.clientId ? { client_id: p.clientId } : {}),
    name: p.name,
    ...(p.avatar ? { avatar: p.avatar } : {}),
  });
  return json(200, {
    messages: page.map((m) => ({
      timestamp: Math.floor(m.timestampMs / 1000),
      msec_timestamp: m.timestampMs,
      sender: person(m.sender),
      ...(m.receiver ? { receiver: person(m.receiver) } : {}),
      message: {
        id: m.amojoId,
        ...(m.msgid ? { client_id: m.msgid } : {}),
        type: m.type,
        text: m.text,
        media: m.media ?? "",
        thumbnail: "",
        file_name: m.fileName ?? "",
        file_size: 0,
      },
    })),
  });
}
