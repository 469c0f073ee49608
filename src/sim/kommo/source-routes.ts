/**
 * The Sources API of the simulator (docs/platforms/kommo.md#sources): the integration's lead sources in the account,
 * each naming the pipeline where the Chats API makes the incoming lead of a chat that carries the source's
 * `external_id`. Strict like Kommo: admin rights and the widget's lead_sources location (else 403 problem JSON on
 * every call), at most 50 per write and 100 per integration, `name` required, `external_id` at most 36 printable
 * ASCII characters, unique in the account and never changed by a PATCH, `pipeline_id` a pipeline of the account.
 */
import { findPipeline, pipelineOf } from "./pipeline-routes.js";
import { empty, hal, json, problem, type SimReply } from "./reply.js";
import type { RestCall, RestHandler } from "./rest-routes.js";
import type { SimState } from "./state.js";
import type { SimSource } from "./types.js";
import { rightsOf } from "./user-routes.js";

type Obj = Record<string, unknown>;

export const MAX_SOURCES = 100;
export const MAX_SOURCES_PER_WRITE = 50;
/** 1..36 printable ASCII characters, space included. */
const EXTERNAL_ID = /^[\x20-\x7e]{1,36}$/;

const refused = () =>
  problem(403, "Forbidden", "Integration is not authorized to manage sources (lead_sources location, admin)");

const invalid = (requestId: string, code: string, path: string, detail: string) =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [{ request_id: requestId, errors: [{ code, path, detail }] }],
  });

const notFoundItems = (ids: number[]) =>
  problem(400, "Bad Request", "Invalid request items", {
    errors: ids.map((id, i) => ({
      request_id: String(i),
      errors: { code: "EntityNotFound", path: "id", detail: `source with id = ${id} not found` },
    })),
  });

/** The source `external_id` of a Chats API message names, in the account; undefined when unknown. */
export function sourceByExternalId(state: SimState, accountId: number, externalId: string) {
  for (const s of state.sources.values())
    if (s.accountId === accountId && s.externalId === externalId) return s;
  return undefined;
}

const sourcesOf = (c: RestCall) => [...c.state.sources.values()].filter((s) => s.accountId === c.account.id);

function view(c: RestCall, s: SimSource, requestId?: string): Obj {
  return {
    id: s.id,
    name: s.name,
    pipeline_id: s.pipelineId,
    external_id: s.externalId,
    default: s.default,
    origin_code: null,
    services: [],
    ...(requestId !== undefined ? { request_id: requestId } : {}),
    _links: { self: { href: `${c.origin}/api/v4/sources/${s.id}` } },
  };
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}

/** Every handler passes the rights gate first: 403 for a token without admin or without lead_sources. */
function gated(h: RestHandler): RestHandler {
  return (c) => {
    const r = rightsOf(c.state, c.account.id);
    return r.admin && r.leadSources ? h(c) : refused();
  };
}

function list(c: RestCall): SimReply {
  const wanted: string[] = [];
  for (const [k, v] of c.q) if (/^filter\[external_id\](\[\d*\])?$/.test(k)) wanted.push(v);
  const found = sourcesOf(c)
    .filter((s) => wanted.length === 0 || wanted.includes(s.externalId))
    .slice(0, MAX_SOURCES);
  if (found.length === 0) return empty(204);
  return hal({
    _total_items: found.length,
    _links: { self: { href: `${c.origin}/api/v4/sources` } },
    _embedded: { sources: found.map((s) => view(c, s)) },
  });
}

function readOne(c: RestCall): SimReply {
  const s = c.state.sources.get(Number(c.params.id));
  if (!s || s.accountId !== c.account.id) return empty(204);
  return hal(view(c, s));
}

/** The writable fields of one item (name, pipeline_id, default), checked; a 400 or the values. */
function fields(c: RestCall, item: Obj, i: number, creating: boolean): SimReply | Partial<SimSource> {
  const rid = String(i);
  const out: Partial<SimSource> = {};
  if (item.name !== undefined || creating) {
    if (typeof item.name !== "string" || item.name.trim() === "" || item.name.length > 255)
      return invalid(rid, "NotBlank", "name", "This value should not be blank.");
    out.name = item.name;
  }
  if (item.pipeline_id !== undefined) {
    const pid = item.pipeline_id;
    if (typeof pid !== "number" || !Number.isInteger(pid))
      return invalid(rid, "InvalidType", "pipeline_id", "This value should be of type int.");
    if (!findPipeline(c.state, c.account.id, pid))
      return invalid(
        rid,
        "NotSupportedChoice",
        "pipeline_id",
        "The value you selected is not a valid choice.",
      );
    out.pipelineId = pid;
  }
  if (item.default !== undefined) {
    if (typeof item.default !== "boolean")
      return invalid(rid, "InvalidType", "default", "This value should be of type bool.");
    out.default = item.default;
  }
  return out;
}

const isReply = (v: unknown): v is SimReply => typeof (v as SimReply).status === "number";

