/**
 * Kommo REST v4 client: account (with amojo_id), contacts, lead tags and notes, chat↔contact links. Every HTTP
 * call (token endpoint included) first takes a permit from the account's shared 7 rps limiter. With OAuth, a 401
 * triggers one refresh (rotation handled in oauth-tokens.ts) and one retry of the call; long-lived tokens have
 * no refresh, so their 401 is final.
 */
import { TkError } from "../errors/index.js";
import { kommoErrors } from "./errors.js";
import { joinUrl, sendRaw } from "./http.js";
import { IncomingLeadsApi } from "./incoming-leads.js";
import { getKommoLimiter, type KommoRateLimiter } from "./limiter.js";
import { OAuthTokens } from "./oauth-tokens.js";
import { restHttpError } from "./rest-errors.js";
import type {
  ChatLink,
  KommoAccount,
  KommoContact,
  KommoRestClientOptions,
  NewLeadTask,
} from "./rest-types.js";
import {
  type KommoPipeline,
  type KommoSource,
  parsePipeline,
  parseSource,
  parseUser,
  sourcesRefused,
  type UsersAnswer,
} from "./routing-types.js";

export type {
  ChatLink,
  KommoAccount,
  KommoContact,
  KommoRestAuth,
  KommoRestClientOptions,
  NewLeadTask,
} from "./rest-types.js";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
type Json = Record<string, unknown>;

export class KommoRestClient {
  private readonly limiter: KommoRateLimiter;
  private readonly oauth: OAuthTokens | undefined;
  private readonly timeoutMs: number;
  /** Pipeline id → its incoming stage's status id (null: the pipeline has none). */
  private readonly incomingStages = new Map<number, number | null>();
  /** Incoming leads: read, accept, enrich once accepted (incoming-leads.ts). */
  readonly incoming = new IncomingLeadsApi((method, path, body) => this.json(method, path, body));

  constructor(private readonly o: KommoRestClientOptions) {
    this.limiter = o.limiter ?? getKommoLimiter(o.tokenKey);
    this.timeoutMs = o.timeoutMs ?? 15_000;
    if (o.auth.kind === "oauth") {
      if (!o.tokenStore) {
        throw new TkError("TK_ERR_KOMMO_NOT_AUTHORIZED", "OAuth for Kommo needs a token store.", {
          fix: "Pass tokenStore (the state file's token table) when auth is OAuth.",
          exitCode: 2,
          details: { retryable: false },
        });
      }
      this.oauth = new OAuthTokens({
        baseUrl: o.baseUrl,
        credentials: o.auth,
        store: o.tokenStore,
        key: o.tokenKey,
        limiter: this.limiter,
        now: o.now ?? Date.now,
        timeoutMs: this.timeoutMs,
        refreshSkewMs: o.refreshSkewMs ?? 5 * 60_000,
      });
    }
  }

  /** Exchanges the authorization code from the redirect (OAuth only) and stores the pair. */
  async exchangeCode(code: string): Promise<{ expiresAt: number }> {
    if (!this.oauth) {
      throw new TkError("TK_ERR_USAGE", "exchangeCode needs OAuth auth, not a long-lived token.", {
        exitCode: 2,
      });
    }
    const t = await this.oauth.exchangeCode(code);
    return { expiresAt: t.expiresAt };
  }

  /** GET /api/v4/account?with=amojo_id — also the health check of the REST link. */
  async account(): Promise<KommoAccount> {
    const j = await this.json("GET", "/api/v4/account?with=amojo_id");
    const id = j?.id;
    const amojoId = j?.amojo_id;
    if (typeof id !== "number" || typeof amojoId !== "string") throw this.shape("GET", "/api/v4/account");
    return {
      id,
      name: typeof j?.name === "string" ? j.name : "",
      subdomain: typeof j?.subdomain === "string" ? j.subdomain : "",
      amojoId,
      ...(typeof j?.current_user_id === "number" ? { currentUserId: j.current_user_id } : {}),
    };
  }

  /** GET /api/v4/contacts?query=… (name, phone, email…); [] when Kommo answers 204. */
  async searchContacts(query: string, opts: { limit?: number; page?: number } = {}): Promise<KommoContact[]> {
    const q = new URLSearchParams({ query, with: "leads" });
    q.set("limit", String(Math.min(opts.limit ?? 50, 250)));
    if (opts.page) q.set("page", String(opts.page));
    const j = await this.json("GET", `/api/v4/contacts?${q.toString()}`);
    const list = embedded(j, "contacts");
    return list.map(parseContact).filter((c): c is KommoContact => c !== undefined);
  }

