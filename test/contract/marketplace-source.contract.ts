/**
 * One contract suite for every MarketplaceSource implementation (unjs/unstorage habit).
 * Each implementation provides a harness backed by its simulator over real HTTP; the suite never looks at
 * platform-specific shapes, only at what the engine relies on.
 *
 * Usage (in a *.test.ts file):  runMarketplaceSourceContract("tokopedia", async () => makeTokopediaHarness());
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import type { MarketplaceSource, RoomRef } from "../../src/sources/types.js";

export interface SourceHarness {
  source: MarketplaceSource;
  /** A shop bound/authorized on the simulator, with messages allowed. */
  shopId: string;
  /** Acts as a buyer on the simulator: sends a text into a room (a new room for a new buyerId). */
  buyerSends(text: string, opts?: { buyerId?: string; buyerName?: string }): Promise<RoomRef>;
  /** Texts the simulator holds as sent by the shop into that room, oldest first. */
  shopTexts(room: RoomRef): Promise<string[]>;
  /** The signed webhook the platform would send now for the newest buyer message of `room`. */
  signedWebhook(room: RoomRef): { headers: Record<string, string>; body: Uint8Array };
  close(): Promise<void>;
}

export function runMarketplaceSourceContract(name: string, makeHarness: () => Promise<SourceHarness>): void {
  describe(`MarketplaceSource contract: ${name}`, () => {
    let h: SourceHarness;
    beforeAll(async () => {
      h = await makeHarness();
    });
    afterAll(async () => {
      await h?.close();
    });

    it("describes its bound shop as active", async () => {
      const shop = await h.source.describeShop(h.shopId);
      expect(shop.shopId).toBe(h.shopId);
      expect(shop.active).toBe(true);
      expect(shop.name.length).toBeGreaterThan(0);
    });

    it("lists a room a buyer wrote in, with the buyer", async () => {
      const before = Date.now() - 1000;
      const room = await h.buyerSends("halo kak, ready?", { buyerId: "contract-buyer-1", buyerName: "Budi" });
      expect(room.shopId).toBe(h.shopId);
      expect(typeof room.roomId).toBe("string");
      const rooms = await h.source.listRooms(h.shopId, before);
      const found = rooms.find((r) => r.roomId === room.roomId);
      expect(found).toBeDefined();
      expect(found!.buyer.name).toBe("Budi");
      expect(typeof found!.buyer.id).toBe("string");
      expect(found!.lastMessageAt).toBeGreaterThanOrEqual(before);
    });

    it("reads a room's messages oldest first, with string ids and ms times", async () => {
      const room = await h.buyerSends("first", { buyerId: "contract-buyer-2", buyerName: "Sari" });
      await h.buyerSends("second", { buyerId: "contract-buyer-2", buyerName: "Sari" });
      const msgs = await h.source.readMessages(room);
      const buyerTexts = msgs
        .filter((m) => m.sender === "buyer" && m.content.kind === "text")
        .map((m) => (m.content as { text: string }).text);
      expect(buyerTexts.slice(-2)).toEqual(["first", "second"]);
      for (const m of msgs) {
        expect(typeof m.messageId).toBe("string");
        expect(m.sentAt).toBeGreaterThan(1_500_000_000_000); // ms, not seconds
        expect(m.roomId).toBe(room.roomId);
      }
      const times = msgs.map((m) => m.sentAt);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    });

    it("reads only what is after a cursor", async () => {
      const room = await h.buyerSends("one", { buyerId: "contract-buyer-3", buyerName: "Tono" });
      const first = await h.source.readMessages(room);
      const last = first[first.length - 1]!;
      await h.buyerSends("two", { buyerId: "contract-buyer-3", buyerName: "Tono" });
      const after = await h.source.readMessages(room, { messageId: last.messageId, time: last.sentAt });
      expect(after.map((m) => (m.content as { text?: string }).text)).toEqual(["two"]);
    });

    it("pages through a long room without losing or repeating a message", async () => {
      let room: RoomRef | undefined;
      for (let i = 0; i < 40; i++) {
        room = await h.buyerSends(`bubble ${i}`, { buyerId: "contract-buyer-4", buyerName: "Lina" });
      }
      const msgs = await h.source.readMessages(room!);
      const texts = msgs.map((m) => (m.content as { text?: string }).text);
      expect(texts).toEqual(Array.from({ length: 40 }, (_, i) => `bubble ${i}`));
      expect(new Set(msgs.map((m) => m.messageId)).size).toBe(40);
    });

    it("sends a text the buyer then sees, marked as the shop's", async () => {
      const room = await h.buyerSends("ada warna merah?", { buyerId: "contract-buyer-5", buyerName: "Ayu" });
      const sent = await h.source.sendText(room, "Ada kak, silakan diorder 🙏");
      expect(sent.sentAt).toBeGreaterThan(1_500_000_000_000);
      expect(await h.shopTexts(room)).toContain("Ada kak, silakan diorder 🙏");
      const msgs = await h.source.readMessages(room);
      const mine = msgs.find(
        (m) => m.sender === "shop" && (m.content as { text?: string }).text === "Ada kak, silakan diorder 🙏",
      );
      expect(mine).toBeDefined();
      if (sent.messageIds.length > 0) expect(sent.messageIds).toContain(mine!.messageId);
    });

    it("verifies webhook signatures over the exact raw body", async () => {
      const room = await h.buyerSends("webhook please", { buyerId: "contract-buyer-6", buyerName: "Rina" });
      const { headers, body } = h.signedWebhook(room);
      expect(h.source.verifyWebhook(headers, body)).toBe(true);
      const tampered = Buffer.from(body);
      tampered[tampered.length - 2] = tampered[tampered.length - 2]! ^ 1;
      expect(h.source.verifyWebhook(headers, tampered)).toBe(false);
      expect(h.source.verifyWebhook({}, body)).toBe(false);
      const hints = h.source.parseWebhook(body);
      expect(hints.some((x) => x.roomId === room.roomId && x.shopId === room.shopId)).toBe(true);
    });

    it("rejects a malformed webhook body with TK_ERR_WEBHOOK_MALFORMED", () => {
      let caught: unknown;
      try {
        h.source.parseWebhook(Buffer.from("{not json"));
      } catch (err) {
        caught = err;
      }
      expect(isTkError(caught) && caught.code).toBe("TK_ERR_WEBHOOK_MALFORMED");
    });
  });
}
