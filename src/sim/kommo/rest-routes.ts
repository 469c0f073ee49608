/**
 * REST v4 endpoints of the simulator (docs/platforms/kommo.md#rest-endpoints): account with amojo_id, contacts
 * search and read, lead read and tag update, lead notes, contacts↔chats links. HAL bodies, 204 for empty results,
 * problem JSON errors. Authentication and rate limiting happen before these handlers (http.ts).
 */
import type { RouteMethod } from "../../server/router.js";
import { patchLeads, patchOneLead } from "./lead-writes.js";
import { handleNoteRoute } from "./note-routes.js";
import { handlePipelineRoute, listPipelines } from "./pipeline-routes.js";
import { empty, hal, json, problem, type SimReply } from "./reply.js";
import { SOURCE_ROUTES } from "./source-routes.js";
import type { SimState } from "./state.js";
import { TASK_ROUTES } from "./task-routes.js";
import type { SimAccount, SimContact, SimLead } from "./types.js";
import {
  acceptUnsorted,
  declineUnsorted,
  leadView,
  listLeads,
  listUnsorted,
  readUnsorted,
} from "./unsorted-routes.js";
import { USER_ROUTES } from "./user-routes.js";

type Obj = Record<string, unknown>;

const validation = (detail: string, path: string) =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [{ request_id: "0", errors: [{ code: "InvalidType", path, detail }] }],
  });

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** An authenticated REST call (rate limit, token and `limit` already checked by http.ts). */
export interface RestCall {
  state: SimState;
  account: SimAccount;
  method: string;
  /** The path as sent, without the query. */
  path: string;
  q: URLSearchParams;
  params: Record<string, string>;
  body: Buffer;
  /** The simulator's base URL, for HAL links. */
  origin: string;
}

export type RestHandler = (call: RestCall) => SimReply;

const selfOf = (call: RestCall) => (p: string) => ({ self: { href: `${call.origin}${p}` } });

/** The `limit` query parameter, when present, must be 1..250 (else 422), on every REST endpoint. */
export function badLimit(q: URLSearchParams): SimReply | undefined {
  const limit = Number(q.get("limit"));
  if (q.has("limit") && (!Number.isInteger(limit) || limit > 250 || limit < 1)) {
    return problem(422, "Unprocessable Entity", "Limit 250 per page");
  }
  return undefined;
}

/** 404 in Kommo's words for any REST path or method it does not serve. */
export function restNotFound(method: string, origin: string, path: string): SimReply {
  return problem(404, "Not Found", `Cannot ${method} ${origin}${path}`);
}

