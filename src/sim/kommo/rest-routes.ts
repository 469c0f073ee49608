/**
 * REST v4 endpoints of the simulator (docs/platforms/kommo.md#rest-endpoints): account with amojo_id, contacts
 * search and read, lead read and tag update, lead notes, contacts↔chats links. HAL bodies, 204 for empty results,
 * problem JSON errors. Authentication and rate limiting happen before these handlers (server.ts).
 */
import { handleNoteRoute } from "./note-routes.js";
import { handlePipelineRoute, leadStage } from "./pipeline-routes.js";
import { empty, hal, json, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount, SimContact, SimLead } from "./types.js";

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

export function handleRest(
  state: SimState,
  account: SimAccount,
  method: string,
  rawPath: string,
  raw: Buffer,
  origin: string,
): SimReply {
  const [path = "", qs = ""] = rawPath.split("?");
  const q = new URLSearchParams(qs);
  const self = (p: string) => ({ self: { href: `${origin}${p}` } });
  const limit = q.has("limit") ? Number(q.get("limit")) : 50;
  if (q.has("limit") && (!Number.isInteger(limit) || limit > 250 || limit < 1)) {
    return problem(422, "Unprocessable Entity", "Limit 250 per page");
  }

  if (method === "GET" && path === "/api/v4/account") {
    const withAmojo = (q.get("with") ?? "").split(",").includes("amojo_id");
    return hal({
      id: account.id,
      name: account.name,
      subdomain: account.subdomain,
      current_user_id: account.currentUserId,
      country: "ID",
      currency: "IDR",
      is_unsorted_on: true,
      ...(withAmojo ? { amojo_id: account.amojoId } : {}),
      _links: self("/api/v4/account"),
    });
  }

  const contactView = (c: SimContact, withLeads: boolean) => ({
    id: c.id,
    name: c.name,
    account_id: account.id,
    created_at: Math.floor(c.createdAt / 1000),
    custom_fields_values: c.phone
      ? [{ field_code: "PHONE", field_type: "multitext", values: [{ value: c.phone, enum_code: "WORK" }] }]
      : null,
    _links: self(`/api/v4/contacts/${c.id}`),
    _embedded: {
      tags: [],
      ...(withLeads
        ? {
            leads: [...state.leads.values()]
              .filter((l) => l.contactId === c.id)
              .map((l) => ({ id: l.id, _links: self(`/api/v4/leads/${l.id}`) })),
          }
        : {}),
    },
  });
  const withLeads = (q.get("with") ?? "").split(",").includes("leads");

  if (method === "GET" && path === "/api/v4/contacts") {
    const needle = (q.get("query") ?? "").toLowerCase();
    const found = [...state.contacts.values()].filter(
      (c) =>
        c.accountId === account.id &&
        [c.name, c.phone, c.email].some((f) => f?.toLowerCase().includes(needle)),
    );
    const page = Number(q.get("page") ?? "1");
    const slice = found.slice((page - 1) * limit, page * limit);
    if (slice.length === 0) return empty(204);
    return hal({
      _page: page,
      _links: self("/api/v4/contacts"),
      _embedded: { contacts: slice.map((c) => contactView(c, withLeads)) },
    });
  }

  let m = /^\/api\/v4\/contacts\/(\d+)$/.exec(path);
  if (m && method === "GET") {
    const c = state.contacts.get(Number(m[1]));
    if (!c || c.accountId !== account.id) return problem(404, "Not Found", `Cannot GET ${origin}${path}`);
    return hal(contactView(c, withLeads));
  }

  m = /^\/api\/v4\/leads\/(\d+)$/.exec(path);
  if (m) {
    const lead = state.leads.get(Number(m[1]));
    if (!lead || lead.accountId !== account.id)
      return problem(404, "Not Found", `Cannot ${method} ${origin}${path}`);
    if (method === "GET") return hal(leadView(lead, self));
    if (method === "PATCH") return patchLead(lead, parseJson(raw), self);
  }

  m = /^\/api\/v4\/leads\/(\d+)\/notes$/.exec(path);
  if (m && method === "POST") {
    const lead = state.leads.get(Number(m[1]));
    if (!lead || lead.accountId !== account.id)
      return problem(404, "Not Found", `Cannot POST ${origin}${path}`);
    const body = parseJson(raw);
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
      const id = state.noteId();
      state.notes.push({ id, leadId: lead.id, noteType: note.note_type, params });
      notes.push({
        id,
        entity_id: lead.id,
        request_id: String(i),
        _links: self(`/api/v4/leads/${lead.id}/notes/${id}`),
      });
    }
    return hal({ _links: self("/api/v4/leads/notes"), _embedded: { notes } });
  }

  const noteReply = handleNoteRoute(state, account, method, path, raw, origin);
  if (noteReply) return noteReply;
  const pipelineReply = handlePipelineRoute(account, method, path, origin);
  if (pipelineReply) return pipelineReply;

  if (path === "/api/v4/contacts/chats") {
    if (method === "GET") {
      const chatIds = q.getAll("chat_id[]");
      const contactIds = q.getAll("contact_id[]").map(Number);
      const links = state.chatLinks.filter(
        (l) =>
          l.accountId === account.id &&
          (chatIds.length === 0 || chatIds.includes(l.chatId)) &&
          (contactIds.length === 0 || contactIds.includes(l.contactId)),
      );
      if (links.length === 0) return empty(204);
      return hal({
        _total_items: links.length,
        _embedded: { chats: links.map((l) => ({ chat_id: l.chatId, contact_id: l.contactId, id: l.id })) },
      });
    }
    if (method === "POST") return linkChats(state, account, parseJson(raw));
  }

  return problem(404, "Not Found", `Cannot ${method} ${origin}${path}`);
}