  /** GET /api/v4/contacts/{id}?with=leads */
  async getContact(contactId: number): Promise<KommoContact> {
    const path = `/api/v4/contacts/${contactId}`;
    const c = parseContact(await this.json("GET", `${path}?with=leads`));
    if (!c) throw this.shape("GET", path);
    return c;
  }

  /** PATCH /api/v4/leads/{id} with tags_to_add (existing tags stay). */
  async addLeadTags(leadId: number, tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.json("PATCH", `/api/v4/leads/${leadId}`, { tags_to_add: tags.map((name) => ({ name })) });
  }

  /** POST /api/v4/leads/{id}/notes — a note on the lead; returns the note id. */
  async addLeadNote(leadId: number, text: string, noteType = "common"): Promise<{ noteId: number }> {
    const path = `/api/v4/leads/${leadId}/notes`;
    const j = await this.json("POST", path, [{ note_type: noteType, params: { text } }]);
    const id = embedded(j, "notes")[0]?.id;
    if (typeof id !== "number") throw this.shape("POST", path);
    return { noteId: id };
  }

  /** POST /api/v4/contacts/chats — links an amojo chat (chat id, not our conversation_id) to a contact. */
  async linkChatToContact(amojoChatId: string, contactId: number): Promise<ChatLink> {
    const j = await this.json("POST", "/api/v4/contacts/chats", [
      { contact_id: contactId, chat_id: amojoChatId },
    ]);
    const link = parseLink(embedded(j, "chats")[0]);
    if (!link) throw this.shape("POST", "/api/v4/contacts/chats");
    return link;
  }

  /** GET /api/v4/contacts/chats?chat_id[]=… — the contact a chat belongs to; [] when none (204). */
  async chatLinks(filter: { chatIds?: string[]; contactIds?: number[] }): Promise<ChatLink[]> {
    const q = new URLSearchParams();
    for (const c of filter.chatIds ?? []) q.append("chat_id[]", c);
    for (const c of filter.contactIds ?? []) q.append("contact_id[]", String(c));
    const j = await this.json("GET", `/api/v4/contacts/chats?${q.toString()}`);
    return embedded(j, "chats")
      .map(parseLink)
      .filter((l): l is ChatLink => l !== undefined);
  }

  /**
   * Tags the newest lead of the contact that owns the chat. {} when the chat has no contact or the contact no
   * lead yet (Kommo creates them asynchronously after the first message): the tagging job then tries again later.
   */
  async tagLeadOfChat(amojoChatId: string, tags: string[]): Promise<{ leadId?: number }> {
    const leadId = await this.leadOfChat(amojoChatId);
    if (leadId === undefined) return {};
    await this.addLeadTags(leadId, tags);
    return { leadId };
  }

  /** The newest lead of the contact that owns the chat; undefined while Kommo has made neither. */
  async leadOfChat(amojoChatId: string): Promise<number | undefined> {
    const link = (await this.chatLinks({ chatIds: [amojoChatId] }))[0];
    if (!link) return undefined;
    const contact = await this.getContact(link.contactId);
    return contact.leadIds.length > 0 ? Math.max(...contact.leadIds) : undefined;
  }

  /**
   * A lead's sale value and whether it is still in its pipeline's incoming stage (the stage of `type` 1): GET of the
   * lead, and of its pipeline once per process (stage types do not change).
   */
  async leadPriceState(
    leadId: number,
  ): Promise<{ price: number; incoming: boolean; responsibleUserId?: number }> {
    const path = `/api/v4/leads/${leadId}`;
    const lead = await this.json("GET", path);
    const statusId = lead?.status_id;
    const pipelineId = lead?.pipeline_id;
    if (typeof statusId !== "number" || typeof pipelineId !== "number") throw this.shape("GET", path);
    let incoming = this.incomingStages.get(pipelineId);
    if (incoming === undefined) {
      const pipe = `/api/v4/leads/pipelines/${pipelineId}`;
      const stage = embedded(await this.json("GET", pipe), "statuses").find((st) => st.type === 1);
      incoming = typeof stage?.id === "number" ? stage.id : null;
      this.incomingStages.set(pipelineId, incoming);
    }
    const responsible = lead?.responsible_user_id;
    return {
      price: typeof lead?.price === "number" ? lead.price : 0,
      incoming: statusId === incoming,
      ...(typeof responsible === "number" && responsible > 0 ? { responsibleUserId: responsible } : {}),
    };
  }

