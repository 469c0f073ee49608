import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type KommoChatsClient, KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { type KommoSimulator, type SimAccount, startKommoSimulator } from "../../src/sim/kommo/index.js";
import { settleOnFakeTime } from "../helpers/fake-time.js";
import { connectChannel } from "../helpers/kommo-simulator.js";

let sim: KommoSimulator;
let account: SimAccount;
let rest: KommoRestClient;
let chats: KommoChatsClient;
let scopeId: string;
let n = 0;

async function expectCode(p: Promise<unknown>, code: string): Promise<Record<string, unknown>> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; details?: Record<string, unknown>; fix?: string; message?: string } | undefined;
  expect(err?.code).toBe(code);
  expect(err?.fix).toBeTruthy();
  return err?.details ?? {};
}

/** A buyer's first message, which makes Kommo create the chat, a contact and an incoming lead. */
async function buyerWrites(name: string) {
  const now = Date.now();
  return chats.sendMessage(scopeId, {
    timestamp: Math.floor(now / 1000),
    msec_timestamp: now,
    msgid: `m${++n}`,
    conversation_id: `tkp:1:${name}`,
    silent: false,
    sender: { id: `tkp:user:${name}`, name, profile: { phone: "+6281234" } },
    message: { type: "text", text: "halo" },
  });
}

function client(token: string, limiter = new KommoRateLimiter()) {
  return new KommoRestClient({
    baseUrl: sim.url,
    auth: { kind: "longLived", token },
    tokenKey: `t${++n}`,
    limiter,
  });
}

beforeAll(async () => {
  sim = await startKommoSimulator();
  account = sim.addAccount({ name: "Acme", subdomain: "acme" });
  ({ chats, scopeId } = await connectChannel(sim, account));
  rest = client(sim.longLivedToken(account.id));
});

afterAll(async () => {
  await sim.close();
});

describe("REST v4 with a long-lived token", () => {
  it("account() returns the amojo id", async () => {
    expect(await rest.account()).toEqual({
      id: account.id,
      name: "Acme",
      subdomain: "acme",
      amojoId: account.amojoId,
      currentUserId: 886363,
    });
  });

  it("finds the contact Kommo made for a chat, tags its lead and adds a note", async () => {
    const sent = await buyerWrites("Siti");
    const found = await rest.searchContacts("siti");
    expect(found).toHaveLength(1);
    expect(await rest.searchContacts("nobody-by-that-name")).toEqual([]);
    const { leadId } = await rest.tagLeadOfChat(sent.amojoChatId!, ["Tokopedia", "dumiesshop"]);
    expect(leadId).toBe(found[0]?.leadIds[0]);
    await rest.addLeadTags(leadId!, ["Tokopedia"]);
    expect(sim.leads().find((l) => l.id === leadId)?.tags).toEqual(["Tokopedia", "dumiesshop"]);
    const { noteId } = await rest.addLeadNote(leadId!, "Order INV/2024/1");
    expect(sim.notes()).toContainEqual(
      expect.objectContaining({
        id: noteId,
        leadId,
        noteType: "common",
        params: { text: "Order INV/2024/1" },
      }),
    );
  });

  it("tagLeadOfChat on a chat without contact is a no-op", async () => {
    expect(await rest.tagLeadOfChat("no-such-chat", ["x"])).toEqual({});
  });

  it("create chat → link to an existing contact → first message makes no new incoming lead", async () => {
    const existing = (await rest.searchContacts("siti"))[0]!;
    const chat = await chats.createChat(scopeId, {
      conversationId: "tkp:1:siti-2",
      user: { id: "tkp:user:siti", name: "Siti" },
    });
    const link = await rest.linkChatToContact(chat.amojoChatId, existing.id);
    expect(link).toMatchObject({ chatId: chat.amojoChatId, contactId: existing.id });
    expect(await rest.chatLinks({ chatIds: [chat.amojoChatId] })).toEqual([link]);
    const leadsBefore = sim.leads().length;
    const now = Date.now();
    await chats.sendMessage(scopeId, {
      timestamp: Math.floor(now / 1000),
      msec_timestamp: now,
      msgid: `m${++n}`,
      conversation_id: "tkp:1:siti-2",
      sender: { id: "tkp:user:siti", name: "Siti" },
      message: { type: "text", text: "saya lagi" },
    });
    expect(sim.leads().length).toBe(leadsBefore);
  });
});

