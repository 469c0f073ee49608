/**
 * The Kommo simulator: one server on the simulator base (127.0.0.1, a free port; routes in http.ts and
 * amojo-http.ts) serving both the Chats API (amojo, /v2/origin/custom/...) and the account REST API (/api/v4/...,
 * /oauth2/access_token), plus a control API of plain functions for tests, benchmarks and the sandbox. Point both `kommoChats` and `kommoApi` at `sim.url`.
 *
 * Accounts are told apart by their credentials (bearer token, OAuth code or refresh token), not by host name, so
 * one loopback port can serve many accounts.
 */
import { arrivalsPerSecond, maxArrivalsInWindow, type SimDrop } from "../base/index.js";
import type { AmojoConfig } from "./amojo-routes.js";
import { type KommoFault, type KommoHost, type KommoRequestRecord, kommoServer } from "./http.js";
import type { SimPipelineIds } from "./lead-desk.js";
import * as desk from "./lead-desk.js";
import type { KommoSimulatorOptions } from "./options.js";
import { RateWindow } from "./rate-window.js";
import { KommoRoutingControl } from "./routing-control.js";
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
  SimIncomingLeadWrite,
  SimLead,
  SimMessage,
  SimNote,
  SimTask,
  SimWebhookDelivery,
} from "./types.js";
import { type ManagerContent, managerMessage } from "./webhook-body.js";
import { fireWebhookOnce } from "./webhook-sender.js";

export class KommoSimulator {
  private readonly state = new SimState();
  private readonly now: () => number;
  private readonly amojoCfg: AmojoConfig;
  private readonly authCodeTtlMs: number;
  private readonly webhookTimeoutMs: number;
  private readonly window: RateWindow;
  private readonly pendingHooks = new Set<Promise<unknown>>();
  private readonly http;
  /** Pipelines, users, rights and sources per account (routing-control.ts). */
  readonly routing = new KommoRoutingControl(this.state);

  private constructor(o: KommoSimulatorOptions) {
    this.now = o.now ?? Date.now;
    this.amojoCfg = {
      now: this.now,
      dateWindowMs: o.dateWindowMs ?? 15 * 60_000,
      duplicateMsgid: o.duplicateMsgid ?? "reject",
      leadCreation: { held: false, pending: new Map() },
    };
    this.authCodeTtlMs = o.authCodeTtlMs ?? 20 * 60_000;
    this.webhookTimeoutMs = o.webhookTimeoutMs ?? 5000;
    this.window = new RateWindow({
      rps: o.rateLimit?.rps ?? 7,
      windowMs: o.rateLimit?.windowMs ?? 1000,
      blockAfter: o.rateLimit?.blockAfter ?? 10,
    });
    this.http = kommoServer({
      state: this.state,
      now: this.now,
      amojo: this.amojoCfg,
      oauth: {
        now: this.now,
        accessTokenTtlSec: o.accessTokenTtlSec ?? 86_400,
        refreshTokenTtlMs: o.refreshTokenTtlMs ?? 90 * 24 * 3600_000,
      },
      window: this.window,
      body429: o.rateLimit?.body429 ?? "json",
      body403: o.rateLimit?.body403 ?? "json",
    });
  }

  static async start(o: KommoSimulatorOptions = {}): Promise<KommoSimulator> {
    const sim = new KommoSimulator(o);
    await sim.http.start(o.port);
    return sim;
  }

