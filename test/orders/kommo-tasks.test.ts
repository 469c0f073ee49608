/**
 * The Kommo simulator's tasks, through the REST client and raw requests over real HTTP: a task is created on an
 * existing lead (text and complete_till required, the entity must exist), listed by the documented filters (204
 * when none), completed with a result text by an edit that sends only what changes; bad input is a 400 with
 * `validation-errors` and changes nothing. Tags come off a lead with tags_to_delete, other tags staying.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KommoChatsClient, KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { type KommoSimulator, startKommoSimulator } from "../../src/sim/kommo/index.js";

let sim: KommoSimulator;
let rest: KommoRestClient;
let chats: KommoChatsClient;
let scopeId: string;
let token: string;
const limiter = new KommoRateLimiter();

async function raw(method: string, path: string, body?: unknown): Promise<Response> {
  await limiter.acquire();
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

beforeAll(async () => {
  sim = await startKommoSimulator();
  const account = sim.addAccount({ name: "Acme", subdomain: "acme" });
  const channel = sim.addChannel({ hookUrl: "http://127.0.0.1:9/:scope_id" });
  chats = new KommoChatsClient({ baseUrl: sim.url, channelId: channel.id, channelSecret: channel.secret });
  scopeId = (await chats.connect(account.amojoId)).scopeId;
  token = sim.longLivedToken(account.id);
  rest = new KommoRestClient({
    baseUrl: sim.url,
    auth: { kind: "longLived", token },
    tokenKey: "tasks",
    limiter,
  });
});

afterAll(async () => {
  await sim.close();
});

async function newLead(name: string): Promise<number> {
  const now = Date.now();
  const sent = await chats.sendMessage(scopeId, {
    timestamp: Math.floor(now / 1000),
    msec_timestamp: now,
    msgid: `m-${name}`,
    conversation_id: `tts:1:${name}`,
    silent: false,
    sender: { id: `tts:user:${name}`, name },
    message: { type: "text", text: "halo" },
  });
  const leadId = await rest.leadOfChat(sent.amojoChatId!);
  if (leadId === undefined) throw new Error("no lead");
  return leadId;
}

describe("Kommo simulator tasks", () => {
  it("creates a task on a lead, lists the lead's open ones, completes it with a result", async () => {
    const leadId = await newLead("ani");
    expect(await rest.openTasksOfLead(leadId)).toEqual([]);
    const till = Math.floor(Date.now() / 1000) + 3600;
    const id = await rest.createLeadTask({
      leadId,
      text: "Answer Ani",
      completeTill: till,
      responsibleUserId: 77,
    });
    expect(await rest.openTasksOfLead(leadId)).toEqual([{ id, text: "Answer Ani" }]);
    expect(sim.tasks()[0]).toMatchObject({ id, entityType: "leads", entityId: leadId, completeTill: till });
    expect(sim.tasks()[0]).toMatchObject({ responsibleUserId: 77, taskTypeId: 1, isCompleted: false });
    await rest.completeTask(id, "answered");
    expect(sim.tasks()[0]).toMatchObject({ isCompleted: true, resultText: "answered", text: "Answer Ani" });
    expect(await rest.openTasksOfLead(leadId)).toEqual([]);
    const done = await raw(
      "GET",
      `/api/v4/tasks?filter[is_completed]=1&filter[entity_type]=leads&filter[entity_id][]=${leadId}`,
    );
    expect(((await done.json()) as { _embedded: { tasks: unknown[] } })._embedded.tasks).toHaveLength(1);
  });

  it("refuses bad input with 400 validation-errors and creates nothing", async () => {
    const leadId = await newLead("budi");
    const before = sim.tasks().length;
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
      const res = await raw("POST", "/api/v4/tasks", body);
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(await res.json()).toHaveProperty("validation-errors");
    }
    expect((await raw("POST", "/api/v4/tasks", [])).status).toBe(400);
    expect(sim.tasks()).toHaveLength(before);
    const id = await rest.createLeadTask({ leadId, text: "t", completeTill: till });
    expect((await raw("PATCH", `/api/v4/tasks/${id}`, { is_completed: "yes" })).status).toBe(400);
    expect((await raw("PATCH", "/api/v4/tasks", [{ id: 999, is_completed: true }])).status).toBe(400);
    expect(sim.tasks().find((t) => t.id === id)?.isCompleted).toBe(false);
  });

  it("removes one tag from a lead with tags_to_delete, other tags staying", async () => {
    const leadId = await newLead("citra");
    await rest.addLeadTags(leadId, ["toko", "reply overdue"]);
    await rest.removeLeadTags(leadId, ["reply overdue"]);
    expect(sim.leads().find((l) => l.id === leadId)?.tags).toEqual(["toko"]);
  });
});
