/**
 * The Kommo simulator's notes and lead price, through the REST client over real HTTP: a note is edited in place by
 * id (never a second note), strictly (same note type, a common note needs its text, only the lead's own note); a
 * price PATCH is validated, and a write to an incoming lead takes it out of incoming.
 */
import { describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { useKommoRestWorld } from "../helpers/kommo-rest-world.js";

const w = useKommoRestWorld("notes");

describe("Kommo notes edited in place", () => {
  it("edits a note by id: one note, new text, counted as an edit", async () => {
    const leadId = await w.newLead("ani");
    const { noteId } = await w.rest.addLeadNote(leadId, "Orders: none");
    await w.rest.editLeadNote(leadId, noteId, "Orders: 576461413038785752");
    const notes = w.sim.notes().filter((n) => n.leadId === leadId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ id: noteId, params: { text: "Orders: 576461413038785752" }, edits: 1 });
  });

  it("is strict: another lead's note, a changed type or missing text are refused and change nothing", async () => {
    const a = await w.newLead("budi");
    const b = await w.newLead("citra");
    const { noteId } = await w.rest.addLeadNote(a, "first");
    const refused = async (p: Promise<unknown>) => {
      const e = await p.catch((x: unknown) => x);
      expect(isTkError(e)).toBe(true);
    };
    await refused(w.rest.editLeadNote(b, noteId, "moved"));
    await refused(w.rest.editLeadNote(a, noteId, "typed", "service_message"));
    await refused(w.rest.editLeadNote(a, noteId + 1000, "missing"));
    const res = await w.raw("PATCH", `/api/v4/leads/${a}/notes/${noteId}`, {
      note_type: "common",
      params: {},
    });
    expect(res.status).toBe(400);
    expect(w.sim.notes().find((n) => n.id === noteId)).toMatchObject({ params: { text: "first" } });
    expect(w.sim.notes().find((n) => n.id === noteId)?.edits).toBeUndefined();
  });

  it("a price PATCH is an integer; a write of its fields takes an incoming lead out of incoming", async () => {
    const leadId = await w.newLead("dewi");
    expect(w.sim.leads().find((l) => l.id === leadId)?.status).toBe("incoming");
    const patch = (body: unknown) => w.raw("PATCH", `/api/v4/leads/${leadId}`, body);
    expect((await patch({ price: "129000" })).status).toBe(400);
    expect(w.sim.leads().find((l) => l.id === leadId)?.status).toBe("incoming");
    expect((await patch({ price: 129000 })).status).toBe(200);
    expect(w.sim.leads().find((l) => l.id === leadId)).toMatchObject({
      price: 129000,
      status: "open",
      leftIncomingBy: "patch",
    });
  });
});
