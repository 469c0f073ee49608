/**
 * Kommo Chats API ("amojo") client: connect/disconnect a channel, send and import messages, create chats,
 * report delivery statuses, read history, send typing. Every request is signed (signing.ts) over the exact
 * bytes sent. Errors are typed TkErrors (amojo-errors.ts).
 */
import { TkError } from "../errors/index.js";
import { amojoHttpError } from "./amojo-errors.js";
import type {
  AmojoNewMessagePayload,
  CreateChatInput,
  DeliveryStatusInput,
  HistoryMessage,
  HistoryParticipant,
  SendMessageResult,
} from "./chats-types.js";
import { kommoErrors } from "./errors.js";
import { joinUrl, sendRaw } from "./http.js";
import { signAmojoRequest } from "./signing.js";

export interface KommoChatsClientOptions {
  /** amojo host, e.g. https://amojo.kommo.com (tests: the simulator's URL). */
  baseUrl: string;
  channelId: string;
  channelSecret: string;
  /** Clock for the Date header (tests). */
  now?: () => Date;
  /** Per-request timeout (headers and body), default 15 s. */
  timeoutMs?: number;
}

type Json = Record<string, unknown>;

export class KommoChatsClient {
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(private readonly o: KommoChatsClientOptions) {
    this.now = o.now ?? (() => new Date());
    this.timeoutMs = o.timeoutMs ?? 15_000;
  }

  /** Connects the channel to an account (by its amojo_id). Idempotent: returns the same scope id. */
  async connect(
    amojoAccountId: string,
    title?: string,
  ): Promise<{ scopeId: string; accountId: string; title?: string; hookApiVersion?: string }> {
    const body: Json = { account_id: amojoAccountId, hook_api_version: "v2" };
    if (title !== undefined) body.title = title;
    const path = `/v2/origin/custom/${enc(this.o.channelId)}/connect`;
    const res = await this.call("POST", path, body);
    const scopeId = str(res.scope_id);
    if (!scopeId) throw this.shapeError("POST", path, "scope_id");
    const connectedTitle = str(res.title);
    const hookApiVersion = str(res.hook_api_version);
    return {
      scopeId,
      accountId: str(res.account_id) ?? amojoAccountId,
      ...(connectedTitle ? { title: connectedTitle } : {}),
      ...(hookApiVersion ? { hookApiVersion } : {}),
    };
  }

  /** Disconnects the channel from an account: no more webhooks for it. */
  async disconnect(amojoAccountId: string): Promise<void> {
    await this.call("DELETE", `/v2/origin/custom/${enc(this.o.channelId)}/disconnect`, {
      account_id: amojoAccountId,
    });
  }

  /**
   * Sends (incoming buyer message) or imports (outgoing/silent) one message. The first non-silent incoming
   * message of a new conversation makes Kommo create the chat, a contact and an incoming lead.
   */
  async sendMessage(scopeId: string, payload: AmojoNewMessagePayload): Promise<SendMessageResult> {
    const path = `/v2/origin/custom/${enc(scopeId)}`;
    const res = await this.call("POST", path, { event_type: "new_message", payload });
    const nm = res.new_message as Json | undefined;
    const amojoMessageId = nm ? str(nm.msgid) : undefined;
    if (!nm || !amojoMessageId) throw this.shapeError("POST", path, "new_message.msgid");
    const chat = str(nm.conversation_id);
    const sender = str(nm.sender_id);
    const receiver = str(nm.receiver_id);
    return {
      amojoMessageId,
      refId: str(nm.ref_id) ?? payload.msgid,
      ...(chat ? { amojoChatId: chat } : {}),
      ...(sender ? { senderId: sender } : {}),
      ...(receiver ? { receiverId: receiver } : {}),
    };
  }

  /** Creates the amojo chat (no contact, no lead) so it can be linked to an existing contact first. */
  async createChat(
    scopeId: string,
    input: CreateChatInput,
  ): Promise<{ amojoChatId: string; userId: string }> {
    const user: Json = { id: input.user.id, name: input.user.name };
    if (input.user.avatar) user.avatar = input.user.avatar;
    if (input.user.profile) user.profile = input.user.profile;
    if (input.user.profileLink) user.profile_link = input.user.profileLink;
    const body: Json = { conversation_id: input.conversationId };
    if (input.sourceExternalId) body.source = { external_id: input.sourceExternalId };
    body.user = user;
    const path = `/v2/origin/custom/${enc(scopeId)}/chats`;
    const res = await this.call("POST", path, body);
    const id = str(res.id);
    const userId = str((res.user as Json | undefined)?.id);
    if (!id || !userId) throw this.shapeError("POST", path, "id, user.id");
    return { amojoChatId: id, userId };
  }

