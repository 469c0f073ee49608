/**
 * The Kommo simulator's routing side over real HTTP: the Sources API (rights, validation, limits, immutable
 * external_id), several pipelines per account, the users list (admin only), and the Chats API putting a chat's
 * incoming lead in its source's pipeline.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type KommoChatsClient, KommoRateLimiter } from "../../src/kommo/index.js";
import type { SimAccount } from "../../src/sim/kommo/index.js";
import { connectChannel, useKommoSimulator } from "../helpers/kommo-simulator.js";

const kommo = useKommoSimulator();
let n = 0;

interface PipelineJ {
  id: number;
  name: string;
  is_main: boolean;
  is_archive: boolean;
  is_unsorted_on: boolean;
  _embedded: { statuses: Array<{ type: number }> };
}
interface UserJ {
  id: number;
  name: string;
  rights: { is_active: boolean };
}
interface SourceJ {
  id: number;
  external_id: string;
  pipeline_id: number;
  request_id?: string;
}
interface Answer {
  status: number;
  type: string;
  json: Record<string, unknown> | undefined;
}

/** `_embedded[name]` of an answer. */
function embedded<T>(r: Answer, name: string): T[] {
  return ((r.json?._embedded as Record<string, unknown> | undefined)?.[name] ?? []) as T[];
}

