import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AmojoNewMessagePayload } from "../../src/kommo/index.js";
import {
  KommoChatsClient,
  parseKommoWebhook,
  signAmojoRequest,
  verifyKommoWebhook,
} from "../../src/kommo/index.js";
import {
  type KommoSimulator,
  type SimAccount,
  type SimChannel,
  startKommoSimulator,
} from "../../src/sim/kommo/index.js";
import { type HookReceiver, startHookReceiver } from "./hook-receiver.js";

let sim: KommoSimulator;
let hooks: HookReceiver;
let account: SimAccount;
let channel: SimChannel;
let chats: KommoChatsClient;
let scopeId: string;
let seq = 0;

function incoming(
  conversation: string,
  opts: { silent?: boolean; text?: string; msgid?: string } = {},
): AmojoNewMessagePayload {
  const now = Date.now();
  return {
    timestamp: Math.floor(now / 1000),
    msec_timestamp: now,
    msgid: opts.msgid ?? `tkp:1:${conversation}:${++seq}`,
    conversation_id: `tkp:1:${conversation}`,
    silent: opts.silent ?? false,
    sender: {
      id: `tkp:user:${conversation}`,
      name: `Buyer ${conversation}`,
      profile_link: "https://tokopedia.com/u",
    },
    message: { type: "text", text: opts.text ?? "Halo, stok ada?" },
  };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; details?: Record<string, unknown>; fix?: string } | undefined;
  expect(err?.code).toBe(code);
  expect(err?.fix).toBeTruthy();
  return err?.details ?? {};
}

beforeAll(async () => {
  sim = await startKommoSimulator();
  hooks = await startHookReceiver();
  account = sim.addAccount({ name: "Acme", subdomain: "acme" });
  channel = sim.addChannel({ hookUrl: `${hooks.url}/webhooks/kommo/:scope_id` });
  chats = new KommoChatsClient({ baseUrl: sim.url, channelId: channel.id, channelSecret: channel.secret });
  scopeId = (await chats.connect(account.amojoId, "Tokopedia")).scopeId;
});

afterAll(async () => {
  await sim.close();
  await hooks.close();
});

describe("amojo connect and signatures over real HTTP", () => {
  it("connect returns the deterministic scope id and is idempotent", async () => {
    expect(scopeId).toBe(`${channel.id}_${account.amojoId}`);
    expect((await chats.connect(account.amojoId)).scopeId).toBe(scopeId);
    expect(sim.connection(scopeId)?.hookApiVersion).toBe("v2");
  });

  it("a wrong channel secret is rejected with TK_ERR_KOMMO_BAD_SIGNATURE and changes nothing", async () => {
    const bad = new KommoChatsClient({
      baseUrl: sim.url,
      channelId: channel.id,
      channelSecret: "0".repeat(40),
    });
    const before = sim.received(scopeId).length;
    const d = await expectCode(bad.sendMessage(scopeId, incoming("badsig")), "TK_ERR_KOMMO_BAD_SIGNATURE");
    expect(d).toMatchObject({ status: 403, errorType: "ORIGIN_INVALID_SIGNATURE", retryable: false });
    expect(sim.received(scopeId).length).toBe(before);
  });

  it("a Date older than 15 minutes is rejected; 14 minutes passes", async () => {
    const stale = new KommoChatsClient({
      baseUrl: sim.url,
      channelId: channel.id,
      channelSecret: channel.secret,
      now: () => new Date(Date.now() - 16 * 60_000),
    });
    await expectCode(
      stale.typing(scopeId, { conversationId: "x", senderId: "y" }),
      "TK_ERR_KOMMO_BAD_SIGNATURE",
    );
    const ok = new KommoChatsClient({
      baseUrl: sim.url,
      channelId: channel.id,
      channelSecret: channel.secret,
      now: () => new Date(Date.now() - 14 * 60_000),
    });
    await expect(ok.typing(scopeId, { conversationId: "x", senderId: "y" })).resolves.toBeUndefined();
  });

  it("a body changed after signing fails (Content-MD5), a GMT-form Date is accepted", async () => {
    const path = `/v2/origin/custom/${scopeId}/typing`;
    const body = '{"conversation_id":"c","sender":{"id":"s"}}';
    const h = signAmojoRequest({ secret: channel.secret, method: "POST", path, body, date: new Date() });
    const tampered = await request(`${sim.url}${path}`, {
      method: "POST",
      headers: { ...h },
      body: body.replace("c", "d"),
    });
    expect(tampered.statusCode).toBe(403);
    expect(await tampered.body.json()).toEqual({
      status: 0,
      error_code: 403,
      error_type: "ORIGIN_INVALID_SIGNATURE",
      error_description: "invalid signature",
    });
    const gmt = new Date().toUTCString();
    const h2 = signAmojoRequest({ secret: channel.secret, method: "POST", path, body, date: gmt });
    const ok = await request(`${sim.url}${path}`, { method: "POST", headers: { ...h2 }, body });
    expect(ok.statusCode).toBe(204);
    await ok.body.dump();
  });

  it("an unknown channel is TK_ERR_KOMMO_NOT_REGISTERED; an account off the allow-list is TK_ERR_KOMMO_FORBIDDEN", async () => {
    const ghost = new KommoChatsClient({
      baseUrl: sim.url,
      channelId: "00000000-0000-0000-0000-000000000000",
      channelSecret: "x",
    });
    await expectCode(ghost.connect(account.amojoId), "TK_ERR_KOMMO_NOT_REGISTERED");
    const priv = sim.addChannel({ hookUrl: `${hooks.url}/x/:scope_id`, allowedAccounts: ["someone-else"] });
    const c = new KommoChatsClient({ baseUrl: sim.url, channelId: priv.id, channelSecret: priv.secret });
    await expectCode(c.connect(account.amojoId), "TK_ERR_KOMMO_FORBIDDEN");
  });
});

