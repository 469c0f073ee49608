/**
 * A manager (or Salesbot) writing in Kommo: the message the simulator stores, and the v2 reply webhook body Kommo
 * POSTs to the channel's hook URL for it (docs/platforms/kommo.md).
 */
import type { SimState } from "./state.js";
import type { SimChat, SimMessage } from "./types.js";

/** What a manager (or Salesbot) writes in Kommo. */
export type ManagerContent =
  | { type: "text"; text: string }
  | {
      type: "picture" | "file" | "video" | "voice" | "audio" | "sticker";
      media: string;
      file_name?: string;
      file_size?: number;
      text?: string;
    }
  | { type: "location"; lon: number; lat: number; text?: string }
  | { type: "contact"; name: string; phone: string; text?: string };

/** The webhook body for `msg`, a manager's message in `chat`, sent at `nowMs`. */
export function webhookBody(
  accountAmojoId: string,
  chat: SimChat,
  msg: SimMessage,
  content: ManagerContent,
  nowMs: number,
) {
  const client = chat.client;
  const m: Record<string, unknown> = {
    id: msg.amojoId,
    type: content.type,
    text: msg.text,
    markup: null,
    tag: "",
    media: msg.media ?? "",
    thumbnail: content.type === "picture" || content.type === "video" ? (msg.media ?? "") : "",
    file_name: msg.fileName ?? "",
    file_size: "file_size" in content && content.file_size ? content.file_size : 0,
  };
  if (content.type === "location") m.location = { lon: content.lon, lat: content.lat };
  if (content.type === "contact") m.contact = { name: content.name, phone: content.phone };
  return {
    account_id: accountAmojoId,
    time: Math.floor(nowMs / 1000),
    message: {
      receiver: {
        id: client?.amojoId,
        name: client?.name ?? "",
        phone: client?.phone ?? "",
        email: client?.email ?? "",
        ...(client?.clientId ? { client_id: client.clientId } : {}),
      },
      sender: { id: msg.sender.amojoId, name: msg.sender.name },
      conversation: { id: chat.amojoId, client_id: chat.conversationId },
      ...(chat.sourceExternalId ? { source: { external_id: chat.sourceExternalId } } : {}),
      timestamp: Math.floor(nowMs / 1000),
      msec_timestamp: nowMs,
      message: m,
    },
  };
}

/**
 * Stores a manager's (or, with `bot`, Salesbot's) message in the chat of `conversationId`, and says where its
 * webhook goes: nowhere unless the scope is connected with hook API v2.
 */
export function managerMessage(
  state: SimState,
  nowMs: number,
  scopeId: string,
  conversationId: string,
  content: ManagerContent,
  opts: { senderName?: string; bot?: boolean },
): { msg: SimMessage; hook?: { url: string; secret: string; body: string } } {
  const conn = state.connections.get(scopeId);
  if (!conn) throw new Error(`unknown scope ${scopeId}`);
  const chat = state.chatOf(scopeId, conversationId);
  if (!chat?.client) throw new Error(`no chat for conversation ${conversationId} in ${scopeId}`);
  const channel = state.channels.get(conn.channelId);
  const account = state.accountByAmojoId(conn.accountAmojoId);
  if (!channel || !account) throw new Error("inconsistent simulator state");
  const msg: SimMessage = {
    amojoId: state.uuid(),
    scopeId,
    chatAmojoId: chat.amojoId,
    conversationId,
    direction: "out",
    origin: "kommo",
    silent: false,
    type: content.type,
    text: "text" in content && typeof content.text === "string" ? content.text : "",
    ...("media" in content ? { media: content.media } : {}),
    ...("file_name" in content && content.file_name ? { fileName: content.file_name } : {}),
    sender: {
      amojoId: opts.bot ? channel.botId : account.managerAmojoId,
      name: opts.senderName ?? (opts.bot ? "Salesbot" : "Manager"),
    },
    receiver: chat.client,
    timestampMs: nowMs,
    receivedAt: Date.now(),
  };
  state.addMessage(msg);
  if (!conn.connected || conn.hookApiVersion !== "v2") return { msg };
  return {
    msg,
    hook: {
      url: channel.hookUrl.replace(":scope_id", encodeURIComponent(scopeId)),
      secret: channel.secret,
      body: JSON.stringify(webhookBody(account.amojoId, chat, msg, content, nowMs)),
    },
  };
}
