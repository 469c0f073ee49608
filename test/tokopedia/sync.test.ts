/**
 * Room sync against the simulator: paging to a cursor, server order quirks, empty pages, rendering of every
 * bubble kind, int64 ids above 2^53, room listing, rate-limit pacing, shop lookup.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomRef } from "../../src/sources/types.js";
import { setupTokopedia, type TokopediaSetup } from "./harness.js";

const repliesCalls = (t: TokopediaSetup) =>
  t.sim.requests().filter((r) => r.endpoint === "list-replies").length;

async function fill(t: TokopediaSetup, buyer: string, n: number): Promise<RoomRef> {
  let msgId = "";
  for (let i = 0; i < n; i++) msgId = (await t.sim.buyerSends(t.shopId, buyer, `m${i}`)).msgId;
  return { shopId: t.shopId, roomId: msgId };
}

const texts = (msgs: { content: { kind: string } }[]) =>
  msgs.map((m) => (m.content as { text?: string }).text);

describe("Tokopedia room sync (default simulator: newest first, 5 req/s)", () => {
  let t: TokopediaSetup;
  beforeAll(async () => {
    t = await setupTokopedia();
  });
  afterAll(() => t.sim.close());

  it("stops walking at the cursor instead of reading the whole room", async () => {
    const room = await fill(t, "pager", 100);
    const all = await t.source.readMessages(room);
    expect(texts(all)).toEqual(Array.from({ length: 100 }, (_, i) => `m${i}`));
    const cursor = all[95]!;
    const before = repliesCalls(t);
    const rest = await t.source.readMessages(room, { messageId: cursor.messageId, time: cursor.sentAt });
    expect(texts(rest)).toEqual(["m96", "m97", "m98", "m99"]);
    expect(repliesCalls(t) - before).toBe(1);
    const byIdOnly = await t.source.readMessages(room, { messageId: cursor.messageId });
    expect(texts(byIdOnly)).toEqual(["m96", "m97", "m98", "m99"]);
  });

  it("paces itself under the rate limit (7 pages at 5 req/s, burst 5) without failing", async () => {
    const room = await fill(t, "pacer", 100);
    expect(await t.source.readMessages(room)).toHaveLength(100);
    expect(t.sim.requests().some((r) => r.endpoint === "list-replies" && r.status === 429)).toBe(false);
  });

  it("renders every bubble kind from list replies", async () => {
    const buyer = "renderer";
    await t.sim.buyerSends(t.shopId, buyer, "lihat https://tokopedia.com/a?x=1&y=2 ya & makasih");
    await t.sim.buyerSends(t.shopId, buyer, { kind: "image", url: "https://img.example/i.jpg" });
    await t.sim.buyerSends(t.shopId, buyer, {
      kind: "product",
      name: "Kaos",
      price: "Rp50.000",
      url: "https://tokopedia.com/s/kaos",
      imageUrl: "https://img.example/k.jpg",
    });
    await t.sim.buyerSends(t.shopId, buyer, {
      kind: "invoice",
      code: "INV/1",
      total: "Rp75.000",
      status: "Dikirim",
      url: "https://tokopedia.com/inv/1",
    });
    const last = await t.sim.buyerSends(t.shopId, buyer, { kind: "sticker", name: "senyum" });
    const room = { shopId: t.shopId, roomId: last.msgId };
    await t.source.sendText(room, "siap kak");
    const msgs = await t.source.readMessages(room);
    expect(msgs.map((m) => [m.sender, m.content])).toEqual([
      ["buyer", { kind: "text", text: "lihat https://tokopedia.com/a?x=1&y=2 ya & makasih" }],
      ["buyer", { kind: "image", url: "https://img.example/i.jpg" }],
      [
        "buyer",
        {
          kind: "product",
          name: "Kaos",
          price: "Rp50.000",
          url: "https://tokopedia.com/s/kaos",
          imageUrl: "https://img.example/k.jpg",
        },
      ],
      [
        "buyer",
        {
          kind: "order",
          code: "INV/1",
          total: "Rp75.000",
          status: "Dikirim",
          url: "https://tokopedia.com/inv/1",
          title: "Invoice",
        },
      ],
      ["buyer", { kind: "sticker", name: "senyum" }],
      ["shop", { kind: "text", text: "siap kak" }],
    ]);
    // The simulator really sends HTML: the raw reply holds the anchor.
    expect(t.sim.replies(last.msgId)[0]!.msg).toContain('<a rel="nofollow" target="_blank" href=');
  });

  it("lists rooms newest first across pages, filtered by time", async () => {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 5));
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push((await t.sim.buyerSends(t.shopId, `room-${i}`, "hi", { buyerName: `B${i}` })).msgId);
    const rooms = await t.source.listRooms(t.shopId, start + 1);
    expect(rooms.map((r) => r.roomId).sort()).toEqual([...ids].sort());
    const times = rooms.map((r) => r.lastMessageAt);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(rooms.find((r) => r.roomId === ids[19])!.buyer).toMatchObject({
      name: "B19",
      platform: "TOKOPEDIA",
    });
    expect(rooms.every((r) => r.lastMessageAt >= start)).toBe(true);
  });

  it("describes the shop and finds it by domain", async () => {
    expect(await t.source.describeShop(t.shopId)).toMatchObject({ active: true, name: "dumiesshop" });
    expect((await t.client.findShopByDomain("https://tokopedia.com/dumiesshop"))?.shopId).toBe(t.shopId);
    expect(await t.client.findShopByDomain("nosuchshop")).toBeUndefined();
  });
});

describe("Tokopedia room sync tolerates server quirks", () => {
  let t: TokopediaSetup;
  beforeAll(async () => {
    t = await setupTokopedia({
      rateLimit: null,
      replyOrder: { default: "asc", honourParam: false },
      emptyPageData: "array",
      shopInfoEnvelope: "B",
      idBase: 9_007_199_254_740_993n,
    });
  });
  afterAll(() => t.sim.close());

  it("a server that ignores order=desc still yields everything after the cursor", async () => {
    const room = await fill(t, "asc", 40);
    const all = await t.source.readMessages(room);
    expect(texts(all)).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`));
    const rest = await t.source.readMessages(room, { messageId: all[10]!.messageId, time: all[10]!.sentAt });
    expect(texts(rest)).toEqual(Array.from({ length: 29 }, (_, i) => `m${i + 11}`));
  });

  it("an exact multiple of per_page ends on an empty [] page", async () => {
    const room = await fill(t, "thirty", 30);
    expect(await t.source.readMessages(room)).toHaveLength(30);
  });

  it("keeps every digit of ids above 2^53", async () => {
    const sent = await t.sim.buyerSends(t.shopId, "big", "besar");
    expect(BigInt(sent.msgId)).toBeGreaterThan(2n ** 53n);
    const msgs = await t.source.readMessages({ shopId: t.shopId, roomId: sent.msgId });
    expect(msgs[0]!.roomId).toBe(sent.msgId);
    expect(msgs[0]!.messageId).toBe(sent.replyId);
    const rooms = await t.source.listRooms(t.shopId, 0);
    expect(rooms.map((r) => r.roomId)).toContain(sent.msgId);
  });

  it("reads shop-info in the old envelope B", async () => {
    expect(await t.source.describeShop(t.shopId)).toMatchObject({ active: true, domain: "dumiesshop" });
  });
});