/** A fresh account with a token, and a REST caller for it that keeps within the account's 7 requests/s. */
function world() {
  const account = kommo.sim.addAccount();
  const token = kommo.sim.longLivedToken(account.id);
  const limiter = new KommoRateLimiter();
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    await limiter.acquire();
    const res = await fetch(`${kommo.sim.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get("content-type") ?? "",
      json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };
  return { account, call };
}

describe("pipelines and users", () => {
  it("lists the main pipeline and added ones, each with its incoming stage while it is on", async () => {
    const { account, call } = world();
    const sales = kommo.sim.routing.addPipeline(account.id, { name: "Shop B" });
    const off = kommo.sim.routing.addPipeline(account.id, { name: "Off", incomingOn: false, archived: true });
    const r = await call("GET", "/api/v4/leads/pipelines");
    expect(r.status).toBe(200);
    const list = embedded<PipelineJ>(r, "pipelines");
    expect(list.map((p) => [p.name, p.is_main, p.is_archive, p.is_unsorted_on])).toEqual([
      ["Funil de vendas", true, false, true],
      ["Shop B", false, false, true],
      ["Off", false, true, false],
    ]);
    const types = (p: PipelineJ) => p._embedded.statuses.map((s) => s.type);
    expect(types(list[1]!)).toEqual([1, 0, 0, 0]);
    expect(types(list[2]!)).toEqual([0, 0, 0]);
    const one = await call("GET", `/api/v4/leads/pipelines/${sales.id}`);
    expect(one.json?.name).toBe("Shop B");
    expect((await call("GET", "/api/v4/leads/pipelines/1")).status).toBe(404);
    expect(kommo.sim.routing.pipelines(account.id).map((p) => p.id)).toContain(off.id);
  });

  it("lists users for an admin token and answers 403 to any other", async () => {
    const { account, call } = world();
    const u = kommo.sim.routing.addUser(account.id, { name: "Rina", active: false });
    const r = await call("GET", "/api/v4/users?limit=250");
    expect(r.status).toBe(200);
    const users = embedded<UserJ>(r, "users");
    expect(users.map((x) => x.id)).toEqual([account.currentUserId, u.id]);
    expect(users[1]?.rights.is_active).toBe(false);
    expect((await call("GET", `/api/v4/users/${u.id}`)).json?.name).toBe("Rina");
    kommo.sim.routing.setRights(account.id, { admin: false });
    const refused = await call("GET", "/api/v4/users");
    expect(refused.status).toBe(403);
    expect(refused.type).toContain("application/problem+json");
    expect((await call("GET", "/api/v4/leads/pipelines")).status).toBe(200);
  });
});

describe("Sources API", () => {
  it("creates, filters, patches and deletes sources", async () => {
    const { account, call } = world();
    const p2 = kommo.sim.routing.addPipeline(account.id);
    expect((await call("GET", "/api/v4/sources")).status).toBe(204);
    const made = await call("POST", "/api/v4/sources", [
      { name: "Shop A", external_id: "tkp-a" },
      { name: "Shop B", external_id: "tkp-b", pipeline_id: p2.id },
    ]);
    expect(made.status).toBe(200);
    const [a, b] = embedded<SourceJ>(made, "sources");
    expect(a?.pipeline_id).toBe(kommo.sim.routing.pipelines(account.id)[0]?.id);
    expect([b?.external_id, b?.pipeline_id, b?.request_id]).toEqual(["tkp-b", p2.id, "1"]);
    const filtered = await call(
      "GET",
      "/api/v4/sources?filter[external_id][]=tkp-b&filter[external_id][]=zz",
    );
    expect(embedded<SourceJ>(filtered, "sources").map((s) => s.id)).toEqual([b?.id]);
    expect((await call("GET", "/api/v4/sources?filter[external_id]=nope")).status).toBe(204);
    const patched = await call("PATCH", "/api/v4/sources", [{ id: a?.id, pipeline_id: p2.id }]);
    expect(patched.status).toBe(200);
    expect(kommo.sim.routing.sources(account.id).map((s) => s.pipelineId)).toEqual([p2.id, p2.id]);
    expect((await call("PATCH", `/api/v4/sources/${a?.id}`, { external_id: "other" })).status).toBe(400);
    const unknown = await call("DELETE", "/api/v4/sources", [{ id: 1 }]);
    expect(JSON.stringify(unknown.json?.errors)).toContain("EntityNotFound");
    expect((await call("DELETE", `/api/v4/sources/${a?.id}`)).status).toBe(204);
    expect(kommo.sim.routing.sources(account.id).map((s) => s.externalId)).toEqual(["tkp-b"]);
  });

  it("refuses bad items as a whole: no name, long or repeated external_id, unknown pipeline, over 50", async () => {
    const { account, call } = world();
    await call("POST", "/api/v4/sources", [{ name: "x", external_id: "taken" }]);
    const bad: unknown[][] = [
      [{ external_id: "a" }],
      [{ name: "x", external_id: "x".repeat(37) }],
      [{ name: "x", external_id: "tab\there" }],
      [{ name: "x", external_id: "taken" }],
      [
        { name: "x", external_id: "same" },
        { name: "y", external_id: "same" },
      ],
      [{ name: "x", external_id: "p", pipeline_id: 12345 }],
      Array.from({ length: 51 }, (_, i) => ({ name: "x", external_id: `m${i}` })),
      [],
    ];
    for (const body of bad) expect((await call("POST", "/api/v4/sources", body)).status).toBe(400);
    expect((await call("POST", "/api/v4/sources", [{ name: "x", external_id: "x".repeat(36) }])).status).toBe(
      200,
    );
    expect(kommo.sim.routing.sources(account.id).map((s) => s.externalId)).toEqual(["taken", "x".repeat(36)]);
  });

  it("answers 403 problem JSON to every call without admin rights or the lead_sources location", async () => {
    for (const rights of [{ leadSources: false }, { admin: false }]) {
      const { account, call } = world();
      kommo.sim.routing.setRights(account.id, rights);
      for (const [method, path, body] of [
        ["GET", "/api/v4/sources"],
        ["POST", "/api/v4/sources", [{ name: "x", external_id: "y" }]],
        ["PATCH", "/api/v4/sources", [{ id: 1, name: "z" }]],
        ["DELETE", "/api/v4/sources/1"],
      ] as const) {
        const r = await call(method, path, body);
        expect(r.status).toBe(403);
        expect(r.type).toContain("application/problem+json");
      }
      expect(kommo.sim.routing.sources(account.id)).toEqual([]);
    }
  });
});

describe("Chats API routing by source", () => {
  let account: SimAccount;
  let chats: KommoChatsClient;
  let scopeId: string;
  let pipelineB: number;

  beforeAll(async () => {
    const w = world();
    account = w.account;
    pipelineB = kommo.sim.routing.addPipeline(account.id, { name: "Shop B" }).id;
    await w.call("POST", "/api/v4/sources", [
      { name: "Shop B", external_id: "shop-b", pipeline_id: pipelineB },
    ]);
    ({ chats, scopeId } = await connectChannel(kommo.sim, account));
  });

  const buyerWrites = (conversation: string, source?: string) => {
    const now = Date.now();
    return chats.sendMessage(scopeId, {
      timestamp: Math.floor(now / 1000),
      msec_timestamp: now,
      msgid: `m${++n}`,
      conversation_id: conversation,
      silent: false,
      ...(source === undefined ? {} : { source: { external_id: source } }),
      sender: { id: `buyer-${conversation}`, name: "Buyer" },
      message: { type: "text", text: "halo" },
    });
  };
  const leadOf = (conversation: string) => {
    const chat = kommo.sim.chats(scopeId).find((c) => c.conversationId === conversation);
    return kommo.sim.leads().find((l) => l.id === chat?.leadId);
  };

  it("makes the incoming lead in the source's pipeline, else in the main one", async () => {
    await buyerWrites("c-routed", "shop-b");
    await buyerWrites("c-plain");
    await buyerWrites("c-unknown", "no-such-source");
    expect(leadOf("c-routed")?.pipelineId).toBe(pipelineB);
    expect(leadOf("c-routed")?.status).toBe("incoming");
    expect(leadOf("c-plain")?.pipelineId).toBeUndefined();
    expect(leadOf("c-unknown")?.pipelineId).toBeUndefined();
  });

  it("routes by the source given when the chat was created", async () => {
    await chats.createChat(scopeId, {
      conversationId: "c-created",
      sourceExternalId: "shop-b",
      user: { id: "buyer-c-created", name: "Buyer" },
    });
    await buyerWrites("c-created");
    expect(leadOf("c-created")?.pipelineId).toBe(pipelineB);
  });

  it("refuses a source.external_id that is not 1..40 printable ASCII characters", async () => {
    await expect(buyerWrites("c-bad", "x".repeat(41))).rejects.toMatchObject({
      code: "TK_ERR_KOMMO_BAD_REQUEST",
    });
    expect(leadOf("c-bad")).toBeUndefined();
  });
});