describe("REST failures map to typed errors", () => {
  it("401 with a revoked long-lived token → TK_ERR_KOMMO_UNAUTHORIZED, no refresh attempted", async () => {
    const token = sim.longLivedToken(account.id);
    sim.revokeAccessToken(token);
    const tokenCalls = () => sim.requestLog().filter((r) => r.path === "/oauth2/access_token").length;
    const before = tokenCalls();
    expect(await expectCode(client(token).account(), "TK_ERR_KOMMO_UNAUTHORIZED")).toMatchObject({
      status: 401,
      retryable: false,
    });
    expect(tokenCalls()).toBe(before);
  });

  it("429 with JSON, HTML or an empty body → TK_ERR_KOMMO_RATE_LIMITED with retryAfterMs", async () => {
    sim.failNext(1, {
      host: "rest",
      status: 429,
      body: '{"title":"Too Many Requests","type":"https://httpstatus.es/429","status":429,"detail":"slow down","retry_after":300}',
    });
    expect(await expectCode(rest.account(), "TK_ERR_KOMMO_RATE_LIMITED")).toMatchObject({
      retryAfterMs: 300_000,
      bodyKind: "json",
      retryable: true,
    });
    sim.failNext(1, {
      host: "rest",
      status: 429,
      body: "<html><body><h1>429 Too Many Requests</h1></body></html>",
    });
    const html = await expectCode(rest.account(), "TK_ERR_KOMMO_RATE_LIMITED");
    expect(html).toMatchObject({ bodyKind: "html", retryable: true });
    expect(html.retryAfterMs).toBeGreaterThan(0);
    sim.failNext(1, { host: "rest", status: 429, body: "" });
    expect(await expectCode(rest.account(), "TK_ERR_KOMMO_RATE_LIMITED")).toMatchObject({
      bodyKind: "empty",
    });
  });

  it("403 (HTML or JSON) → TK_ERR_KOMMO_BLOCKED; 402 → PAYMENT_REQUIRED; 404 → NOT_FOUND; 400 → BAD_REQUEST; 5xx → UNAVAILABLE", async () => {
    sim.failNext(1, { host: "rest", status: 403, body: "<html>403 Forbidden nginx</html>" });
    expect(await expectCode(rest.account(), "TK_ERR_KOMMO_BLOCKED")).toMatchObject({
      bodyKind: "html",
      retryable: false,
    });
    sim.failNext(1, { host: "rest", status: 402 });
    await expectCode(rest.account(), "TK_ERR_KOMMO_PAYMENT_REQUIRED");
    await expectCode(rest.getContact(1), "TK_ERR_KOMMO_NOT_FOUND");
    sim.failNext(1, {
      host: "rest",
      status: 400,
      body: '{"validation-errors":[{"request_id":"0","errors":[{"code":"NotSupportedChoice","path":"x","detail":"no"}]}],"title":"Bad Request","status":400,"detail":"Request validation failed"}',
    });
    expect(await expectCode(rest.account(), "TK_ERR_KOMMO_BAD_REQUEST")).toMatchObject({
      validationErrors: [expect.objectContaining({ request_id: "0" })],
    });
    sim.failNext(1, { host: "rest", status: 502 });
    expect(await expectCode(rest.account(), "TK_ERR_KOMMO_UNAVAILABLE")).toMatchObject({ retryable: true });
    sim.dropNext(1, { host: "rest" });
    await expectCode(rest.account(), "TK_ERR_KOMMO_UNAVAILABLE");
  });

  it("the simulator's own limit: unthrottled bursts get 429, repeated violations block the account with 403", async () => {
    // The simulator's window runs on Date: faked, so "a window later" needs no real wait.
    vi.useFakeTimers({ toFake: ["Date"] });
    const s = await startKommoSimulator({ rateLimit: { blockAfter: 5, body429: "html", body403: "html" } });
    try {
      const a = s.addAccount();
      const greedy = new KommoRestClient({
        baseUrl: s.url,
        auth: { kind: "longLived", token: s.longLivedToken(a.id) },
        tokenKey: "greedy",
        limiter: new KommoRateLimiter({ limit: 1000 }),
      });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => greedy.account()));
      const codes = results.map((r) =>
        r.status === "fulfilled" ? "ok" : (r.reason as { code: string }).code,
      );
      expect(codes.filter((c) => c === "ok")).toHaveLength(7);
      expect(codes).toContain("TK_ERR_KOMMO_RATE_LIMITED");
      expect(codes).toContain("TK_ERR_KOMMO_BLOCKED");
      expect(s.isBlocked(a.id)).toBe(true);
      // A window later the block holds: it lasts until someone lifts it.
      vi.setSystemTime(Date.now() + 1_100);
      await expectCode(greedy.account(), "TK_ERR_KOMMO_BLOCKED");
      s.unblock(a.id);
      await expect(greedy.account()).resolves.toMatchObject({ id: a.id });
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });
});