function batchOf(c: RestCall): Obj[] | SimReply {
  const body = parse(c.body);
  if (!Array.isArray(body) || body.length === 0)
    return problem(400, "Bad Request", "Request data can not be empty");
  if (body.length > MAX_SOURCES_PER_WRITE)
    return problem(400, "Bad Request", `Maximum ${MAX_SOURCES_PER_WRITE} sources per request`);
  if (!body.every((x) => x && typeof x === "object" && !Array.isArray(x)))
    return invalid("0", "InvalidType", "0", "This value should be of type object.");
  return body as Obj[];
}

function create(c: RestCall): SimReply {
  const batch = batchOf(c);
  if (isReply(batch)) return batch;
  const existing = sourcesOf(c);
  if (existing.length + batch.length > MAX_SOURCES)
    return problem(400, "Bad Request", `An integration may have at most ${MAX_SOURCES} sources`);
  const taken = new Set(existing.map((s) => s.externalId));
  const made: SimSource[] = [];
  for (const [i, item] of batch.entries()) {
    const f = fields(c, item, i, true);
    if (isReply(f)) return f;
    const ext = item.external_id;
    if (typeof ext !== "string" || !EXTERNAL_ID.test(ext))
      return invalid(String(i), "InvalidType", "external_id", "Up to 36 printable ASCII characters.");
    if (taken.has(ext)) return invalid(String(i), "NotUnique", "external_id", "This value is already used.");
    taken.add(ext);
    made.push({
      id: 0,
      accountId: c.account.id,
      name: f.name as string,
      externalId: ext,
      pipelineId: f.pipelineId ?? pipelineOf(c.account.id).id,
      default: f.default ?? false,
    });
  }
  // All or nothing: ids are given once every item passed.
  let next = Math.max(24_000, ...[...c.state.sources.keys()]) + 1;
  for (const s of made) {
    s.id = next++;
    c.state.sources.set(s.id, s);
  }
  return json(
    200,
    { _total_items: made.length, _embedded: { sources: made.map((s, i) => view(c, s, String(i))) } },
    "application/hal+json",
  );
}

/** PATCH of the batch `[{id, …}]` or, with `one`, of the object at /sources/{id}. */
function update(c: RestCall, one?: number): SimReply {
  let batch: Obj[];
  if (one !== undefined) {
    const body = parse(c.body);
    if (!body || typeof body !== "object" || Array.isArray(body))
      return problem(400, "Bad Request", "Request data can not be empty");
    batch = [{ ...(body as Obj), id: one }];
  } else {
    const b = batchOf(c);
    if (isReply(b)) return b;
    batch = b;
  }
  const changes: Array<[SimSource, Partial<SimSource>]> = [];
  for (const [i, item] of batch.entries()) {
    const s = c.state.sources.get(Number(item.id));
    if (!s || s.accountId !== c.account.id)
      return one !== undefined ? empty(204) : notFoundItems([Number(item.id)]);
    if (item.external_id !== undefined && item.external_id !== s.externalId)
      return invalid(String(i), "NotEditable", "external_id", "external_id cannot be changed.");
    const f = fields(c, item, i, false);
    if (isReply(f)) return f;
    changes.push([s, f]);
  }
  for (const [s, f] of changes) Object.assign(s, f);
  const out = changes.map(([s], i) => view(c, s, String(i)));
  return hal(one !== undefined ? out[0] : { _total_items: out.length, _embedded: { sources: out } });
}

function remove(c: RestCall, one?: number): SimReply {
  if (sourcesOf(c).length === 0) return problem(404, "Not Found", "No sources");
  let ids: number[];
  if (one !== undefined) ids = [one];
  else {
    const b = batchOf(c);
    if (isReply(b)) return b;
    ids = b.map((x) => Number(x.id));
  }
  const unknown = ids.filter((id) => c.state.sources.get(id)?.accountId !== c.account.id);
  if (unknown.length > 0)
    return one !== undefined ? problem(404, "Not Found", "Source not found") : notFoundItems(unknown);
  for (const id of ids) c.state.sources.delete(id);
  return empty(204);
}

const idParam = (h: (c: RestCall, id: number) => SimReply): RestHandler =>
  gated((c) =>
    /^\d+$/.test(c.params.id ?? "") ? h(c, Number(c.params.id)) : problem(404, "Not Found", "Not found"),
  );

export const SOURCE_ROUTES: Array<{
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  handler: RestHandler;
}> = [
  { method: "GET", path: "/api/v4/sources", handler: gated(list) },
  { method: "POST", path: "/api/v4/sources", handler: gated(create) },
  { method: "PATCH", path: "/api/v4/sources", handler: gated((c) => update(c)) },
  { method: "DELETE", path: "/api/v4/sources", handler: gated((c) => remove(c)) },
  { method: "GET", path: "/api/v4/sources/{id}", handler: idParam((c) => readOne(c)) },
  { method: "PATCH", path: "/api/v4/sources/{id}", handler: idParam((c, id) => update(c, id)) },
  { method: "DELETE", path: "/api/v4/sources/{id}", handler: idParam((c, id) => remove(c, id)) },
];
