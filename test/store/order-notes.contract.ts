/**
 * One contract suite for every backend of the orders notes' state port (OrderNotesPort): a conversation's note is
 * started once, an invoice shared while the note is being written is not lost, an order list replaces the previous
 * one, and order calls are counted per UTC day. With `replicas` (PostgreSQL), two stores on one database (two
 * `serve` replicas) racing on one conversation start it once and lose none of each other's invoices.
 */
import { describe, expect, it } from "vitest";
import type { OrderNotesPort } from "../../src/bridge/order-note.js";
import { type PortHarness, usePortHarness } from "./port-harness.js";

export type OrderNotesHarness = PortHarness<OrderNotesPort>;

const key = { source: "tokopedia", shopId: "481154", roomId: "2360940374" };
const starting = (at: number) => ({ ...key, buyerId: "7102", amojoChatId: "chat-1", at });

export function runOrderNotesContract(
  name: string,
  factory: () => Promise<OrderNotesHarness>,
  o: { replicas?: boolean } = {},
): void {
  describe(`orders notes port (${name})`, () => {
    const notes = usePortHarness(factory);

    it("keeps an invoice shared while the note was being written", async () => {
      expect(await notes.port.get(key)).toBeUndefined();
      expect(await notes.port.addListed(key, "INV/0")).toBe(false); // no note yet
      expect(await notes.port.start(starting(1))).toBe(true);
      expect(await notes.port.start(starting(2))).toBe(false);
      expect(await notes.port.addListed(key, "INV/1")).toBe(true);
      expect(await notes.port.addListed(key, "INV/1")).toBe(false);
      // The refresh read ["INV/1"]; meanwhile the buyer shares INV/2; then the refresh records its write.
      expect(await notes.port.addListed(key, "INV/2")).toBe(true);
      await notes.port.saved(key, { leadId: 15198335, noteId: 76787983, noteText: "Invoices…\nINV/1" }, 3);
      expect(await notes.port.get(key)).toEqual({
        ...key,
        buyerId: "7102",
        amojoChatId: "chat-1",
        leadId: 15198335,
        noteId: 76787983,
        orderIds: ["INV/1", "INV/2"],
        noteText: "Invoices…\nINV/1",
        lastBuyerAt: 1,
        refreshedAt: 3,
      });
      expect(await notes.port.roomsListing("tokopedia", "481154", "INV/2")).toEqual([key.roomId]);
    });

    it("an order list replaces the previous one, and its orders find the note", async () => {
      const k = { ...key, source: "tiktokshop" };
      await notes.port.start({ ...k, buyerId: "9001", amojoChatId: "chat-2", at: 1 });
      const big = 9_007_199_254_740_991; // Kommo ids past 2^31 read back as numbers
      await notes.port.saved(
        k,
        { leadId: big, noteId: 2, noteText: "a", orderIds: ["576461413038785752", "576461413038785753"] },
        2,
      );
      await notes.port.saved(
        k,
        { leadId: big, noteId: 2, noteText: "b", orderIds: ["576461413038785753"] },
        3,
      );
      expect(await notes.port.roomsListing("tiktokshop", key.shopId, "576461413038785752")).toEqual([]);
      expect(await notes.port.roomsListing("tiktokshop", key.shopId, "576461413038785753")).toEqual([
        key.roomId,
      ]);
      expect(await notes.port.get(k)).toMatchObject({ leadId: big, orderIds: ["576461413038785753"] });
    });

    it("the buyer's last message time only moves forward", async () => {
      await notes.port.start(starting(1_700_000_000_000));
      await notes.port.buyerWrote(key, 1_700_000_500_000);
      await notes.port.buyerWrote(key, 1_700_000_100_000);
      expect((await notes.port.get(key))?.lastBuyerAt).toBe(1_700_000_500_000);
    });

    it("counts order calls per UTC day, none lost when counted at once", async () => {
      const day = Date.UTC(2026, 11, 3, 9);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          notes.port.countCall("tiktokshop", key.shopId, day + i * 60_000),
        ),
      );
      expect(await notes.port.callsOn("tiktokshop", key.shopId, day)).toBe(20);
      expect(await notes.port.callsOn("tiktokshop", key.shopId, day + 86_400_000)).toBe(0);
      expect(await notes.port.callsOn("tiktokshop", "other", day)).toBe(0);
    });

    if (o.replicas) {
      it("two replicas starting one conversation at once: exactly one starts it", async () => {
        const other = await notes.harness.open();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : notes.port).start(starting(i + 1))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("two replicas listing invoices at once: each listed once, none lost", async () => {
        const other = await notes.harness.open();
        await notes.port.start(starting(1));
        const codes = Array.from({ length: 12 }, (_, i) => `INV/${i}`);
        // Each code shared twice, on both replicas: one of the two adds it.
        const added = await Promise.all(
          codes.flatMap((c) => [notes.port.addListed(key, c), other.addListed(key, c)]),
        );
        expect(added.filter(Boolean)).toHaveLength(codes.length);
        expect([...((await other.get(key))?.orderIds ?? [])].sort()).toEqual([...codes].sort());
        for (const c of codes)
          expect(await notes.port.roomsListing(key.source, key.shopId, c)).toEqual([key.roomId]);
      });

      it("two replicas counting order calls at once lose none", async () => {
        const other = await notes.harness.open();
        const day = Date.UTC(2026, 11, 3, 9);
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            (i % 2 ? other : notes.port).countCall("tiktokshop", "s1", day),
          ),
        );
        expect(await other.callsOn("tiktokshop", "s1", day)).toBe(30);
      });
    }
  });
}