  /** Base URL of both APIs, e.g. http://127.0.0.1:41234. */
  get url(): string {
    return this.http.url;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pendingHooks]);
    await this.http.close();
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
    const { msg, hook } = managerMessage(this.state, this.now(), scopeId, conversationId, content, opts);
    if (!hook) return msg.amojoId;
    const attempt = fireWebhookOnce({
      ...hook,
      scopeId,
      amojoMessageId: msg.amojoId,
      timeoutMs: this.webhookTimeoutMs,
    });
    this.pendingHooks.add(attempt);
    const delivery = await attempt.finally(() => this.pendingHooks.delete(attempt));
    this.state.webhookDeliveries.push(delivery);
    return msg.amojoId;
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

  /** A manager accepts an incoming lead (lead-desk.ts): default stage the pipeline's first, user the current one. */
  acceptLead(leadId: number, opts: { userId?: number; statusId?: number } = {}): void {
    desk.acceptLead(this.state, leadId, opts);
  }

  /** A manager declines an incoming lead: it goes to the trash. */
  declineLead = (leadId: number): void => desk.declineLead(this.state, leadId);
  addPipeline = (accountId: number, name = "Shop pipeline"): SimPipelineIds =>
    desk.addPipeline(this.state, accountId, name);
  mainPipeline = (accountId: number): SimPipelineIds => desk.mainPipeline(accountId);
  /** Every write that reached a lead while it was still incoming (each one took it out of incoming). */
  incomingLeadWrites = (): SimIncomingLeadWrite[] => desk.incomingLeadWrites(this.state);
  leads(): SimLead[] {
    return [...this.state.leads.values()].map((l) => ({ ...l, tags: [...l.tags] }));
  }

  contacts(): SimContact[] {
    return [...this.state.contacts.values()].map((c) => ({ ...c }));
  }

  notes(): SimNote[] {
    return this.state.notes.map((n) => ({ ...n }));
  }

  /** Tasks (copies), oldest first. */
  tasks(): SimTask[] {
    return [...this.state.tasks.values()].map((t) => ({ ...t }));
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

  /** Every request so far, in arrival order (copies). */
  requestLog(): KommoRequestRecord[] {
    return this.http.requests().map((r) => ({ ...r }));
  }

  /** Arrivals per calendar second (unix seconds), oldest first. */
  requestsPerSecond(filter: { host?: SimApi; accountId?: number } = {}): { second: number; count: number }[] {
    return arrivalsPerSecond(this.filtered(filter).map((r) => r.at));
  }

  /** The most arrivals seen in any sliding window of `windowMs` (default 1000): "never more than 7 in any second". */
  maxRequestsInWindow(filter: { host?: SimApi; accountId?: number; windowMs?: number } = {}): number {
    return maxArrivalsInWindow(
      this.filtered(filter).map((r) => r.at),
      filter.windowMs ?? 1000,
    );
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
   * The next `n` matching requests (any host unless `fault.host` says "amojo" or "rest") answer `fault.status`
   * with `fault.body`, or with the platform's usual error body (amojo envelope, REST problem JSON).
   */
  failNext(n: number, fault: KommoFault): void {
    this.http.failNext(n, fault);
  }

  /** Every request (to `host`, or to both when omitted) waits `ms` before it is handled. */
  latency(ms: number, host?: KommoHost): void {
    this.http.latency(ms, host);
  }

  /**
   * The next `n` matching requests lose their connection: before processing (nothing happened), or with
   * `afterProcessing` after the state changed (e.g. a refresh token was rotated) but before the answer is sent.
   */
  dropNext(n: number, drop: SimDrop<KommoHost> = {}): void {
    this.http.dropNext(n, drop);
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

  // ---- internals --------------------------------------------------------------------------------------------

  private filtered(f: { host?: SimApi; accountId?: number }): KommoRequestRecord[] {
    return this.http
      .requests()
      .filter(
        (r) =>
          (f.host === undefined || r.host === f.host) &&
          (f.accountId === undefined || r.accountId === f.accountId),
      );
  }

  private requireAccount(accountId: number): SimAccount {
    const a = this.state.accounts.get(accountId);
    if (!a) throw new Error(`unknown account ${accountId}`);
    return a;
  }
}

/** Starts a simulator on 127.0.0.1, port 0. Close it with `await sim.close()`. */
export function startKommoSimulator(options: KommoSimulatorOptions = {}): Promise<KommoSimulator> {
  return KommoSimulator.start(options);
}