  /** PATCH /api/v4/leads/{id} with tags_to_delete (other tags stay; a tag not on the lead is no error). */
  async removeLeadTags(leadId: number, tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await this.json("PATCH", `/api/v4/leads/${leadId}`, { tags_to_delete: tags.map((name) => ({ name })) });
  }

  /** POST /api/v4/tasks with one task on a lead; returns its id. */
  async createLeadTask(t: NewLeadTask): Promise<number> {
    const body = {
      text: t.text,
      complete_till: t.completeTill,
      entity_type: "leads",
      entity_id: t.leadId,
      task_type_id: t.taskTypeId ?? 1,
      ...(t.responsibleUserId !== undefined ? { responsible_user_id: t.responsibleUserId } : {}),
    };
    const j = await this.json("POST", "/api/v4/tasks", [body]);
    const id = embedded(j, "tasks")[0]?.id;
    if (typeof id !== "number") throw this.shape("POST", "/api/v4/tasks");
    return id;
  }

  /** PATCH /api/v4/tasks/{id}: completes the task with a result text (only the changed fields are sent). */
  async completeTask(taskId: number, resultText: string): Promise<void> {
    await this.json("PATCH", `/api/v4/tasks/${taskId}`, { is_completed: true, result: { text: resultText } });
  }

  /** GET /api/v4/tasks: the open tasks on a lead (first 250); [] when none (204). */
  async openTasksOfLead(leadId: number): Promise<Array<{ id: number; text: string }>> {
    const q = new URLSearchParams({
      "filter[entity_type]": "leads",
      "filter[is_completed]": "0",
      limit: "250",
    });
    q.append("filter[entity_id][]", String(leadId));
    const j = await this.json("GET", `/api/v4/tasks?${q.toString()}`);
    return embedded(j, "tasks").flatMap((t) =>
      typeof t.id === "number" ? [{ id: t.id, text: typeof t.text === "string" ? t.text : "" }] : [],
    );
  }

  /** PATCH /api/v4/leads/{id} with `price` only (a lead still incoming would leave incoming: check first). */
  async setLeadPrice(leadId: number, price: number): Promise<void> {
    await this.json("PATCH", `/api/v4/leads/${leadId}`, { price });
  }

  /**
   * PATCH /api/v4/leads/{lead}/notes/{id} — replaces a note's text in place. Sends the note type unchanged and the
   * complete params (whether Kommo merges params is not documented).
   */
  async editLeadNote(leadId: number, noteId: number, text: string, noteType = "common"): Promise<void> {
    await this.json("PATCH", `/api/v4/leads/${leadId}/notes/${noteId}`, {
      note_type: noteType,
      params: { text },
    });
  }

  /** GET /api/v4/leads/pipelines: every pipeline of the account (open to every user). */
  async pipelines(): Promise<KommoPipeline[]> {
    const j = await this.json("GET", "/api/v4/leads/pipelines");
    return embedded(j, "pipelines")
      .map(parsePipeline)
      .filter((p): p is KommoPipeline => p !== undefined);
  }

  /** GET /api/v4/users, page by page (admin only: a 403 comes back as `refused`, not thrown). */
  async users(): Promise<UsersAnswer> {
    const users = [];
    try {
      for (let page = 1; ; page++) {
        const list = embedded(await this.json("GET", `/api/v4/users?limit=250&page=${page}`), "users");
        users.push(...list.map(parseUser).filter((u) => u !== undefined));
        if (list.length < 250) return { users };
      }
    } catch (err) {
      if (err instanceof TkError && err.details?.status === 403) return { refused: err };
      throw err;
    }
  }

  /** GET /api/v4/sources filtered by external_id (one call for up to 100); [] when none (204). */
  async sources(externalIds: string[]): Promise<KommoSource[]> {
    const q = new URLSearchParams();
    for (const id of externalIds) q.append("filter[external_id][]", id);
    const j = await this.sourcesCall("GET", `/api/v4/sources?${q.toString()}`);
    return embedded(j, "sources")
      .map(parseSource)
      .filter((s): s is KommoSource => s !== undefined);
  }

