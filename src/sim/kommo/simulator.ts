/**
 * The Kommo simulator: one node:http server on 127.0.0.1 (port 0) serving both the Chats API (amojo,
 * /v2/origin/custom/...) and the account REST API (/api/v4/..., /oauth2/access_token), plus a control API of plain
 * functions for tests, benchmarks and the sandbox. Point both `kommoChats` and `kommoApi` at `sim.url`.
 *
 * Accounts are told apart by their credentials (bearer token, OAuth code or refresh token), not by host name, so
 * one loopback port can serve many accounts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type AmojoConfig, handleAmojo } from "./amojo-routes.js";
import { handleToken, type OAuthConfig } from "./oauth-routes.js";
import { RateWindow } from "./rate-window.js";
import { amojoError, type BodyMode, limitReply, problem, type SimReply } from "./reply.js";
import { handleRest } from "./rest-routes.js";
import { type OAuthClient, SimState } from "./state.js";
import type {
  SimAccount,
  SimApi,
  SimChannel,
  SimChat,
  SimChatLink,
  SimContact,
  SimDeliveryStatus,
  SimDirection,
  SimLead,
  SimMessage,
  SimNote,
  SimRequestRecord,
  SimWebhookDelivery,
} from "./types.js";
import { fireWebhookOnce } from "./webhook-sender.js";

export interface KommoSimulatorOptions {
  /** Clock for Date checks and token lifetimes (not for rate limiting, which always uses real time). */
  now?: () => number;
  /** Signature validity around Date, default 15 minutes. */
  dateWindowMs?: number;
  /** Access token lifetime, default 86400 s. */
  accessTokenTtlSec?: number;
  /** Authorization code lifetime, default 20 minutes. */
  authCodeTtlMs?: number;
  /** Refresh token lifetime, default 90 days. */
  refreshTokenTtlMs?: number;
  rateLimit?: {
    /** Requests per window per account, default 7. */
    rps?: number;
    /** Window length, default 1000 ms. */
    windowMs?: number;
    /** Consecutive 429s after which the account is blocked (403 on every call), default 10. */
    blockAfter?: number;
    /** Body of 429 answers: documented JSON (default), gateway HTML, or empty. */
    body429?: BodyMode;
    /** Body of 403 block answers, default "json". */
    body403?: BodyMode;
  };
  /** What a repeated msgid gets: "reject" (400, default) or "idempotent" (the first answer again). */
  duplicateMsgid?: "reject" | "idempotent";
  /** How long a reply webhook waits for the bridge, default 5000 ms (then it is lost: no retry). */
  webhookTimeoutMs?: number;
}

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

interface Fault {
  remaining: number;
  status: number;
  body?: string;
  /** Only requests whose path (without the query) ends with this text; default any. */
  pathEndsWith?: string;
}

interface Drop {
  remaining: number;
  api?: SimApi;
  afterProcessing: boolean;
}

const MAX_BODY = 1024 * 1024;

export class KommoSimulator {
  readonly url: string;
  private readonly state = new SimState();
  private readonly now: () => number;
  private readonly amojoCfg: AmojoConfig;
  private readonly oauthCfg: OAuthConfig;
  private readonly authCodeTtlMs: number;
  private readonly webhookTimeoutMs: number;
  private readonly window: RateWindow;
  private readonly body429: BodyMode;
  private readonly body403: BodyMode;
  private readonly log: SimRequestRecord[] = [];
  private readonly faults: Record<SimApi, Fault[]> = { amojo: [], rest: [] };
  private readonly drops: Drop[] = [];
  private readonly latencyMs: Record<SimApi, number> = { amojo: 0, rest: 0 };
  private readonly pendingHooks = new Set<Promise<unknown>>();