describe("client-side limiter keeps every account under 7 requests per second", () => {
  // Time scaled 10x: the simulator counts 7 per 100 ms, the client allows 7 per 180 ms. On fake timers, like the
  // test below: the limiter's waits and the simulator's window run on one clock that moves only while no request
  // is on the wire, so a stall of a busy machine can neither bunch the arrivals nor stretch the waits.
  it("a burst of 100 calls (time scaled 10x: 7 per 100 ms) never exceeds 7 in any window at the simulator", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const s = await startKommoSimulator({ rateLimit: { windowMs: 100, blockAfter: 3 } });
    try {
      const a = s.addAccount();
      const limiter = new KommoRateLimiter({ limit: 7, windowMs: 180, now: () => Date.now() });
      let granted = 0;
      const acquire = limiter.acquire.bind(limiter);
      limiter.acquire = () => acquire().then(() => void granted++);
      const c = new KommoRestClient({
        baseUrl: s.url,
        auth: { kind: "longLived", token: s.longLivedToken(a.id) },
        tokenKey: "scaled",
        limiter,
      });
      const started = Date.now();
      const all = Promise.allSettled(Array.from({ length: 100 }, () => c.account()));
      const answered = () => s.requestLog().filter((r) => r.status !== 0).length;
      const results = await settleOnFakeTime(all, () => granted === 0 || answered() < granted);
      expect(results.filter((r) => r.status === "rejected").map((r) => (r.reason as Error).message)).toEqual(
        [],
      );
      expect(s.requestLog().filter((r) => r.status === 429)).toEqual([]);
      expect(s.maxRequestsInWindow({ host: "rest", windowMs: 100 })).toBeLessThanOrEqual(7);
      expect(s.requestLog()).toHaveLength(100);
      // Paced, not merely lucky: 100 at 7 per 180 ms take at least 14 windows of fake time.
      expect(Date.now() - started).toBeGreaterThanOrEqual(14 * 180);
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });

  // 100 calls at once, default limiter (7 per 1.1 s), on fake timers: the limiter's waits and the simulator's
  // per-second count run on the same fake clock, which moves only when no request is on the wire (about 15 s of
  // it in well under a second of real time).
  it("a burst of 100 calls at the default limits (one limiter shared by two clients of one account): no second sees more than 7", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const s = await startKommoSimulator();
    try {
      const a = s.addAccount();
      const token = s.longLivedToken(a.id);
      const limiter = new KommoRateLimiter({ now: () => Date.now() });
      let granted = 0;
      const acquire = limiter.acquire.bind(limiter);
      limiter.acquire = () => acquire().then(() => void granted++);
      const mk = (key: string) =>
        new KommoRestClient({ baseUrl: s.url, auth: { kind: "longLived", token }, tokenKey: key, limiter });
      const [c1, c2] = [mk("real-1"), mk("real-2")];
      const started = Date.now();
      const results = Promise.allSettled(Array.from({ length: 100 }, (_, i) => (i % 2 ? c1 : c2).account()));
      // Every granted request reaches the simulator and is answered before the clock moves on (real I/O).
      const answered = () => s.requestLog().filter((r) => r.status !== 0).length;
      await settleOnFakeTime(results, () => granted === 0 || answered() < granted);
      expect((await results).filter((r) => r.status === "rejected")).toEqual([]);
      expect(s.maxRequestsInWindow({ host: "rest", windowMs: 1000 })).toBeLessThanOrEqual(7);
      expect(Math.max(...s.requestsPerSecond({ host: "rest" }).map((x) => x.count))).toBeLessThanOrEqual(7);
      expect(s.requestLog().filter((r) => r.host === "rest")).toHaveLength(100);
      // The limiter did pace them: 100 at 7 per 1.1 s take at least 13 windows of fake time.
      expect(Date.now() - started).toBeGreaterThanOrEqual(13 * 1_100);
    } finally {
      vi.useRealTimers();
      await s.close();
    }
  });
});
