/**
 * The Kommo simulator's tasks, through the REST client and raw requests over real HTTP: a task is created on an
 * existing lead (text and complete_till required, the entity must exist), listed by the documented filters (204
 * when none), completed with a result text by an edit that sends only what changes; bad input is a 400 with
 * `validation-errors` and changes nothing. Tags come off a lead with tags_to_delete, other tags staying.
 */
import { describe, expect, it } from "vitest";
import { useKommoRestWorld } from "../helpers/kommo-rest-world.js";

const w = useKommoRestWorld("tasks");

describe("Kommo simulator tasks", () => {
  it("creates a task on a lead, lists the lead's open ones, completes it with a result", async () => {
    const leadId = await w.newLead("ani");
    expect(await w.rest.openTasksOfLead(leadId)).toEqual([]);
    const till = Math.floor(Date.now() / 1000) + 3600;
    const id = await w.rest.createLeadTask({
      leadId,
      text: "Answer Ani",
      completeTill: till,
      responsibleUserId: 77,
    });
    expect(await w.rest.openTasksOfLead(leadId)).toEqual([{ id, text: "Answer Ani" }]);
    expect(w.sim.tasks()[0]).toMatchObject({ id, entityType: "leads", entityId: leadId, completeTill: till });
    expect(w.sim.tasks()[0]).toMatchObject({ responsibleUserId: 77, taskTypeId: 1, isCompleted: false });
    await w.rest.completeTask(id, "answered");
    expect(w.sim.tasks()[0]).toMatchObject({ isCompleted: true, resultText: "answered", text: "Answer Ani" });
    expect(await w.rest.openTasksOfLead(leadId)).toEqual([]);
    const done = await w.raw(
      "GET",
      `/api/v4/tasks?filter[is_completed]=1&filter[entity_type]=leads&filter[entity_id][]=${leadId}`,
    );
    expect(((await done.json()) as { _embedded: { tasks: unknown[] } })._embedded.tasks).toHaveLength(1);
  });

  it("refuses bad input with 400 validation-errors and creates nothing", async () => {
    const leadId = await w.newLead("budi");
    const before = w.sim.tasks().length;
    const till = Math.floor(Date.now() / 1000) + 60;
    const bad: unknown[] = [
      [{ complete_till: till, entity_type: "leads", entity_id: leadId }], // no text
      [{ text: "x", entity_type: "leads", entity_id: leadId }], // no complete_till
      [{ text: "x", complete_till: "soon" }],
      [{ text: "x", complete_till: till, entity_type: "leads", entity_id: 1 }], // no such lead
      [{ text: "x", complete_till: till, entity_type: "deals", entity_id: leadId }],
      [{ text: "x", complete_till: till, entity_id: leadId }], // entity_id without entity_type
      [{ text: "x", complete_till: till, task_type_id: 99 }],
      [
        { text: "ok", complete_till: till },
        { text: "", complete_till: till },
      ], // one bad: none made
    ];
    for (const body of bad) {
      const res = await w.raw("POST", "/api/v4/tasks", body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toHaveProperty("validation-errors");
    }
    expect((await w.raw("POST", "/api/v4/tasks", [])).status).toBe(400);
    expect(w.sim.tasks()).toHaveLength(before);
    const id = await w.rest.createLeadTask({ leadId, text: "t", completeTill: till });
    expect((await w.raw("PATCH", `/api/v4/tasks/${id}`, { is_completed: "yes" })).status).toBe(400);
    expect((await w.raw("PATCH", "/api/v4/tasks", [{ id: 999, is_completed: true }])).status).toBe(400);
    expect(w.sim.tasks().find((t) => t.id === id)?.isCompleted).toBe(false);
  });

  it("removes one tag from a lead with tags_to_delete, other tags staying", async () => {
    const leadId = await w.newLead("citra");
    await w.rest.addLeadTags(leadId, ["toko", "reply overdue"]);
    await w.rest.removeLeadTags(leadId, ["reply overdue"]);
    expect(w.sim.leads().find((l) => l.id === leadId)?.tags).toEqual(["toko"]);
  });
});