/** The REST routes, in match order (`/contacts/chats` before `/contacts/{id}`); ids must be digits. */
export const REST_ROUTES: Array<{ method: RouteMethod; path: string; handler: RestHandler }> = [
  { method: "GET", path: "/api/v4/account", handler: account },
  { method: "GET", path: "/api/v4/contacts", handler: searchContacts },
  { method: "GET", path: "/api/v4/contacts/chats", handler: listChatLinks },
  {
    method: "POST",
    path: "/api/v4/contacts/chats",
    handler: (c) => linkChats(c.state, c.account, parseJson(c.body)),
  },
  { method: "GET", path: "/api/v4/contacts/{id}", handler: digits(readContact) },
  { method: "GET", path: "/api/v4/leads", handler: listLeads },
  { method: "PATCH", path: "/api/v4/leads", handler: (c) => patchLeads(writeCall(c), parseJson(c.body)) },
  { method: "GET", path: "/api/v4/leads/unsorted", handler: listUnsorted },
  {
    method: "GET",
    path: "/api/v4/leads/unsorted/{uid}",
    handler: (c) => readUnsorted(c, c.params.uid ?? ""),
  },
  {
    method: "POST",
    path: "/api/v4/leads/unsorted/{uid}/accept",
    handler: (c) => acceptUnsorted(c, c.params.uid ?? ""),
  },
  {
    method: "DELETE",
    path: "/api/v4/leads/unsorted/{uid}/decline",
    handler: (c) => declineUnsorted(c, c.params.uid ?? ""),
  },
  {
    method: "GET",
    path: "/api/v4/leads/pipelines",
    handler: (c) => listPipelines(c.state, c.account, c.origin),
  },
  {
    method: "GET",
    path: "/api/v4/leads/{id}",
    handler: digits(withLead((c, lead) => hal(leadView(lead, c.origin)))),
  },
  {
    method: "PATCH",
    path: "/api/v4/leads/{id}",
    handler: digits(withLead((c, lead) => patchOneLead(writeCall(c), lead, parseJson(c.body)))),
  },
  { method: "POST", path: "/api/v4/leads/{id}/notes", handler: digits(withLead(addNotes)) },
  { method: "GET", path: "/api/v4/leads/{id}/notes/{noteId}", handler: noteRoute },
  { method: "PATCH", path: "/api/v4/leads/{id}/notes/{noteId}", handler: noteRoute },
  {
    method: "GET",
    path: "/api/v4/leads/pipelines/{id}",
    handler: (c) =>
      handlePipelineRoute(c.state, c.account, c.method, c.path, c.origin) ??
      restNotFound(c.method, c.origin, c.path),
  },
  ...SOURCE_ROUTES,
  ...USER_ROUTES,
  ...TASK_ROUTES.map((r) => (r.path.endsWith("{id}") ? { ...r, handler: digits(r.handler) } : r)),
];

const writeCall = (c: RestCall) => ({ ...c, now: Date.now() });

function digits(h: RestHandler): RestHandler {
  return (c) => (/^\d+$/.test(c.params.id ?? "") ? h(c) : restNotFound(c.method, c.origin, c.path));
}

function withLead(h: (c: RestCall, lead: SimLead) => SimReply): RestHandler {
  return (c) => {
    const lead = c.state.leads.get(Number(c.params.id));
    if (!lead || lead.accountId !== c.account.id) return restNotFound(c.method, c.origin, c.path);
    return h(c, lead);
  };
}

function account(c: RestCall): SimReply {
  const a = c.account;
  const withAmojo = (c.q.get("with") ?? "").split(",").includes("amojo_id");
  return hal({
    id: a.id,
    name: a.name,
    subdomain: a.subdomain,
    current_user_id: a.currentUserId,
    country: "ID",
    currency: "IDR",
    is_unsorted_on: true,
    ...(withAmojo ? { amojo_id: a.amojoId } : {}),
    _links: selfOf(c)("/api/v4/account"),
  });
}

function contactView(c: RestCall, contact: SimContact): Obj {
  const self = selfOf(c);
  const withLeads = (c.q.get("with") ?? "").split(",").includes("leads");
  return {
    id: contact.id,
    name: contact.name,
    account_id: c.account.id,
    created_at: Math.floor(contact.createdAt / 1000),
    custom_fields_values: contact.phone
      ? [
          {
            field_code: "PHONE",
            field_type: "multitext",
            values: [{ value: contact.phone, enum_code: "WORK" }],
          },
        ]
      : null,
    _links: self(`/api/v4/contacts/${contact.id}`),
    _embedded: {
      tags: [],
      ...(withLeads
        ? {
            leads: [...c.state.leads.values()]
              .filter((l) => l.contactId === contact.id)
              .map((l) => ({ id: l.id, _links: self(`/api/v4/leads/${l.id}`) })),
          }
        : {}),
    },
  };
}

function searchContacts(c: RestCall): SimReply {
  const limit = c.q.has("limit") ? Number(c.q.get("limit")) : 50;
  const needle = (c.q.get("query") ?? "").toLowerCase();
  const found = [...c.state.contacts.values()].filter(
    (x) =>
      x.accountId === c.account.id &&
      [x.name, x.phone, x.email].some((f) => f?.toLowerCase().includes(needle)),
  );
  const page = Number(c.q.get("page") ?? "1");
  const slice = found.slice((page - 1) * limit, page * limit);
  if (slice.length === 0) return empty(204);
  return hal({
    _page: page,
    _links: selfOf(c)("/api/v4/contacts"),
    _embedded: { contacts: slice.map((x) => contactView(c, x)) },
  });
}

