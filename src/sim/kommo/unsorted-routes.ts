/**
 * Incoming leads ("unsorted") made by the Chats API, and the leads list the bridge reads them back with:
 * - `GET /api/v4/leads/unsorted` (`page`, `limit` ≤ 250, `filter[uid]` one or many, `filter[category][]`,
 *   `filter[pipeline_id]`), `GET /api/v4/leads/unsorted/{uid}`;
 * - `POST /api/v4/leads/unsorted/{uid}/accept` with optional `user_id` and `status_id` (an ordinary stage of the
 *   lead's own pipeline, else 400 NotSupportedChoice; 404 for a uid that names no incoming lead);
 * - `DELETE /api/v4/leads/unsorted/{uid}/decline` (the lead goes to the trash: it is no longer listed or readable);
 * - `GET /api/v4/leads` with `filter[id][]` (or `filter[id]`), `page`, `limit` ≤ 250: the leads, 204 when none.
 */
import { isOrdinaryStage, leadPipelineId, leadStage } from "./pipeline-routes.js";
import { empty, hal, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount, SimLead } from "./types.js";

type Obj = Record<string, unknown>;

export interface UnsortedCall {
  state: SimState;
  account: SimAccount;
  q: URLSearchParams;
  origin: string;
  path: string;
  method: string;
  body: Buffer;
}

const notFound = (c: UnsortedCall) => problem(404, "Not Found", `Cannot ${c.method} ${c.origin}${c.path}`);

/** A lead as GET /api/v4/leads/{id} and the list show it. */
export function leadView(lead: SimLead, origin: string): Obj {
  return {
    id: lead.id,
    name: lead.name,
    account_id: lead.accountId,
    created_at: Math.floor(lead.createdAt / 1000),
    price: lead.price ?? 0,
    responsible_user_id: lead.responsibleUserId ?? 0,
    ...leadStage(lead),
    _links: { self: { href: `${origin}/api/v4/leads/${lead.id}` } },
    _embedded: {
      tags: lead.tags.map((name, i) => ({ id: i + 1, name })),
      contacts: lead.contactId ? [{ id: lead.contactId, is_main: true }] : [],
    },
  };
}

function page<T>(c: UnsortedCall, all: T[]): { items: T[]; page: number } {
  const limit = c.q.has("limit") ? Number(c.q.get("limit")) : 50;
  const n = Math.max(1, Number(c.q.get("page") ?? "1") || 1);
  return { items: all.slice((n - 1) * limit, n * limit), page: n };
}

/** GET /api/v4/leads?filter[id][]=… */
export function listLeads(c: UnsortedCall): SimReply {
  const ids = [...c.q.getAll("filter[id][]"), ...c.q.getAll("filter[id]")].map(Number);
  const all = [...c.state.leads.values()].filter(
    (l) => l.accountId === c.account.id && (ids.length === 0 || ids.includes(l.id)),
  );
  const { items, page: n } = page(c, all);
  if (items.length === 0) return empty(204);
  return hal({
    _page: n,
    _links: { self: { href: `${c.origin}/api/v4/leads` } },
    _embedded: { leads: items.map((l) => leadView(l, c.origin)) },
  });
}

function incomingOf(c: UnsortedCall): SimLead[] {
  return [...c.state.leads.values()].filter(
    (l) => l.accountId === c.account.id && l.status === "incoming" && l.uid !== undefined,
  );
}

function unsortedView(lead: SimLead, origin: string): Obj {
  return {
    uid: lead.uid,
    source_uid: null,
    source_name: "tokokommo",
    category: "chats",
    pipeline_id: leadPipelineId(lead),
    created_at: Math.floor(lead.createdAt / 1000),
    metadata: {},
    account_id: lead.accountId,
    _links: { self: { href: `${origin}/api/v4/leads/unsorted/${lead.uid}` } },
    _embedded: {
      leads: [{ id: lead.id }],
      contacts: lead.contactId ? [{ id: lead.contactId }] : [],
      companies: [],
    },
  };
}

/** GET /api/v4/leads/unsorted */
export function listUnsorted(c: UnsortedCall): SimReply {
  const uids = [...c.q.getAll("filter[uid]"), ...c.q.getAll("filter[uid][]")];
  const categories = c.q.getAll("filter[category][]");
  const pipeline = c.q.get("filter[pipeline_id]");
  const all = incomingOf(c).filter(
    (l) =>
      (uids.length === 0 || uids.includes(l.uid ?? "")) &&
      (categories.length === 0 || categories.includes("chats")) &&
      (pipeline === null || Number(pipeline) === leadPipelineId(l)),
  );
  const { items, page: n } = page(c, all);
  if (items.length === 0) return empty(204);
  return hal({
    _page: n,
    _links: { self: { href: `${c.origin}/api/v4/leads/unsorted` } },
    _embedded: { unsorted: items.map((l) => unsortedView(l, c.origin)) },
  });
}

/** GET /api/v4/leads/unsorted/{uid} */
export function readUnsorted(c: UnsortedCall, uid: string): SimReply {
  const lead = incomingOf(c).find((l) => l.uid === uid);
  return lead ? hal(unsortedView(lead, c.origin)) : notFound(c);
}

const notValid = (path: string) =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [
      {
        request_id: "0",
        errors: [
          { code: "NotSupportedChoice", path, detail: "The value you selected is not a valid choice." },
        ],
      },
    ],
  });

/** POST /api/v4/leads/unsorted/{uid}/accept */
export function acceptUnsorted(c: UnsortedCall, uid: string): SimReply {
  const lead = incomingOf(c).find((l) => l.uid === uid);
  if (!lead) return notFound(c);
  let b: Obj = {};
  if (c.body.length > 0) {
    try {
      b = JSON.parse(c.body.toString("utf8")) as Obj;
    } catch {
      return problem(400, "Bad Request", "Request data can not be empty");
    }
    if (!b || typeof b !== "object" || Array.isArray(b)) return problem(400, "Bad Request", "Bad body");
  }
  const userId = b.user_id;
  if (userId !== undefined && !(Number.isInteger(userId) && (userId as number) > 0))
    return notValid("user_id");
  const statusId = b.status_id;
  if (
    statusId !== undefined &&
    !(Number.isInteger(statusId) && isOrdinaryStage(leadPipelineId(lead), statusId as number))
  ) {
    return notValid("status_id");
  }
  lead.status = "open";
  lead.leftIncomingBy = "accept";
  if (statusId !== undefined) lead.statusId = statusId as number;
  lead.responsibleUserId = (userId as number | undefined) ?? c.account.currentUserId;
  return hal(unsortedView(lead, c.origin));
}

/** DELETE /api/v4/leads/unsorted/{uid}/decline: the lead and its contact go to the trash. */
export function declineUnsorted(c: UnsortedCall, uid: string): SimReply {
  const lead = incomingOf(c).find((l) => l.uid === uid);
  if (!lead) return notFound(c);
  const view = unsortedView(lead, c.origin);
  c.state.leads.delete(lead.id);
  return hal(view);
}