describe("messages, leads and contacts", () => {
  it("creates contact + incoming lead on the first NON-silent incoming message only", async () => {
    const leadsBefore = sim.leads().length;
    const silent = await chats.sendMessage(scopeId, incoming("room1", { silent: true, text: "old history" }));
    expect(sim.leads().length).toBe(leadsBefore);
    const first = await chats.sendMessage(scopeId, incoming("room1"));
    expect(first.amojoChatId).toBe(silent.amojoChatId);
    expect(first.refId).toMatch(/^tkp:1:room1:/);
    expect(first.senderId).toBe(silent.senderId);
    expect(first.receiverId).toBeUndefined();
    await chats.sendMessage(scopeId, incoming("room1", { text: "masih ada?" }));
    const leads = sim.leads().filter((l) => l.chatAmojoId === first.amojoChatId);
    expect(leads).toHaveLength(1);
    expect(leads[0]).toMatchObject({ status: "incoming", category: "chats" });
    const contact = sim.contacts().find((c) => c.id === leads[0]?.contactId);
    expect(contact).toMatchObject({ name: "Buyer room1", profileLink: "https://tokopedia.com/u" });
    expect(
      sim
        .received(scopeId)
        .map((m) => m.text)
        .slice(-3),
    ).toEqual(["old history", "Halo, stok ada?", "masih ada?"]);
  });

  it("silent-only and outgoing imports create no lead", async () => {
    const before = sim.leads().length;
    await chats.sendMessage(scopeId, incoming("room2", { silent: true }));
    const now = Date.now();
    const out = await chats.sendMessage(scopeId, {
      timestamp: Math.floor(now / 1000),
      msec_timestamp: now,
      msgid: "tkp:1:room2:seller-1",
      conversation_id: "tkp:1:room2",
      silent: false,
      sender: { id: "tkp:shop:1", name: "Shop", ref_id: channel.botId },
      receiver: { id: "tkp:user:room2", name: "Buyer room2" },
      message: { type: "text", text: "Ready kak" },
    });
    expect(out.receiverId).toBeTruthy();
    expect(sim.leads().length).toBe(before);
  });

  it("a duplicate msgid is refused with TK_ERR_KOMMO_DUPLICATE_MESSAGE and stored once", async () => {
    const p = incoming("room3", { msgid: "tkp:1:room3:dup" });
    await chats.sendMessage(scopeId, p);
    const d = await expectCode(chats.sendMessage(scopeId, p), "TK_ERR_KOMMO_DUPLICATE_MESSAGE");
    expect(d.retryable).toBe(false);
    expect(sim.received(scopeId).filter((m) => m.msgid === "tkp:1:room3:dup")).toHaveLength(1);
  });

  it("with duplicateMsgid: 'idempotent' the simulator answers the first result again", async () => {
    const s = await startKommoSimulator({ duplicateMsgid: "idempotent" });
    try {
      const a = s.addAccount();
      const ch = s.addChannel({ hookUrl: "http://127.0.0.1:1/:scope_id" });
      const c = new KommoChatsClient({ baseUrl: s.url, channelId: ch.id, channelSecret: ch.secret });
      const { scopeId: sc } = await c.connect(a.amojoId);
      const p = incoming("idem");
      const first = await c.sendMessage(sc, p);
      expect(await c.sendMessage(sc, p)).toEqual(first);
      expect(s.received(sc)).toHaveLength(1);
    } finally {
      await s.close();
    }
  });

  it("bad data is TK_ERR_KOMMO_BAD_REQUEST (strict types) and stores nothing", async () => {
    const before = sim.received(scopeId).length;
    const p = incoming("room4");
    await expectCode(
      chats.sendMessage(scopeId, { ...p, timestamp: String(p.timestamp) as unknown as number }),
      "TK_ERR_KOMMO_BAD_REQUEST",
    );
    expect(sim.received(scopeId).length).toBe(before);
  });

  it("createChat is idempotent on conversation_id; history pages newest first; 204 → []", async () => {
    const a = await chats.createChat(scopeId, {
      conversationId: "tkp:1:room5",
      user: { id: "tkp:user:5", name: "Five" },
    });
    const b = await chats.createChat(scopeId, {
      conversationId: "tkp:1:room5",
      user: { id: "tkp:user:5", name: "Five" },
    });
    expect(b).toEqual(a);
    expect(await chats.history(scopeId, a.amojoChatId)).toEqual([]);
    await chats.sendMessage(scopeId, {
      ...incoming("room5", { text: "one" }),
      sender: { id: "tkp:user:5", name: "Five" },
    });
    await chats.sendMessage(scopeId, {
      ...incoming("room5", { text: "two" }),
      sender: { id: "tkp:user:5", name: "Five" },
    });
    const h = await chats.history(scopeId, a.amojoChatId, { limit: 1 });
    expect(h.map((m) => m.message.text)).toEqual(["two"]);
    expect(h[0]?.sender).toMatchObject({ id: a.userId, clientId: "tkp:user:5" });
    expect((await chats.history(scopeId, a.amojoChatId, { offset: 1 })).map((m) => m.message.text)).toEqual([
      "one",
    ]);
  });
});