  private constructor(
    private readonly server: Server,
    port: number,
    o: KommoSimulatorOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.now = o.now ?? Date.now;
    this.amojoCfg = {
      now: this.now,
      dateWindowMs: o.dateWindowMs ?? 15 * 60_000,
      duplicateMsgid: o.duplicateMsgid ?? "reject",
      leadCreation: { held: false, pending: new Map() },
    };
    this.oauthCfg = {
      now: this.now,
      accessTokenTtlSec: o.accessTokenTtlSec ?? 86_400,
      refreshTokenTtlMs: o.refreshTokenTtlMs ?? 90 * 24 * 3600_000,
    };
    this.authCodeTtlMs = o.authCodeTtlMs ?? 20 * 60_000;
    this.webhookTimeoutMs = o.webhookTimeoutMs ?? 5000;
    this.window = new RateWindow({
      rps: o.rateLimit?.rps ?? 7,
      windowMs: o.rateLimit?.windowMs ?? 1000,
      blockAfter: o.rateLimit?.blockAfter ?? 10,
    });
    this.body429 = o.rateLimit?.body429 ?? "json";
    this.body403 = o.rateLimit?.body403 ?? "json";
    server.on("request", (req, res) => {
      this.onRequest(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  static async start(o: KommoSimulatorOptions = {}): Promise<KommoSimulator> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return new KommoSimulator(server, (server.address() as AddressInfo).port, o);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingHooks]);
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- setup -------------------------------------------------------------------------------------------------

  /** A Kommo account with its amojo id and a manager user. */
  addAccount(input: { name?: string; subdomain?: string; amojoId?: string } = {}): SimAccount {
    const id = this.state.accountId();
    const account: SimAccount = {
      id,
      name: input.name ?? `Account ${id}`,
      subdomain: input.subdomain ?? `acc${id}`,
      amojoId: input.amojoId ?? this.state.uuid(),
      managerAmojoId: this.state.uuid(),
      currentUserId: 886363,
    };
    this.state.accounts.set(id, account);
    return { ...account };
  }

  /** A chat channel as Kommo support would register it (id + secret + hook URL template with `:scope_id`). */
  addChannel(input: {
    hookUrl: string;
    id?: string;
    secret?: string;
    code?: string;
    allowedAccounts?: string[];
  }): SimChannel {
    const channel: SimChannel = {
      id: input.id ?? this.state.uuid(),
      secret: input.secret ?? this.state.token("").slice(0, 40),
      code: input.code ?? "amo.ext.tokokommo",
      botId: this.state.uuid(),
      hookUrl: input.hookUrl,
      ...(input.allowedAccounts ? { allowedAccounts: [...input.allowedAccounts] } : {}),
    };
    this.state.channels.set(channel.id, channel);
    return { ...channel };
  }

  /** Changes where a channel's webhooks go (e.g. once the bridge's port is known). */
  setChannelHookUrl(channelId: string, hookUrl: string): void {
    const c = this.state.channels.get(channelId);
    if (!c) throw new Error(`unknown channel ${channelId}`);
    c.hookUrl = hookUrl;
  }

  addOAuthClient(input: { redirectUri: string; clientId?: string; clientSecret?: string }): OAuthClient {
    const client = {
      clientId: input.clientId ?? this.state.uuid(),
      clientSecret: input.clientSecret ?? this.state.token("cs_"),
      redirectUri: input.redirectUri,
    };
    this.state.oauthClients.set(client.clientId, client);
    return { ...client };
  }

  /** What the consent page would redirect with: a code for this account and client, valid 20 minutes. */
  authorizationCode(accountId: number, clientId: string): string {
    this.requireAccount(accountId);
    const code = this.state.token("code_");
    this.state.authCodes.set(code, {
      accountId,
      clientId,
      expiresAt: this.now() + this.authCodeTtlMs,
      used: false,
    });
    return code;
  }

  /** A long-lived token (private integrations), default 1 year. */
  longLivedToken(accountId: number, ttlMs = 365 * 24 * 3600_000): string {
    this.requireAccount(accountId);
    const t = this.state.token("ll_");
    this.state.accessTokens.set(t, {
      accountId,
      kind: "longLived",
      expiresAt: this.now() + ttlMs,
      revoked: false,
    });
    return t;
  }

  revokeAccessToken(token: string): void {
    const t = this.state.accessTokens.get(token);
    if (t) t.revoked = true;
  }

  // ---- acting as Kommo users ---------------------------------------------------------------------------------

  /**
   * A manager (or Salesbot, `bot: true`) replies in the chat of `conversationId`: the message is stored and the
   * signed v2 webhook is POSTed once to the channel's hook URL (never retried). Resolves with the amojo message
   * id after that single attempt ended; see webhookDeliveries() for its outcome.
   */
  async managerReplies(
    scopeId: string,
    conversationId: string,
    content: ManagerContent,
    opts: { senderName?: string; bot?: boolean } = {},
  ): Promise<string> {
    const conn = this.state.connections.get(scopeId);
    if (!conn) throw new Error(`unknown scope ${scopeId}`);
    const chat = this.state.chatOf(scopeId, conversationId);
    if (!chat?.client) throw new Error(`no chat for conversation ${conversationId} in ${scopeId}`);
    const channel = this.state.channels.get(conn.channelId);
    const account = this.state.accountByAmojoId(conn.accountAmojoId);
    if (!channel || !account) throw new Error("inconsistent simulator state");
    const senderId = opts.bot ? channel.botId : account.managerAmojoId;
    const senderName = opts.senderName ?? (opts.bot ? "Salesbot" : "Manager");
    const nowMs = this.now();
    const msg: SimMessage = {
      amojoId: this.state.uuid(),
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
      sender: { amojoId: senderId, name: senderName },
      receiver: chat.client,
      timestampMs: nowMs,
      receivedAt: Date.now(),
    };
    this.state.addMessage(msg);
    if (!conn.connected || conn.hookApiVersion !== "v2") return msg.amojoId;

    const body = JSON.stringify(this.webhookBody(account.amojoId, chat, msg, content, nowMs));
    const attempt = fireWebhookOnce({
      url: channel.hookUrl.replace(":scope_id", encodeURIComponent(scopeId)),
      scopeId,
      secret: channel.secret,
      body,
      amojoMessageId: msg.amojoId,
      timeoutMs: this.webhookTimeoutMs,
    });
    this.pendingHooks.add(attempt);
    const delivery = await attempt.finally(() => this.pendingHooks.delete(attempt));
    this.state.webhookDeliveries.push(delivery);
    return msg.amojoId;
  }

  private webhookBody(
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
   * From now on a new chat's contact and incoming lead are not made with its first buyer message but only at
   * releaseIncomingLeads(): the window in which Kommo has the chat but not yet its lead, stretched for tests.
   */
  holdIncomingLeads(): void {
    if (this.amojoCfg.leadCreation) this.amojoCfg.leadCreation.held = true;
  }

  /** Makes the contacts and incoming leads held back since holdIncomingLeads(), and stops holding. */
  releaseIncomingLeads(): void {
    const lc = this.amojoCfg.leadCreation;
    if (!lc) return;
    lc.held = false;
    const pending = [...lc.pending.values()];
    lc.pending.clear();
    for (const create of pending) create();
  }

  // ---- reading what happened ---------------------------------------------------------------------------------

  /** Messages the integration sent to this scope through the API, in arrival order. */
  received(scopeId: string): SimMessage[] {
    return this.state.messages
      .filter((m) => m.scopeId === scopeId && m.origin === "api")
      .map((m) => ({ ...m }));
  }

  /**
   * How many messages the integration sent to this scope through the API (optionally of one direction), without
   * copying them: cheap enough for a benchmark to poll while it measures.
   */
  countReceived(scopeId: string, direction?: SimDirection): number {
    let n = 0;
    for (const m of this.state.messages) {
      if (
        m.scopeId === scopeId &&
        m.origin === "api" &&
        (direction === undefined || m.direction === direction)
      )
        n++;
    }
    return n;
  }

  /** Every message of the scope (API and Kommo-side), in order. */
  messages(scopeId?: string): SimMessage[] {
    return this.state.messages
      .filter((m) => scopeId === undefined || m.scopeId === scopeId)
      .map((m) => ({ ...m }));
  }

  chats(scopeId?: string): SimChat[] {
    return [...this.state.chats.values()]
      .filter((c) => scopeId === undefined || c.scopeId === scopeId)
      .map((c) => ({ ...c }));
  }

  connection(scopeId: string) {
    const c = this.state.connections.get(scopeId);
    return c ? { ...c } : undefined;
  }

  /** A manager accepts an incoming lead (it moves to the pipeline's first working stage). */
  acceptLead(leadId: number): void {
    const lead = this.state.leads.get(leadId);
    if (!lead) throw new Error(`sim: unknown lead ${leadId}`);
    lead.status = "open";
  }

  leads(): SimLead[] {
    return [...this.state.leads.values()].map((l) => ({ ...l, tags: [...l.tags] }));
  }

  contacts(): SimContact[] {
    return [...this.state.contacts.values()].map((c) => ({ ...c }));
  }

  notes(): SimNote[] {
    return this.state.notes.map((n) => ({ ...n }));
  }

  chatLinks(): SimChatLink[] {
    return this.state.chatLinks.map((l) => ({ ...l }));
  }

  deliveryStatuses(amojoMessageId: string): SimDeliveryStatus[] {
    return (this.state.deliveryStatuses.get(amojoMessageId) ?? []).map((s) => ({ ...s }));
  }

  webhookDeliveries(): SimWebhookDelivery[] {
    return this.state.webhookDeliveries.map((d) => ({ ...d }));
  }

  requestLog(): SimRequestRecord[] {
    return this.log.map((r) => ({ ...r }));
  }

  /** Arrivals per calendar second (unix seconds), oldest first. */
  requestsPerSecond(filter: { api?: SimApi; accountId?: number } = {}): { second: number; count: number }[] {
    const counts = new Map<number, number>();
    for (const r of this.filtered(filter)) {
      const s = Math.floor(r.at / 1000);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([second, count]) => ({ second, count }));
  }

  /** The most arrivals seen in any sliding window of `windowMs` (default 1000): "never more than 7 in any second". */
  maxRequestsInWindow(filter: { api?: SimApi; accountId?: number; windowMs?: number } = {}): number {
    const times = this.filtered(filter)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    const w = filter.windowMs ?? 1000;
    let best = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while ((times[end] ?? 0) - (times[start] ?? 0) >= w) start++;
      best = Math.max(best, end - start + 1);
    }
    return best;
  }

  tokenStats(): { refreshesIssued: number; spentRefreshPresented: number } {
    return {
      refreshesIssued: this.state.refreshesIssued,
      spentRefreshPresented: this.state.spentRefreshPresented,
    };
  }

  isBlocked(accountId: number): boolean {
    return this.window.isBlocked(String(accountId));
  }

  // ---- faults ------------------------------------------------------------------------------------------------

  /**
   * The next `n` requests to `api` get `status` (with `body`, or the platform's usual error body); with
   * `pathEndsWith`, only requests whose path ends with it count (e.g. "/chats": chat creation only).
   */
  failNext(
    api: SimApi,
    n: number,
    status: number,
    body?: string,
    match: { pathEndsWith?: string } = {},
  ): void {
    this.faults[api].push({
      remaining: n,
      status,
      ...(body !== undefined ? { body } : {}),
      ...(match.pathEndsWith !== undefined ? { pathEndsWith: match.pathEndsWith } : {}),
    });
  }

  /** Every request to `api` (both when omitted) waits `ms` before it is handled. */
  latency(ms: number, api?: SimApi): void {
    if (api === undefined || api === "amojo") this.latencyMs.amojo = ms;
    if (api === undefined || api === "rest") this.latencyMs.rest = ms;
  }

  /**
   * The next `n` requests (to `api`, or any) lose their connection: before processing (nothing happened), or with
   * `afterProcessing` after the state changed (e.g. a refresh token was rotated) but before the answer is sent.
   */
  dropNext(n: number, opts: { api?: SimApi; afterProcessing?: boolean } = {}): void {
    this.drops.push({
      remaining: n,
      afterProcessing: opts.afterProcessing ?? false,
      ...(opts.api ? { api: opts.api } : {}),
    });
  }

  /** Every OAuth access token issued so far is expired (long-lived tokens too when `includeLongLived`). */
  expireAccessTokens(includeLongLived = false): void {
    for (const t of this.state.accessTokens.values()) {
      if (t.kind === "oauth" || includeLongLived) t.expiresAt = this.now() - 1;
    }
  }

  /** Every refresh token issued so far is revoked (as after 3 months unused or an uninstall). */
  revokeRefreshTokens(): void {
    for (const t of this.state.refreshTokens.values()) t.revoked = true;
  }

  unblock(accountId?: number): void {
    this.window.unblock(accountId === undefined ? undefined : String(accountId));
  }

  // ---- HTTP --------------------------------------------------------------------------------------------------

  private filtered(f: { api?: SimApi; accountId?: number }): SimRequestRecord[] {
    return this.log.filter(
      (r) =>
        (f.api === undefined || r.api === f.api) &&
        (f.accountId === undefined || r.accountId === f.accountId),
    );
  }

  private requireAccount(accountId: number): SimAccount {
    const a = this.state.accounts.get(accountId);
    if (!a) throw new Error(`unknown account ${accountId}`);
    return a;
  }

  private takeDrop(api: SimApi, afterProcessing: boolean): boolean {
    const d = this.drops.find(
      (x) => x.remaining > 0 && x.afterProcessing === afterProcessing && (!x.api || x.api === api),
    );
    if (!d) return false;
    d.remaining--;
    return true;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? "GET";
    const rawPath = req.url ?? "/";
    const path = rawPath.split("?")[0] ?? "/";
    const api: SimApi = path.startsWith("/v2/origin/") ? "amojo" : "rest";
    const record: SimRequestRecord = { api, method, path, status: 0, at };
    this.log.push(record);

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) {
        record.status = 413;
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);

    if (this.latencyMs[api] > 0) await new Promise((r) => setTimeout(r, this.latencyMs[api]));
    if (this.takeDrop(api, false)) {
      record.status = "dropped";
      res.socket?.destroy();
      return;
    }
    const fault = this.faults[api].find(
      (f) => f.remaining > 0 && (f.pathEndsWith === undefined || path.endsWith(f.pathEndsWith)),
    );
    let reply: SimReply;
    if (fault) {
      fault.remaining--;
      reply =
        fault.body !== undefined
          ? { status: fault.status, headers: { "content-type": "application/json" }, body: fault.body }
          : api === "amojo"
            ? amojoError(fault.status, "INTERNAL_ERROR", "injected fault")
            : problem(fault.status, "Injected", "injected fault");
    } else if (api === "amojo") {
      const r = handleAmojo(this.state, this.amojoCfg, { method, rawPath, headers: req.headers, body });
      if (r.accountId !== undefined) record.accountId = r.accountId;
      reply = r.reply;
    } else {
      reply = this.rest(method, rawPath, path, req, body, record);
    }

    if (this.takeDrop(api, true)) {
      record.status = "dropped";
      record.lostAnswer = reply.status;
      res.socket?.destroy();
      return;
    }
    record.status = reply.status;
    // Date from the simulator's own clock, as a real server sends its clock: lets tests simulate clock skew.
    res.writeHead(reply.status, {
      date: new Date(this.now()).toUTCString(),
      ...(reply.headers ?? {}),
      "x-request-id": String(this.log.length),
    });
    res.end(reply.body ?? "");
  }

  private rest(
    method: string,
    rawPath: string,
    path: string,
    req: IncomingMessage,
    body: Buffer,
    record: SimRequestRecord,
  ) {
    const isToken = method === "POST" && path === "/oauth2/access_token";
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const tokenRec = bearer ? this.state.accessTokens.get(bearer) : undefined;
    const accountId = isToken ? this.peekGrantAccount(body) : tokenRec?.accountId;
    if (accountId !== undefined) record.accountId = accountId;

    const key = accountId === undefined ? "anon" : String(accountId);
    const verdict = this.window.admit(key, Date.now());
    if (verdict === "blocked") return limitReply(403, this.body403);
    if (verdict === "limited") return limitReply(429, this.body429);

    if (isToken) return handleToken(this.state, this.oauthCfg, body).reply;
    const unauthorized = problem(401, "Unauthorized", "Invalid user name or password");
    if (!tokenRec || tokenRec.revoked || tokenRec.expiresAt <= this.now()) return unauthorized;
    const account = this.state.accounts.get(tokenRec.accountId);
    if (!account) return unauthorized;
    return handleRest(this.state, account, method, rawPath, body, this.url);
  }

  /** Which account a token-endpoint call is about (for rate accounting), without consuming anything. */
  private peekGrantAccount(body: Buffer): number | undefined {
    try {
      const j = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
      if (typeof j.code === "string") return this.state.authCodes.get(j.code)?.accountId;
      if (typeof j.refresh_token === "string")
        return this.state.refreshTokens.get(j.refresh_token)?.accountId;
    } catch {
      // malformed: handled (400) by the token endpoint itself
    }
    return undefined;
  }
}

/** Starts a simulator on 127.0.0.1, port 0. Close it with `await sim.close()`. */
export function startKommoSimulator(options: KommoSimulatorOptions = {}): Promise<KommoSimulator> {
  return KommoSimulator.start(options);
}