  /** Reports what happened to a manager's reply (amojo message id from the webhook). */
  async sendDeliveryStatus(scopeId: string, amojoMessageId: string, s: DeliveryStatusInput): Promise<void> {
    if (s.status === -1 && s.errorCode === 905 && !s.error) {
      throw new TkError("TK_ERR_KOMMO_BAD_REQUEST", "Delivery status -1/905 needs an error text.", {
        fix: "Pass `error` with a readable reason; it is shown to the manager.",
        details: { retryable: false },
      });
    }
    // Field names as in the verified vector V6 and three client libraries: msgid + delivery_status.
    const body: Json = { msgid: amojoMessageId, delivery_status: s.status };
    if (s.status === -1) {
      body.error_code = s.errorCode ?? 905;
      if (s.error !== undefined) body.error = s.error;
    }
    await this.call("POST", `/v2/origin/custom/${enc(scopeId)}/${enc(amojoMessageId)}/delivery_status`, body);
  }

  /** One page of a chat's history (limit ≤ 50); an empty array when Kommo answers 204. */
  async history(
    scopeId: string,
    amojoChatId: string,
    page: { offset?: number; limit?: number } = {},
  ): Promise<HistoryMessage[]> {
    const limit = Math.min(Math.max(page.limit ?? 50, 1), 50);
    const offset = Math.max(page.offset ?? 0, 0);
    const path = `/v2/origin/custom/${enc(scopeId)}/chats/${enc(amojoChatId)}/history?offset=${offset}&limit=${limit}`;
    const res = await this.call("GET", path);
    const list = res.messages;
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw this.shapeError("GET", path, "messages");
    return list.map((m) => parseHistoryItem(m));
  }

  /** Shows "typing…" in Kommo for the buyer. */
  async typing(scopeId: string, input: { conversationId: string; senderId: string; durationMs?: number }) {
    const body: Json = { conversation_id: input.conversationId, sender: { id: input.senderId } };
    if (input.durationMs !== undefined) body.duration_ms = input.durationMs;
    await this.call("POST", `/v2/origin/custom/${enc(scopeId)}/typing`, body);
  }

  /** Serialise once, sign those bytes, send those bytes. */
  private async call(method: "GET" | "POST" | "DELETE", pathAndQuery: string, body?: Json): Promise<Json> {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body), "utf8");
    const url = joinUrl(this.o.baseUrl, pathAndQuery);
    const signedPath = new URL(url).pathname;
    const headers = signAmojoRequest({
      secret: this.o.channelSecret,
      method,
      path: signedPath,
      body: bytes,
      date: this.now(),
    });
    const res = await sendRaw({
      api: "amojo",
      url,
      method,
      headers: { ...headers },
      ...(body === undefined ? {} : { body: bytes }),
      timeoutMs: this.timeoutMs,
    });
    if (res.status === 204) return {};
    if (res.status < 200 || res.status >= 300) {
      throw amojoHttpError({
        method,
        path: signedPath,
        status: res.status,
        bodyText: res.text,
        retryAfterHeader: res.headers["retry-after"],
      });
    }
    if (res.text.trim() === "") return {};
    try {
      const j: unknown = JSON.parse(res.text);
      return j && typeof j === "object" && !Array.isArray(j) ? (j as Json) : {};
    } catch {
      throw kommoErrors.unexpected({ api: "amojo", method, path: signedPath, status: res.status });
    }
  }

  private shapeError(method: string, pathAndQuery: string, field: string): TkError {
    const path = pathAndQuery.split("?")[0] ?? pathAndQuery;
    return kommoErrors.unexpected({ api: "amojo", method, path, status: 200, missing: field });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function participant(v: unknown): HistoryParticipant | undefined {
  if (!v || typeof v !== "object") return undefined;
  const o = v as Json;
  const id = str(o.id);
  if (!id) return undefined;
  const clientId = str(o.client_id);
  const name = typeof o.name === "string" ? o.name : undefined;
  return { id, ...(clientId ? { clientId } : {}), ...(name !== undefined ? { name } : {}) };
}

function parseHistoryItem(v: unknown): HistoryMessage {
  const o = (v && typeof v === "object" ? v : {}) as Json;
  const m = (o.message && typeof o.message === "object" ? o.message : {}) as Json;
  const sender = participant(o.sender);
  const receiver = participant(o.receiver);
  const clientId = str(m.client_id);
  const media = str(m.media);
  const fileName = str(m.file_name);
  return {
    timestamp: typeof o.timestamp === "number" ? o.timestamp : 0,
    ...(typeof o.msec_timestamp === "number" ? { msecTimestamp: o.msec_timestamp } : {}),
    ...(sender ? { sender } : {}),
    ...(receiver ? { receiver } : {}),
    message: {
      id: str(m.id) ?? "",
      ...(clientId ? { clientId } : {}),
      type: str(m.type) ?? "text",
      text: typeof m.text === "string" ? m.text : "",
      ...(media ? { media } : {}),
      ...(fileName ? { fileName } : {}),
    },
  };
}
