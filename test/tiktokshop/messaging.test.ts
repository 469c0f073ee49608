import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { splitText } from "../../src/sources/tiktokshop/index.js";
import type { RoomRef } from "../../src/sources/types.js";
import { makeFixture, type TtsFixture } from "./harness.js";

// A 1x1 PNG (its IHDR says 1x1).
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a1e0d1d10000000049454e44ae426082",
  "hex",
);

describe("TikTok Shop messaging through the simulator", () => {
  let f: TtsFixture;
  beforeAll(async () => {
    f = await makeFixture({ webhookRetryDelaysMs: [] });
  });
  afterAll(async () => {
    await f.sim.close();
  });
  const roomFor = (buyerId: string, name = "Budi", platform?: "TOKOPEDIA" | "TIKTOK_SHOP"): RoomRef => {
    const { conversationId } = f.sim.buyerSends(
      f.shopId,
      { id: buyerId, name, ...(platform ? { platform } : {}) },
      "halo",
    );
    return { shopId: f.shopId, roomId: conversationId };
  };

  it("a 2,500-character reply arrives as two messages, each within 2,000, split at a word boundary", async () => {
    const room = roomFor("split-buyer");
    const words = Array.from({ length: 500 }, (_, i) => `kata${String(i).padStart(3, "0")}`);
    const text = words.join(" ");
    expect(text.length).toBe(500 * 7 + 499);
    const long = text.slice(0, 2500);
    const sent = await f.source.sendText(room, long);
    const got = f.sim.shopMessages(room.roomId).map((m) => m.text!);
    expect(got).toHaveLength(2);
    expect(sent.messageIds).toEqual(f.sim.shopMessages(room.roomId).map((m) => m.messageId));
    for (const part of got) expect(part.length).toBeLessThanOrEqual(2000);
    expect(got.join(" ")).toBe(long);
    expect(got[0]!.endsWith(" ")).toBe(false);
  });

  it("the simulator itself refuses a text over 2,000 characters (45101001)", async () => {
    const room = roomFor("cap-buyer");
    const shop = { shopId: f.shopId, openId: f.openId, cipher: await cipherOf() };
    let code: string | undefined;
    try {
      await f.source.client.sendMessage(shop, room.roomId, "TEXT", { content: "x".repeat(2001) });
    } catch (err) {
      code = isTkError(err) ? String(err.details?.platformCode) : "other";
    }
    expect(code).toBe("45101001");
    await expect(
      f.source.client.sendMessage(shop, room.roomId, "TEXT", { content: "x".repeat(2000) }),
    ).resolves.toMatch(/^\d{19}$/);
  });

  async function cipherOf(): Promise<string> {
    const shops = await f.source.client.getAuthorizedShops(f.openId);
    return shops.find((s) => s.id === f.shopId)!.cipher;
  }

  it("uploads an image, then sends it as IMAGE with the upload's url and size", async () => {
    const room = roomFor("image-buyer");
    const sent = await f.source.sendImage(room, { bytes: PNG, contentType: "image/png" });
    const uploads = f.sim.uploadedImages();
    expect(uploads.at(-1)).toMatchObject({ shopId: f.shopId, bytes: PNG.length, contentType: "image/png" });
    const msgs = f.sim.shopMessages(room.roomId);
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatchObject({ type: "IMAGE", messageId: sent.messageIds[0] });
    expect(msgs[0]!.content).toEqual({ url: uploads.at(-1)!.url, width: 1, height: 1 });
    const read = await f.source.readMessages(room);
    expect(read.at(-1)!.content).toEqual({ kind: "image", url: uploads.at(-1)!.url, width: 1, height: 1 });
  });

  it("refuses a non-image or oversize picture before any call", async () => {
    const room = roomFor("image-buyer-2");
    const before = f.sim.calls().length;
    for (const img of [
      { bytes: Buffer.from("%PDF-1.4"), contentType: "application/pdf" },
      { bytes: new Uint8Array(10 * 1024 * 1024 + 1), contentType: "image/jpeg" },
    ]) {
      let code: string | undefined;
      try {
        await f.source.sendImage(room, img);
      } catch (err) {
        code = isTkError(err) ? err.code : "other";
      }
      expect(code).toBe("TK_ERR_TIKTOKSHOP_IMAGE_REJECTED");
    }
    expect(f.sim.calls().length).toBe(before);
  });

  it("marks the buyer's messages read before replying", async () => {
    const room = roomFor("read-buyer");
    expect(f.sim.unreadCount(room.roomId)).toBe(1);
    await f.source.sendText(room, "Siap kak");
    expect(f.sim.unreadCount(room.roomId)).toBe(0);
  });

  it("marks read only when the conversation has unread buyer messages (or when that is not known)", async () => {
    const room = roomFor("read-once-buyer");
    const markReads = () =>
      f.sim
        .calls()
        .filter((c) => c.path === `/customer_service/202309/conversations/${room.roomId}/messages/read`)
        .length;
    await f.source.sendText(room, "Satu"); // nothing known yet about this conversation: it is marked read
    expect(markReads()).toBe(1);
    await f.source.sendText(room, "Dua"); // no buyer message since
    expect(markReads()).toBe(1);
    f.sim.buyerSends(f.shopId, { id: "read-once-buyer", name: "Budi" }, "lagi");
    await f.source.readMessages(room); // the bridge sees the buyer's new message
    await f.source.sendText(room, "Tiga");
    expect(markReads()).toBe(2);
    expect(f.sim.unreadCount(room.roomId)).toBe(0);
    // A listing says which conversations have unread buyer messages.
    f.sim.buyerSends(f.shopId, { id: "read-once-buyer", name: "Budi" }, "dan lagi");
    await f.source.listRooms(f.shopId, 0);
    await f.source.sendText(room, "Empat");
    expect(markReads()).toBe(3);
  });

  it("walks conversation page tokens (20 per page) and keeps buyer platform, name and avatar", async () => {
    const since = Date.now() - 1000;
    const rooms = Array.from({ length: 23 }, (_, i) =>
      roomFor(`page-buyer-${i}`, `Pembeli ${i}`, i % 2 ? "TIKTOK_SHOP" : "TOKOPEDIA"),
    );
    const listed = await f.source.listRooms(f.shopId, since);
    for (const [i, r] of rooms.entries()) {
      const hit = listed.find((x) => x.roomId === r.roomId);
      expect(hit?.buyer).toMatchObject({
        id: `page-buyer-${i}`,
        name: `Pembeli ${i}`,
        platform: i % 2 ? "TIKTOK_SHOP" : "TOKOPEDIA",
      });
      expect(hit?.buyer.avatarUrl).toMatch(/^https:\/\//);
    }
    const pages = f.sim
      .calls()
      .filter((c) => c.path === "/customer_service/202309/conversations" && c.code === 0);
    expect(pages.length).toBeGreaterThanOrEqual(2);
    // Rooms whose latest message is older than `since` are left out.
    expect(await f.source.listRooms(f.shopId, Date.now() + 5000)).toEqual([]);
  });

  it("pages messages with opaque tokens: next_page_token is empty at the end; page_size over 10 is refused", async () => {
    const room = roomFor("paging-buyer");
    for (let i = 0; i < 12; i++) f.sim.buyerSends(f.shopId, { id: "paging-buyer", name: "Budi" }, `m${i}`);
    const shop = { shopId: f.shopId, openId: f.openId, cipher: await cipherOf() };
    const p1 = await f.source.client.getMessages(shop, room.roomId, { sortOrder: "ASC" });
    expect(p1.items.map((m) => m.id)).toHaveLength(10);
    expect(p1.nextPageToken).not.toBe("");
    const p2 = await f.source.client.getMessages(shop, room.roomId, {
      sortOrder: "ASC",
      pageToken: p1.nextPageToken,
    });
    expect(p2.items).toHaveLength(3);
    expect(p2.nextPageToken).toBe("");
    const ids = [...p1.items, ...p2.items].map((m) => m.id);
    expect(new Set(ids).size).toBe(13);
    let code: unknown;
    try {
      await f.source.client.getMessages(shop, room.roomId, { pageToken: "garbage" });
    } catch (err) {
      code = isTkError(err) ? err.details?.platformCode : "other";
    }
    expect(code).toBe(45101001);
  });

  it("renders cards, stickers, context lines and unsupported types; flags invisible messages hidden; roles map to buyer/shop/system", async () => {
    const room = roomFor("render-buyer");
    const buyer = { id: "render-buyer", name: "Budi" };
    f.sim.buyerSends(f.shopId, buyer, { type: "BUYER_ENTER_FROM_PRODUCT", productId: "1729384756012345678" });
    f.sim.buyerSends(f.shopId, buyer, { type: "PRODUCT_CARD", productId: "1729384756012345678" });
    f.sim.buyerSends(f.shopId, buyer, { type: "ORDER_CARD", orderId: "580874485811283206" });
    f.sim.buyerSends(f.shopId, buyer, {
      type: "RETURN_REFUND_CARD",
      content: { order_id: "580874485811283206", sku_id: "45678" },
    });
    f.sim.buyerSends(f.shopId, buyer, { type: "COUPON_CARD", content: { coupon_id: "7262992004278206762" } });
    f.sim.buyerSends(f.shopId, buyer, { type: "EMOTICONS", name: "smile" });
    f.sim.buyerSends(f.shopId, buyer, {
      type: "VIDEO",
      content: { url: "https://v.example/video.mp4", duration: "3" },
    });
    f.sim.buyerSends(f.shopId, buyer, {
      type: "IMAGE",
      url: "https://img.example/a.jpg",
      width: 304,
      height: 290,
    });
    f.sim.buyerSends(f.shopId, buyer, { type: "OTHER", content: { content: "?" } });
    f.sim.buyerSends(f.shopId, buyer, { type: "NOTIFICATION", content: { content: "Pesanan dibuat" } });
    f.sim.buyerSends(f.shopId, buyer, {
      type: "SYSTEM_RATING",
      content: { content: "rate us" },
      visible: false,
    });
    f.sim.agentSendsInSellerCenter(room.roomId, "Dibalas dari Seller Center");
    const read = await f.source.readMessages(room);
    // The invisible message comes flagged hidden: never delivered, but the room's cursor moves onto it.
    expect(read.filter((m) => m.hidden)).toHaveLength(1);
    const msgs = read.filter((m) => !m.hidden);
    const contents = msgs.map((m) => m.content);
    expect(contents).toEqual([
      { kind: "text", text: "halo" },
      { kind: "context", text: expect.stringContaining("product 1729384756012345678") },
      expect.objectContaining({
        kind: "product",
        name: "Product 1729384756012345678",
        url: expect.stringContaining("1729384756012345678"),
      }),
      expect.objectContaining({
        kind: "order",
        code: "580874485811283206",
        url: expect.stringContaining("580874485811283206"),
      }),
      expect.objectContaining({
        kind: "order",
        code: "580874485811283206",
        title: "Return/refund request (SKU 45678)",
      }),
      { kind: "context", text: "[Coupon 7262992004278206762]" },
      { kind: "sticker", name: "smile" },
      { kind: "video", url: "https://v.example/video.mp4" },
      { kind: "image", url: "https://img.example/a.jpg", width: 304, height: 290 },
      { kind: "unknown", text: "Silakan cek pesan ini di Seller Center." },
      { kind: "context", text: "Pesanan dibuat" },
      { kind: "text", text: "Dibalas dari Seller Center" },
    ]);
    expect(msgs.slice(0, -1).every((m) => m.sender === "buyer")).toBe(true);
    expect(msgs.at(-1)).toMatchObject({ sender: "shop", senderName: "Agen CS" });
  });
});

describe("splitText", () => {
  it("keeps short text whole and splits on paragraph, line, sentence, then space", () => {
    expect(splitText("halo", 10)).toEqual(["halo"]);
    expect(splitText("aaaa bbbb\n\ncccc dddd", 12)).toEqual(["aaaa bbbb", "cccc dddd"]);
    expect(splitText("Satu dua. Tiga empat lima", 14)).toEqual(["Satu dua.", "Tiga empat", "lima"]);
  });

  it("never cuts inside a surrogate pair, even without spaces", () => {
    const text = "😀".repeat(1500); // 3,000 UTF-16 units
    const parts = splitText(text, 2000);
    expect(parts.join("")).toBe(text);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect(/^[\uDC00-\uDFFF]/.test(p)).toBe(false);
      expect(/[\uD800-\uDBFF]$/.test(p)).toBe(false);
    }
    const odd = `a${"😀".repeat(1000)}`; // a pair straddles unit 2000
    const oddParts = splitText(odd, 2000);
    expect(oddParts.join("")).toBe(odd);
    expect(oddParts[0]!.length).toBe(1999);
  });
});
