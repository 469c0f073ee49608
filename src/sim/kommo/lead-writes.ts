/**
 * Writes to leads: `PATCH /api/v4/leads/{id}` (one object) and `PATCH /api/v4/leads` (an array of objects with `id`,
 * at most 250). Fields: `tags_to_add` / `tags_to_delete` (`{name}` each), `price`, `name`, `responsible_user_id`,
 * `pipeline_id`, `status_id`. Every object is checked before anything changes (bad input changes nothing).
 *
 * As reported for real accounts, a write of any field to a lead still in its incoming stage takes it out of incoming
 * (to the first ordinary stage of its pipeline, or the stage the write names) without the accept semantics, and
 * re-sending an incoming stage as `status_id` fails with 400 NotSupportedChoice. Each such write is recorded in
 * `state.incomingLeadWrites`, so tests can assert that the bridge never made one.
 */
import { isIncomingStage, isOrdinaryStage, leadPipelineId, pipelineById } from "./pipeline-routes.js";
import { hal, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount, SimLead } from "./types.js";

type Obj = Record<string, unknown>;

/** One lead write as checked: what to apply. */
interface LeadEdit {
  lead: SimLead;
  fields: string[];
  apply: () => void;
}

const invalid = (code: string, detail: string, path: string, requestId = "0") =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [{ request_id: requestId, errors: [{ code, path, detail }] }],
  });

const empty = () => problem(400, "Bad Request", "Request data can not be empty");
const isId = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

export interface LeadWriteCall {
  state: SimState;
  account: SimAccount;
  method: string;
  path: string;
  origin: string;
  now: number;
}

/** PATCH /api/v4/leads/{id} */
export function patchOneLead(call: LeadWriteCall, lead: SimLead, body: unknown): SimReply {
  if (!body || typeof body !== "object" || Array.isArray(body)) return empty();
  const edit = checkEdit(call, lead, body as Obj, "");
  if ("status" in edit) return edit;
  commit(call, [edit]);
  return hal({ id: lead.id, updated_at: Math.floor(call.now / 1000), _links: self(call, lead.id) });
}

/** PATCH /api/v4/leads (batch) */
export function patchLeads(call: LeadWriteCall, body: unknown): SimReply {
  if (!Array.isArray(body) || body.length === 0) return empty();
  if (body.length > 250) return problem(400, "Bad Request", "Too many entities (max 250)");
  const edits: LeadEdit[] = [];
  for (const [i, item] of body.entries()) {
    const b = item as Obj | null;
    if (!b || typeof b !== "object" || !isId(b.id)) {
      return invalid("InvalidType", "This value should be of type int.", `${i}.id`, String(i));
    }
    const lead = call.state.leads.get(b.id);
    if (!lead || lead.accountId !== call.account.id) {
      return invalid(
        "NotSupportedChoice",
        "The value you selected is not a valid choice.",
        `${i}.id`,
        String(i),
      );
    }
    const edit = checkEdit(call, lead, b, `${i}.`);
    if ("status" in edit) return edit;
    edits.push(edit);
  }
  commit(call, edits);
  const leads = edits.map((e, i) => ({
    id: e.lead.id,
    updated_at: Math.floor(call.now / 1000),
    request_id: String(i),
    _links: self(call, e.lead.id),
  }));
  return hal({ _links: { self: { href: `${call.origin}/api/v4/leads` } }, _embedded: { leads } });
}

function self(call: LeadWriteCall, id: number) {
  return { self: { href: `${call.origin}/api/v4/leads/${id}` } };
}

/** Applies checked edits; a lead still incoming leaves incoming and the write is recorded. */
function commit(call: LeadWriteCall, edits: LeadEdit[]): void {
  for (const e of edits) {
    const wasIncoming = e.lead.status === "incoming";
    e.apply();
    if (!wasIncoming || e.fields.length === 0) continue;
    call.state.incomingLeadWrites.push({
      leadId: e.lead.id,
      method: call.method,
      path: call.path,
      fields: e.fields,
      at: call.now,
    });
    e.lead.status = "open";
    e.lead.leftIncomingBy = "patch";
  }
}

/** Checks one lead's write; a problem reply, or the edit to apply. */
function checkEdit(call: LeadWriteCall, lead: SimLead, b: Obj, at: string): LeadEdit | SimReply {
  const tags = checkTags(b, at);
  if ("status" in tags) return tags;
  if (b.price !== undefined && (!Number.isInteger(b.price) || (b.price as number) < 0)) {
    return invalid("InvalidType", "This value should be of type int.", `${at}price`);
  }
  if (b.responsible_user_id !== undefined && !isId(b.responsible_user_id)) {
    return invalid("InvalidType", "This value should be of type int.", `${at}responsible_user_id`);
  }
  const stage = checkStage(call, lead, b, at);
  if ("status" in stage) return stage;
  const fields = Object.keys(b).filter((k) => k !== "id" && k !== "request_id");
  return {
    lead,
    fields,
    apply: () => {
      for (const name of tags.add) if (!lead.tags.includes(name)) lead.tags.push(name);
      lead.tags = lead.tags.filter((x) => !tags.remove.includes(x));
      if (b.price !== undefined) lead.price = b.price as number;
      if (typeof b.name === "string") lead.name = b.name;
      if (b.responsible_user_id !== undefined) lead.responsibleUserId = b.responsible_user_id as number;
      if (stage.pipelineId !== undefined) lead.pipelineId = stage.pipelineId;
      if (stage.statusId !== undefined) lead.statusId = stage.statusId;
    },
  };
}

function checkTags(b: Obj, at: string): { add: string[]; remove: string[] } | SimReply {
  const out = { add: [] as string[], remove: [] as string[] };
  for (const key of ["tags_to_add", "tags_to_delete"] as const) {
    const v = b[key];
    if (v === undefined) continue;
    if (!Array.isArray(v))
      return invalid("InvalidType", "This value should be of type array.", `${at}${key}`);
    for (const [i, t] of v.entries()) {
      const name = (t as Obj | null)?.name;
      if (typeof name !== "string" || name === "") {
        return invalid("InvalidType", "This value should not be blank.", `${at}${key}.${i}.name`);
      }
      (key === "tags_to_add" ? out.add : out.remove).push(name);
    }
  }
  return out;
}

/** `pipeline_id` must be a pipeline of the account; `status_id` an ordinary stage of the target pipeline. */
function checkStage(
  call: LeadWriteCall,
  lead: SimLead,
  b: Obj,
  at: string,
): { pipelineId?: number; statusId?: number } | SimReply {
  const notValid = (path: string) =>
    invalid("NotSupportedChoice", "The value you selected is not a valid choice.", `${at}${path}`);
  if (b.pipeline_id === undefined && b.status_id === undefined) return {};
  if (b.pipeline_id !== undefined && !isId(b.pipeline_id)) return notValid("pipeline_id");
  if (b.status_id !== undefined && !isId(b.status_id)) return notValid("status_id");
  const pipelineId = (b.pipeline_id as number | undefined) ?? leadPipelineId(lead);
  const pipeline = pipelineById(call.state, call.account.id, pipelineId);
  if (!pipeline) return notValid("pipeline_id");
  const statusId = b.status_id as number | undefined;
  if (statusId !== undefined) {
    if (isIncomingStage(call.state, call.account.id, statusId) || !isOrdinaryStage(pipelineId, statusId)) {
      return notValid("status_id");
    }
    return { pipelineId, statusId };
  }
  // A new pipeline without a stage: its first ordinary stage.
  return pipelineId === leadPipelineId(lead) ? {} : { pipelineId, statusId: pipeline.firstStage };
}
