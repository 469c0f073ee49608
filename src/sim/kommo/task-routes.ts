/**
 * Tasks of the simulated Kommo REST v4 (docs/platforms/kommo.md#tasks): create (`POST /api/v4/tasks`, an array),
 * list (`GET /api/v4/tasks` with the documented filters, 204 when nothing matches), read one, and edit or complete
 * (`PATCH /api/v4/tasks` with an array of objects carrying `id`, or `PATCH /api/v4/tasks/{id}` with one object).
 * Strict: `text` and `complete_till` are required on create; an entity named by `entity_type`/`entity_id` must
 * exist in the account (only leads are simulated); an edit sends only what it changes. Bad input is a 400 with
 * Kommo's `validation-errors` problem JSON and changes nothing.
 */
import { empty, hal, problem, type SimReply } from "./reply.js";
import type { RestCall } from "./rest-routes.js";
import type { SimTask } from "./types.js";

type Obj = Record<string, unknown>;

const ENTITY_TYPES = new Set(["leads", "contacts", "companies", "customers"]);

const invalid = (requestId: string, path: string, detail: string, code = "InvalidType") =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [{ request_id: requestId, errors: [{ code, path, detail }] }],
  });

function parse(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const nowSec = () => Math.floor(Date.now() / 1000);

function taskView(t: SimTask, origin: string): Obj {
  return {
    id: t.id,
    created_by: t.createdBy,
    updated_by: t.createdBy,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    responsible_user_id: t.responsibleUserId,
    group_id: 0,
    entity_id: t.entityId ?? null,
    entity_type: t.entityType ?? null,
    is_completed: t.isCompleted,
    task_type_id: t.taskTypeId,
    text: t.text,
    duration: t.duration,
    complete_till: t.completeTill,
    // Kommo serialises an empty result as [] (a PHP empty array).
    result: t.resultText !== undefined ? { text: t.resultText } : [],
    account_id: t.accountId,
    _links: { self: { href: `${origin}/api/v4/tasks/${t.id}` } },
  };
}

/** Checks one task of a create call; the error reply, or the fields to store. */
function checkNew(c: RestCall, item: unknown, i: number): SimReply | Omit<SimTask, "id"> {
  const rid = String(i);
  if (!item || typeof item !== "object" || Array.isArray(item)) return invalid(rid, `${i}`, "Invalid task");
  const t = item as Obj;
  if (typeof t.text !== "string" || t.text.trim() === "")
    return invalid(rid, `${i}.text`, "This value should not be blank.", "NotBlank");
  if (!isInt(t.complete_till) || t.complete_till <= 0)
    return invalid(rid, `${i}.complete_till`, "This value should be of type int.");
  for (const f of ["task_type_id", "responsible_user_id", "duration", "entity_id"] as const)
    if (t[f] !== undefined && !isInt(t[f]))
      return invalid(rid, `${i}.${f}`, "This value should be of type int.");
  if (t.task_type_id !== undefined && t.task_type_id !== 1 && t.task_type_id !== 2)
    return invalid(rid, `${i}.task_type_id`, "Task type not found", "NotFound");
  if ((t.entity_id === undefined) !== (t.entity_type === undefined))
    return invalid(rid, `${i}.entity_type`, "entity_id and entity_type go together");
  if (t.entity_type !== undefined) {
    if (typeof t.entity_type !== "string" || !ENTITY_TYPES.has(t.entity_type))
      return invalid(rid, `${i}.entity_type`, "This value is not valid.", "InvalidChoice");
    const lead = t.entity_type === "leads" ? c.state.leads.get(t.entity_id as number) : undefined;
    if (!lead || lead.accountId !== c.account.id)
      return invalid(rid, `${i}.entity_id`, "Entity not found", "NotFound");
  }
  const at = nowSec();
  return {
    accountId: c.account.id,
    text: t.text,
    completeTill: t.complete_till,
    taskTypeId: (t.task_type_id as number | undefined) ?? 1,
    responsibleUserId: (t.responsible_user_id as number | undefined) ?? c.account.currentUserId,
    duration: (t.duration as number | undefined) ?? 0,
    isCompleted: t.is_completed === true,
    ...(t.entity_type !== undefined
      ? { entityType: t.entity_type as string, entityId: t.entity_id as number }
      : {}),
    createdBy: c.account.currentUserId,
    createdAt: at,
    updatedAt: at,
  };
}

function createTasks(c: RestCall): SimReply {
  const body = parse(c.body);
  if (!Array.isArray(body) || body.length === 0)
    return problem(400, "Bad Request", "Request data can not be empty");
  if (body.length > 50) return problem(400, "Bad Request", "Maximum 50 entities per request");
  const checked: Array<Omit<SimTask, "id">> = [];
  for (const [i, item] of body.entries()) {
    const r = checkNew(c, item, i);
    if ("status" in r) return r;
    checked.push(r);
  }
  const out = checked.map((t, i) => {
    const task: SimTask = { id: c.state.taskId(), ...t };
    c.state.tasks.set(task.id, task);
    const requestId = (body[i] as Obj).request_id;
    return {
      id: task.id,
      request_id: typeof requestId === "string" ? requestId : String(i),
      _links: { self: { href: `${c.origin}/api/v4/tasks/${task.id}` } },
    };
  });
  return hal({ _links: { self: { href: `${c.origin}/api/v4/tasks` } }, _embedded: { tasks: out } });
}

/** Applies one edit (checked whole first); the error reply or undefined. */
function editTask(c: RestCall, item: unknown, rid: string, task: SimTask | undefined): SimReply | undefined {
  if (!item || typeof item !== "object" || Array.isArray(item)) return invalid(rid, "", "Invalid task");
  const t = item as Obj;
  if (!task || task.accountId !== c.account.id) return invalid(rid, "id", "Task not found", "NotFound");
  if (t.is_completed !== undefined && typeof t.is_completed !== "boolean")
    return invalid(rid, "is_completed", "This value should be of type bool.");
  if (t.text !== undefined && (typeof t.text !== "string" || t.text.trim() === ""))
    return invalid(rid, "text", "This value should not be blank.", "NotBlank");
  if (t.complete_till !== undefined && !isInt(t.complete_till))
    return invalid(rid, "complete_till", "This value should be of type int.");
  const result = t.result as Obj | undefined;
  if (result !== undefined && (typeof result !== "object" || typeof result?.text !== "string"))
    return invalid(rid, "result.text", "This value should be of type string.");
  return undefined;
}

function applyEdit(task: SimTask, t: Obj): void {
  if (typeof t.is_completed === "boolean") task.isCompleted = t.is_completed;
  if (typeof t.text === "string") task.text = t.text;
  if (isInt(t.complete_till)) task.completeTill = t.complete_till;
  const result = t.result as Obj | undefined;
  if (typeof result?.text === "string") task.resultText = result.text;
  task.updatedAt = nowSec();
}

function patchTasks(c: RestCall): SimReply {
  const body = parse(c.body);
  const single = c.params.id !== undefined;
  const items: unknown[] = single ? [body] : Array.isArray(body) ? body : [];
  if (items.length === 0 || body === undefined || body === null)
    return problem(400, "Bad Request", "Request data can not be empty");
  const targets: SimTask[] = [];
  for (const [i, item] of items.entries()) {
    const id = single ? Number(c.params.id) : (item as Obj | null)?.id;
    const task = isInt(id) ? c.state.tasks.get(id) : undefined;
    const err = editTask(c, item, String(i), task);
    if (err) return err;
    targets.push(task!);
  }
  const out = targets.map((task, i) => {
    applyEdit(task, items[i] as Obj);
    return {
      id: task.id,
      updated_at: task.updatedAt,
      request_id: String(i),
      _links: { self: { href: `${c.origin}/api/v4/tasks/${task.id}` } },
    };
  });
  if (single) return hal(out[0]);
  return hal({ _links: { self: { href: `${c.origin}/api/v4/tasks` } }, _embedded: { tasks: out } });
}

/** The values of `filter[name]` and `filter[name][]`, as numbers when `numeric`. */
function filterValues(q: URLSearchParams, name: string): string[] {
  return [...q.getAll(`filter[${name}]`), ...q.getAll(`filter[${name}][]`)];
}

function listTasks(c: RestCall): SimReply {
  const ids = filterValues(c.q, "id").map(Number);
  const done = c.q.get("filter[is_completed]");
  const entityType = c.q.get("filter[entity_type]");
  // entity_id is honoured only together with entity_type.
  const entityIds = entityType ? filterValues(c.q, "entity_id").map(Number) : [];
  const users = filterValues(c.q, "responsible_user_id").map(Number);
  const types = [...filterValues(c.q, "task_type"), ...filterValues(c.q, "task_type_id")].map(Number);
  const limit = c.q.has("limit") ? Number(c.q.get("limit")) : 50;
  const page = Number(c.q.get("page") ?? "1");
  const found = [...c.state.tasks.values()].filter(
    (t) =>
      t.accountId === c.account.id &&
      (ids.length === 0 || ids.includes(t.id)) &&
      (done === null || t.isCompleted === (done === "1")) &&
      (!entityType || t.entityType === entityType) &&
      (entityIds.length === 0 || (t.entityId !== undefined && entityIds.includes(t.entityId))) &&
      (users.length === 0 || users.includes(t.responsibleUserId)) &&
      (types.length === 0 || types.includes(t.taskTypeId)),
  );
  const slice = found.slice((page - 1) * limit, page * limit);
  if (slice.length === 0) return empty(204);
  return hal({
    _page: page,
    _links: { self: { href: `${c.origin}/api/v4/tasks` } },
    _embedded: { tasks: slice.map((t) => taskView(t, c.origin)) },
  });
}

function readTask(c: RestCall): SimReply {
  const t = c.state.tasks.get(Number(c.params.id));
  if (!t || t.accountId !== c.account.id) return problem(404, "Not Found", `Cannot GET ${c.origin}${c.path}`);
  return hal(taskView(t, c.origin));
}

/** The task routes for REST_ROUTES (ids are checked to be digits there). */
export const TASK_ROUTES = [
  { method: "GET" as const, path: "/api/v4/tasks", handler: listTasks },
  { method: "POST" as const, path: "/api/v4/tasks", handler: createTasks },
  { method: "PATCH" as const, path: "/api/v4/tasks", handler: patchTasks },
  { method: "GET" as const, path: "/api/v4/tasks/{id}", handler: readTask },
  { method: "PATCH" as const, path: "/api/v4/tasks/{id}", handler: patchTasks },
];