describe("reply webhooks and delivery statuses", () => {
  it("fires the signed webhook exactly once and the client parses it", async () => {
    await chats.sendMessage(scopeId, incoming("room6"));
    const hitsBefore = hooks.hits.length;
    const amojoMessageId = await sim.managerReplies(scopeId, "tkp:1:room6", {
      type: "text",
      text: "Ada kak 🙏",
    });
    expect(hooks.hits.length).toBe(hitsBefore + 1);
    const hit = hooks.hits.at(-1)!;
    expect(hit.path).toBe(`/webhooks/kommo/${scopeId}`);
    expect(hit.headers["user-agent"]).toBe("amoCRM amoJo/1.0");
    expect(verifyKommoWebhook(channel.secret, hit.body, hit.headers["x-signature"] as string)).toBe(true);
    expect(verifyKommoWebhook("wrong", hit.body, hit.headers["x-signature"] as string)).toBe(false);
    const reply = parseKommoWebhook(hit.body);
    expect(reply).toMatchObject({
      kind: "message",
      accountId: account.amojoId,
      conversationClientId: "tkp:1:room6",
      amojoMessageId,
      message: { type: "text", text: "Ada kak 🙏" },
      receiver: { clientId: "tkp:user:room6" },
    });
  });

  it("never retries: a 500 from the bridge is recorded and not re-sent", async () => {
    hooks.status = 500;
    const before = hooks.hits.length;
    const id = await sim.managerReplies(scopeId, "tkp:1:room6", {
      type: "picture",
      media: "https://x/a.jpg",
      file_name: "a.jpg",
    });
    hooks.status = 200;
    // managerReplies resolves once its single attempt ended (answered or failed): there is nothing to wait for.
    expect(hooks.hits.length).toBe(before + 1);
    expect(sim.webhookDeliveries().filter((d) => d.amojoMessageId === id)).toEqual([
      expect.objectContaining({ status: 500 }),
    ]);
    const parsed = parseKommoWebhook(hooks.hits.at(-1)!.body);
    expect(parsed).toMatchObject({
      message: { type: "picture", media: "https://x/a.jpg", fileName: "a.jpg" },
    });
  });

  it("an unreachable bridge loses the webhook: one attempt, recorded with its error, never re-sent", async () => {
    const s = await startKommoSimulator({ webhookTimeoutMs: 200 });
    try {
      const a = s.addAccount();
      const ch = s.addChannel({ hookUrl: "http://127.0.0.1:1/webhooks/kommo/:scope_id" });
      const c = new KommoChatsClient({ baseUrl: s.url, channelId: ch.id, channelSecret: ch.secret });
      const { scopeId: sc } = await c.connect(a.amojoId);
      await c.sendMessage(sc, incoming("lost"));
      const id = await s.managerReplies(sc, "tkp:1:lost", { type: "text", text: "anyone?" });
      const d = s.webhookDeliveries();
      expect(d).toHaveLength(1);
      expect(d[0]).toMatchObject({
        amojoMessageId: id,
        url: `http://127.0.0.1:1/webhooks/kommo/${sc}`,
      });
      expect(d[0]?.status).toBeUndefined();
      expect(d[0]?.error).toBeTruthy();
    } finally {
      await s.close();
    }
  });

  it("stores delivery statuses (delivered, error with text); the status_code spelling is accepted too", async () => {
    const id = await sim.managerReplies(scopeId, "tkp:1:room6", { type: "text", text: "ok" });
    await chats.sendDeliveryStatus(scopeId, id, { status: 1 });
    await chats.sendDeliveryStatus(scopeId, id, {
      status: -1,
      errorCode: 905,
      error: "Tokopedia does not accept attachments",
    });
    const path = `/v2/origin/custom/${scopeId}/${id}/delivery_status`;
    const body = '{"status_code":2}';
    const h = signAmojoRequest({ secret: channel.secret, method: "POST", path, body, date: new Date() });
    const res = await request(`${sim.url}${path}`, { method: "POST", headers: { ...h }, body });
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(sim.deliveryStatuses(id).map(({ at: _at, ...s }) => s)).toEqual([
      { status: 1, field: "delivery_status" },
      {
        status: -1,
        errorCode: 905,
        error: "Tokopedia does not accept attachments",
        field: "delivery_status",
      },
      { status: 2, field: "status_code" },
    ]);
  });

  it("a status for an unknown message is TK_ERR_KOMMO_NOT_FOUND", async () => {
    const d = await expectCode(
      chats.sendDeliveryStatus(scopeId, "11111111-1111-1111-1111-111111111111", { status: 1 }),
      "TK_ERR_KOMMO_NOT_FOUND",
    );
    expect(d.retryable).toBe(false);
  });
});

