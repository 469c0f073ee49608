/**
 * Editing a lead's note in place (docs/platforms/kommo.md#notes): `PATCH /api/v4/leads/{lead_id}/notes/{id}` with one
 * object `{note_type, params}` and `GET` of the same path. Strict where the platform leaves things open: only a note
 * of that lead, the same `note_type` as created, the complete `params` (a common note needs `params.text`). Each
 * edit is recorded on the note (`edits`) so tests can tell an edit from a second note.
 */
import { hal, problem, type SimReply } from "./reply.js";
import type { SimState } from "./state.js";
import type { SimAccount } from "./types.js";

type Obj = Record<string, unknown>;
const NOTE_PATH = /^\/api\/v4\/leads\/(\d+)\/notes\/(\d+)$/;

const invalid = (detail: string, path: string) =>
  problem(400, "Bad Request", "Request validation failed", {
    "validation-errors": [{ request_id: "0", errors: [{ code: "InvalidType", path, detail }] }],
  });

/** The reply for a note path, or undefined when the path is not one (handleRest goes on). */
export function handleNoteRoute(
  state: SimState,
  account: SimAccount,
  method: string,
  path: string,
  raw: Buffer,
  origin: string,
): SimReply | undefined {
  const m = NOTE_PATH.exec(path);
  if (!m || (method !== "PATCH" && method !== "GET")) return undefined;
  const lead = state.leads.get(Number(m[1]));
  const note = state.notes.find((n) => n.id === Number(m[2]) && n.leadId === lead?.id);
  if (!lead || lead.accountId !== account.id || !note) {
    return problem(404, "Not Found", `Cannot ${method} ${origin}${path}`);
  }
  const self = { self: { href: `${origin}/api/v4/leads/${lead.id}/notes/${note.id}` } };
  if (method === "GET") {
    return hal({
      id: note.id,
      entity_id: lead.id,
      note_type: note.noteType,
      params: note.params,
      _links: self,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return problem(400, "Bad Request", "Request data can not be empty");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return problem(400, "Bad Request", "Request data can not be empty");
  }
  const b = body as Obj;
  if (b.note_type !== note.noteType) return invalid("The note type cannot be changed.", "note_type");
  const params = b.params as Obj | undefined;
  if (
    !params ||
    typeof params !== "object" ||
    (note.noteType === "common" && typeof params.text !== "string")
  ) {
    return invalid("This value should be of type string.", "params.text");
  }
  note.params = { ...params };
  note.edits = (note.edits ?? 0) + 1;
  return hal({
    id: note.id,
    entity_id: lead.id,
    updated_at: Math.floor(Date.now() / 1000),
    _links: self,
  });
}