  /** POST /api/v4/sources (≤ 50 per call, so larger lists take several). */
  async createSources(items: Array<Omit<KommoSource, "id">>): Promise<KommoSource[]> {
    const out: KommoSource[] = [];
    for (let i = 0; i < items.length; i += 50) {
      const body = items
        .slice(i, i + 50)
        .map((s) => ({ name: s.name, external_id: s.externalId, pipeline_id: s.pipelineId }));
      const j = await this.sourcesCall("POST", "/api/v4/sources", body);
      out.push(
        ...embedded(j, "sources")
          .map(parseSource)
          .filter((s) => s !== undefined),
      );
    }
    return out;
  }

  /** PATCH /api/v4/sources: name and pipeline (external_id never changes). */
  async updateSources(items: Array<Pick<KommoSource, "id" | "name" | "pipelineId">>): Promise<void> {
    for (let i = 0; i < items.length; i += 50) {
      const body = items.slice(i, i + 50).map((s) => ({ id: s.id, name: s.name, pipeline_id: s.pipelineId }));
      await this.sourcesCall("PATCH", "/api/v4/sources", body);
    }
  }

  /** A Sources API call: its 403 is TK_ERR_KOMMO_SOURCES_REFUSED (no admin, or no lead_sources location). */
  private async sourcesCall(method: Method, pathAndQuery: string, body?: unknown): Promise<Json | undefined> {
    try {
      return await this.json(method, pathAndQuery, body);
    } catch (err) {
      if (err instanceof TkError && err.details?.status === 403)
        throw sourcesRefused(method, "/api/v4/sources", err);
      throw err;
    }
  }

  /** One REST call: limiter permit, bearer token, one refresh-and-retry on 401 (OAuth only). */
  private async json(method: Method, pathAndQuery: string, body?: unknown): Promise<Json | undefined> {
    const bytes = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const path = pathAndQuery.split("?")[0] ?? pathAndQuery;
    let token = await this.token();
    for (let attempt = 0; ; attempt++) {
      await this.limiter.acquire();
      const res = await sendRaw({
        api: "rest",
        url: joinUrl(this.o.baseUrl, pathAndQuery),
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(bytes ? { "content-type": "application/json" } : {}),
        },
        ...(bytes ? { body: bytes } : {}),
        timeoutMs: this.timeoutMs,
      });
      if (res.status === 401 && this.oauth && attempt === 0) {
        token = (await this.oauth.refresh(token)).accessToken;
        continue;
      }
      if (res.status === 204) return undefined;
      if (res.status < 200 || res.status >= 300) {
        throw restHttpError("rest", {
          method,
          path,
          status: res.status,
          bodyText: res.text,
          retryAfterHeader: res.headers["retry-after"],
        });
      }
      if (res.text.trim() === "") return undefined;
      try {
        const j: unknown = JSON.parse(res.text);
        return j && typeof j === "object" && !Array.isArray(j) ? (j as Json) : undefined;
      } catch {
        throw kommoErrors.unexpected({ api: "rest", method, path, status: res.status });
      }
    }
  }

  private async token(): Promise<string> {
    if (this.o.auth.kind === "longLived") return this.o.auth.token;
    return (this.oauth as OAuthTokens).accessToken();
  }

  private shape(method: string, path: string): TkError {
    return kommoErrors.unexpected({ api: "rest", method, path, status: 200 });
  }
}

function embedded(j: Json | undefined, name: string): Json[] {
  const e = j?._embedded;
  if (!e || typeof e !== "object") return [];
  const list = (e as Json)[name];
  return Array.isArray(list) ? list.filter((x): x is Json => !!x && typeof x === "object") : [];
}

function parseContact(j: Json | undefined): KommoContact | undefined {
  if (!j || typeof j.id !== "number") return undefined;
  const leads = embedded(j, "leads")
    .map((l) => l.id)
    .filter((id): id is number => typeof id === "number");
  return { id: j.id, name: typeof j.name === "string" ? j.name : "", leadIds: leads };
}

function parseLink(j: Json | undefined): ChatLink | undefined {
  if (!j || typeof j.chat_id !== "string" || typeof j.contact_id !== "number") return undefined;
  return { chatId: j.chat_id, contactId: j.contact_id, ...(typeof j.id === "number" ? { id: j.id } : {}) };
}