describe("amojo failures map to typed errors", () => {
  it("5xx → TK_ERR_KOMMO_UNAVAILABLE (retryable); 429 → TK_ERR_KOMMO_RATE_LIMITED; 400 → BAD_REQUEST", async () => {
    sim.failNext(1, { host: "amojo", status: 503 });
    expect(
      await expectCode(
        chats.typing(scopeId, { conversationId: "c", senderId: "s" }),
        "TK_ERR_KOMMO_UNAVAILABLE",
      ),
    ).toMatchObject({
      status: 503,
      retryable: true,
    });
    sim.failNext(1, { host: "amojo", status: 429, body: "" });
    const d = await expectCode(
      chats.typing(scopeId, { conversationId: "c", senderId: "s" }),
      "TK_ERR_KOMMO_RATE_LIMITED",
    );
    expect(d.retryable).toBe(true);
    expect(d.retryAfterMs).toBeGreaterThan(0);
    sim.failNext(1, { host: "amojo", status: 400 });
    await expectCode(
      chats.typing(scopeId, { conversationId: "c", senderId: "s" }),
      "TK_ERR_KOMMO_BAD_REQUEST",
    );
  });

  it("a dropped connection and a timeout are TK_ERR_KOMMO_UNAVAILABLE", async () => {
    sim.dropNext(1, { host: "amojo" });
    const d = await expectCode(
      chats.typing(scopeId, { conversationId: "c", senderId: "s" }),
      "TK_ERR_KOMMO_UNAVAILABLE",
    );
    expect(d.retryable).toBe(true);
    sim.latency(300, "amojo");
    const slow = new KommoChatsClient({
      baseUrl: sim.url,
      channelId: channel.id,
      channelSecret: channel.secret,
      timeoutMs: 50,
    });
    await expectCode(
      slow.typing(scopeId, { conversationId: "c", senderId: "s" }),
      "TK_ERR_KOMMO_UNAVAILABLE",
    );
    sim.latency(0);
  });

  it("after disconnect the scope is TK_ERR_KOMMO_NOT_REGISTERED and no webhook fires", async () => {
    const other = sim.addAccount({ name: "Other" });
    const { scopeId: s2 } = await chats.connect(other.amojoId);
    await chats.sendMessage(s2, incoming("room9"));
    await chats.disconnect(other.amojoId);
    await expectCode(chats.sendMessage(s2, incoming("room9")), "TK_ERR_KOMMO_NOT_REGISTERED");
    const before = hooks.hits.length;
    await sim.managerReplies(s2, "tkp:1:room9", { type: "text", text: "hello?" });
    expect(hooks.hits.length).toBe(before);
  });
});