function leadView(lead: SimLead, self: (p: string) => Obj): Obj {
  return {
    id: lead.id,
    name: lead.name,
    account_id: lead.accountId,
    created_at: Math.floor(lead.createdAt / 1000),
    price: lead.price ?? 0,
    ...leadStage(lead),
    _links: self(`/api/v4/leads/${lead.id}`),
    _embedded: {
      tags: lead.tags.map((name, i) => ({ id: i + 1, name })),
      contacts: lead.contactId ? [{ id: lead.contactId, is_main: true }] : [],
    },
  };
}

function patchLead(lead: SimLead, body: unknown, self: (p: string) => Obj): SimReply {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return problem(400, "Bad Request", "Request data can not be empty");
  }
  const b = body as Obj;
  for (const key of ["tags_to_add", "tags_to_delete"] as const) {
    const v = b[key];
    if (v === undefined) continue;
    if (!Array.isArray(v)) return validation("This value should be of type array.", key);
    for (const [i, t] of v.entries()) {
      const name = (t as Obj | null)?.name;
      if (typeof name !== "string" || name === "")
        return validation("This value should not be blank.", `${key}.${i}.name`);
      if (key === "tags_to_add" && !lead.tags.includes(name)) lead.tags.push(name);
      if (key === "tags_to_delete") lead.tags = lead.tags.filter((x) => x !== name);
    }
  }
  if (b.price !== undefined) {
    if (!Number.isInteger(b.price) || (b.price as number) < 0)
      return validation("This value should be of type int.", "price");
    lead.price = b.price as number;
  }
  if (typeof b.name === "string") lead.name = b.name;
  // A write of the lead's own fields to a lead still in the incoming stage takes it out of incoming (no accept
  // semantics). Whether a tags-only PATCH does too is not established: the simulator leaves the stage then.
  if (lead.status === "incoming" && (b.price !== undefined || typeof b.name === "string")) {
    lead.status = "open";
    lead.leftIncomingBy = "patch";
  }
  return hal({
    id: lead.id,
    updated_at: Math.floor(Date.now() / 1000),
    _links: self(`/api/v4/leads/${lead.id}`),
  });
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
