/**
 * The Kommo simulator's incoming leads over real HTTP, as reported for real accounts: any write to a lead still
 * incoming (tags, price, responsible user, stage) takes it out of incoming and is recorded; re-sending the incoming
 * stage fails 400 NotSupportedChoice; the unsorted list, accept (stage of the lead's own pipeline only, 404 for an
 * unknown uid) and the leads list by id behave as documented.
 */
import { describe, expect, it } from "vitest";
import { useKommoRestWorld } from "../helpers/kommo-rest-world.js";

// Under Kommo's 7/s with a margin: a request granted early may reach the simulator late on a loaded machine.
const world = useKommoRestWorld("incoming-leads", { limit: 5 });
// biome-ignore lint/suspicious/noExplicitAny: the tests read Kommo's HAL bodies by path
type Json = any;

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await world.raw(method, path, body);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

async function newLead(name: string): Promise<{ id: number; uid: string }> {
  const chatId = await world.sendChat(name);
  const lead = world.sim.leads().find((l) => l.chatAmojoId === chatId);
  if (!lead?.uid) throw new Error("no incoming lead");
  return { id: lead.id, uid: lead.uid };
}

const leadOf = (id: number) => world.sim.leads().find((l) => l.id === id);

describe("writes to an incoming lead", () => {
  it("a tags-only PATCH takes the lead out of incoming and is recorded", async () => {
    const { id } = await newLead("tags");
    expect((await call("PATCH", `/api/v4/leads/${id}`, { tags_to_add: [{ name: "x" }] })).status).toBe(200);
    expect(leadOf(id)).toMatchObject({ status: "open", leftIncomingBy: "patch", tags: ["x"] });
    expect(world.sim.incomingLeadWrites().filter((w) => w.leadId === id)).toEqual([
      expect.objectContaining({ method: "PATCH", fields: ["tags_to_add"] }),
    ]);
  });

  it("the batch PATCH and responsible_user_id count too; a write to an accepted lead is not recorded", async () => {
    const a = await newLead("batch-a");
    const b = await newLead("batch-b");
    world.sim.acceptLead(b.id);
    const res = await call("PATCH", "/api/v4/leads", [
      { id: a.id, responsible_user_id: 5 },
      { id: b.id, responsible_user_id: 6 },
    ]);
    expect(res.status).toBe(200);
    expect(res.json._embedded.leads.map((l: { id: number }) => l.id)).toEqual([a.id, b.id]);
    expect(world.sim.incomingLeadWrites().filter((w) => w.leadId === a.id)).toHaveLength(1);
    expect(world.sim.incomingLeadWrites().filter((w) => w.leadId === b.id)).toHaveLength(0);
    expect(leadOf(b.id)?.responsibleUserId).toBe(6);
  });

  it("re-sending the incoming stage is 400 NotSupportedChoice and changes nothing", async () => {
    const { id } = await newLead("stage");
    const main = world.sim.mainPipeline(world.account.id);
    const res = await call("PATCH", `/api/v4/leads/${id}`, { status_id: main.incoming, price: 5 });
    expect(res.status).toBe(400);
    expect(res.json["validation-errors"][0].errors[0]).toMatchObject({
      code: "NotSupportedChoice",
      path: "status_id",
    });
    expect(leadOf(id)).toMatchObject({ status: "incoming" });
    expect(leadOf(id)?.price).toBeUndefined();
  });

  it("a PATCH to another pipeline's first stage moves an accepted lead there", async () => {
    const { id } = await newLead("move");
    const shop = world.sim.addPipeline(world.account.id, "Shop A");
    world.sim.acceptLead(id);
    expect(
      (await call("PATCH", `/api/v4/leads/${id}`, { pipeline_id: shop.id, status_id: shop.firstStage }))
        .status,
    ).toBe(200);
    const read = await call("GET", `/api/v4/leads/${id}`);
    expect(read.json).toMatchObject({ pipeline_id: shop.id, status_id: shop.firstStage });
  });
});

describe("unsorted: list and accept", () => {
  it("lists incoming leads by uid and pipeline; accepts into an ordinary stage of the lead's pipeline", async () => {
    const { id, uid } = await newLead("accept");
    const main = world.sim.mainPipeline(world.account.id);
    const other = world.sim.addPipeline(world.account.id, "Other");
    const list = await call(
      "GET",
      `/api/v4/leads/unsorted?filter[uid][]=${uid}&filter[category][]=chats&limit=250`,
    );
    expect(list.json._embedded.unsorted).toEqual([
      expect.objectContaining({ uid, category: "chats", pipeline_id: main.id, _embedded: expect.anything() }),
    ]);
    expect(list.json._embedded.unsorted[0]._embedded.leads[0].id).toBe(id);
    expect((await call("GET", `/api/v4/leads/unsorted?filter[pipeline_id]=${other.id}`)).status).toBe(204);
    expect((await call("GET", "/api/v4/leads/unsorted?limit=251")).status).toBe(422);
    const wrong = await call("POST", `/api/v4/leads/unsorted/${uid}/accept`, { status_id: other.firstStage });
    expect(wrong.status).toBe(400);
    expect(leadOf(id)?.status).toBe("incoming");
    const ok = await call("POST", `/api/v4/leads/unsorted/${uid}/accept`, {
      user_id: 4242,
      status_id: main.firstStage,
    });
    expect(ok.status).toBe(200);
    expect(ok.json._embedded.leads[0].id).toBe(id);
    expect(leadOf(id)).toMatchObject({ status: "open", leftIncomingBy: "accept", responsibleUserId: 4242 });
    expect((await call("POST", `/api/v4/leads/unsorted/${uid}/accept`, {})).status).toBe(404);
    expect((await call("POST", "/api/v4/leads/unsorted/no-such-uid/accept", {})).status).toBe(404);
    expect(world.sim.incomingLeadWrites().filter((w) => w.leadId === id)).toEqual([]);
  });

  it("reads leads by id in one call; a declined lead is gone", async () => {
    const a = await newLead("list-a");
    const b = await newLead("list-b");
    world.sim.declineLead(b.id);
    const res = await call("GET", `/api/v4/leads?filter[id][]=${a.id}&filter[id][]=${b.id}&limit=250`);
    expect(res.json._embedded.leads.map((l: { id: number }) => l.id)).toEqual([a.id]);
    expect(res.json._embedded.leads[0]).toMatchObject({
      status_id: world.sim.mainPipeline(world.account.id).incoming,
    });
    expect((await call("GET", `/api/v4/leads/${b.id}`)).status).toBe(404);
  });
});
