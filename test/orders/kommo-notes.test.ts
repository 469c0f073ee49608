/**
 * The Kommo simulator's notes and lead price, through the REST client over real HTTP: a note is edited in place by
 * id (never a second note), strictly (same note type, a common note needs its text, only the lead's own note); a
 * price PATCH is validated, and a write to an incoming lead takes it out of incoming.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { KommoChatsClient, KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { type KommoSimulator, startKommoSimulator } from "../../src/sim/kommo/index.js";

let sim: KommoSimulator;
let rest: KommoRestClient;
let chats: KommoChatsClient;
let scopeId: string;
let token: string;
/** Shared by the client and the test's raw requests, so that together they keep to Kommo's 7 per second. */
const limiter = new KommoRateLimiter();

/** A raw REST request (to send what the client never would), paced like the client's. */
async function raw(method: string, path: string, body: unknown): Promise<Response> {
  await limiter.acquire();
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
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
    tokenKey: "notes",
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

describe("Kommo notes edited in place", () => {
  it("edits a note by id: one note, new text, counted as an edit", async () => {
    const leadId = await newLead("ani");
    const { noteId } = await rest.addLeadNote(leadId, "Orders: none");
    await rest.editLeadNote(leadId, noteId, "Orders: 576461413038785752");
    const notes = sim.notes().filter((n) => n.leadId === leadId);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ id: noteId, params: { text: "Orders: 576461413038785752" }, edits: 1 });
  });

  it("is strict: another lead's note, a changed type or missing text are refused and change nothing", async () => {
    const a = await newLead("budi");
    const b = await newLead("citra");
    const { noteId } = await rest.addLeadNote(a, "first");
    const refused = async (p: Promise<unknown>) => {
      const e = await p.catch((x: unknown) => x);
      expect(isTkError(e)).toBe(true);
    };
    await refused(rest.editLeadNote(b, noteId, "moved"));
    await refused(rest.editLeadNote(a, noteId, "typed", "service_message"));
    await refused(rest.editLeadNote(a, noteId + 1000, "missing"));
    const res = await raw("PATCH", `/api/v4/leads/${a}/notes/${noteId}`, { note_type: "common", params: {} });
    expect(res.status).toBe(400);
    expect(sim.notes().find((n) => n.id === noteId)).toMatchObject({ params: { text: "first" } });
    expect(sim.notes().find((n) => n.id === noteId)?.edits).toBeUndefined();
  });

  it("a price PATCH is an integer; a write of its fields takes an incoming lead out of incoming", async () => {
    const leadId = await newLead("dewi");
    expect(sim.leads().find((l) => l.id === leadId)?.status).toBe("incoming");
    const patch = (body: unknown) => raw("PATCH", `/api/v4/leads/${leadId}`, body);
    expect((await patch({ price: "129000" })).status).toBe(400);
    expect(sim.leads().find((l) => l.id === leadId)?.status).toBe("incoming");
    expect((await patch({ price: 129000 })).status).toBe(200);
    expect(sim.leads().find((l) => l.id === leadId)).toMatchObject({
      price: 129000,
      status: "open",
      leftIncomingBy: "patch",
    });
  });
});