function readContact(c: RestCall): SimReply {
  const contact = c.state.contacts.get(Number(c.params.id));
  if (!contact || contact.accountId !== c.account.id) return restNotFound("GET", c.origin, c.path);
  return hal(contactView(c, contact));
}

function addNotes(c: RestCall, lead: SimLead): SimReply {
  const body = parseJson(c.body);
  if (!Array.isArray(body) || body.length === 0) {
    return problem(400, "Bad Request", "Request data can not be empty");
  }
  const notes: Obj[] = [];
  for (const [i, n] of body.entries()) {
    const note = n as Obj;
    if (typeof note?.note_type !== "string")
      return validation("This value should not be blank.", `${i}.note_type`);
    const params = (note.params ?? {}) as Obj;
    if (note.note_type === "common" && typeof params.text !== "string") {
      return validation("This value should be of type string.", `${i}.params.text`);
    }
    const id = c.state.noteId();
    c.state.notes.push({ id, leadId: lead.id, noteType: note.note_type, params });
    notes.push({
      id,
      entity_id: lead.id,
      request_id: String(i),
      _links: selfOf(c)(`/api/v4/leads/${lead.id}/notes/${id}`),
    });
  }
  return hal({ _links: selfOf(c)("/api/v4/leads/notes"), _embedded: { notes } });
}

function listChatLinks(c: RestCall): SimReply {
  const chatIds = c.q.getAll("chat_id[]");
  const contactIds = c.q.getAll("contact_id[]").map(Number);
  const links = c.state.chatLinks.filter(
    (l) =>
      l.accountId === c.account.id &&
      (chatIds.length === 0 || chatIds.includes(l.chatId)) &&
      (contactIds.length === 0 || contactIds.includes(l.contactId)),
  );
  if (links.length === 0) return empty(204);
  return hal({
    _total_items: links.length,
    _embedded: { chats: links.map((l) => ({ chat_id: l.chatId, contact_id: l.contactId, id: l.id })) },
  });
}

/** One note of a lead, read or edited in place (note-routes.ts); ids must be digits. */
function noteRoute(c: RestCall): SimReply {
  return (
    handleNoteRoute(c.state, c.account, c.method, c.path, c.body, c.origin) ??
    restNotFound(c.method, c.origin, c.path)
  );
}

function linkChats(state: SimState, account: SimAccount, body: unknown): SimReply {
  if (!Array.isArray(body) || body.length === 0)
    return problem(400, "Bad Request", "Request data can not be empty");
  const out: Obj[] = [];
  for (const [i, item] of body.entries()) {
    const it = item as Obj;
    if (typeof it?.chat_id !== "string")
      return validation("This value should be of type string.", `${i}.chat_id`);
    if (typeof it.contact_id !== "number")
      return validation("This value should be of type int.", `${i}.contact_id`);
    const contact = state.contacts.get(it.contact_id);
    const chat = state.chats.get(it.chat_id);
    const chatAccount = chat ? state.accountOfScope(chat.scopeId) : undefined;
    if (!contact || contact.accountId !== account.id || !chat || chatAccount?.id !== account.id) {
      return problem(404, "Not Found", "Chat or contact not found");
    }
    // A chat belongs to exactly one contact.
    let link = state.chatLinks.find((l) => l.chatId === chat.amojoId);
    if (link) link.contactId = contact.id;
    else {
      link = { id: state.linkId(), accountId: account.id, chatId: chat.amojoId, contactId: contact.id };
      state.chatLinks.push(link);
    }
    chat.contactId = contact.id;
    out.push({ chat_id: link.chatId, contact_id: link.contactId, id: link.id, request_id: String(i) });
  }
  return json(200, { _total_items: out.length, _embedded: { chats: out } });
}
