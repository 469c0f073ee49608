/**
 * One contract suite for every backend of the orders notes' state port (OrderNotesPort): a conversation's note is
 * started once, an invoice shared while the note is being written is not lost, an order list replaces the previous
 * one, and order calls are counted per UTC day. With `replicas` (PostgreSQL), two stores on one database (two
 * `serve` replicas) racing on one conversation start it once and lose none of each other's invoices.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { OrderNotesPort } from "../../src/bridge/order-note.js";

export interface OrderNotesHarness {
  /** Opens the port on the harness's (one, fresh) database; again for a second replica. */
  open(): Promise<OrderNotesPort>;
  /** Closes what `open` opened. */
  close(): Promise<void>;
}

const key = { source: "tokopedia", shopId: "481154", roomId: "2360940374" };
const starting = (at: number) => ({ ...key, buyerId: "7102", amojoChatId: "chat-1", at });

export function runOrderNotesContract(
  name: string,
  factory: () => Promise<OrderNotesHarness>,
  o: { replicas?: boolean } = {},
): void {
  describe(`orders notes port (${name})`, () => {
    let harness: OrderNotesHarness;
    let notes: OrderNotesPort;
    beforeEach(async () => {
      harness = await factory();
      notes = await harness.open();
    });
    afterEach(async () => {
      await harness.close();
    });

    it("keeps an invoice shared while the note was being written", async () => {
      expect(await notes.get(key)).toBeUndefined();
      expect(await notes.addListed(key, "INV/0")).toBe(false); // no note yet
      expect(await notes.start(starting(1))).toBe(true);
      expect(await notes.start(starting(2))).toBe(false);
      expect(await notes.addListed(key, "INV/1")).toBe(true);
      expect(await notes.addListed(key, "INV/1")).toBe(false);
      // The refresh read ["INV/1"]; meanwhile the buyer shares INV/2; then the refresh records its write.
      expect(await notes.addListed(key, "INV/2")).toBe(true);
      await notes.saved(key, { leadId: 15198335, noteId: 76787983, noteText: "Invoices…\nINV/1" }, 3);
      expect(await notes.get(key)).toEqual({
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
      expect(await notes.roomsListing("tokopedia", "481154", "INV/2")).toEqual([key.roomId]);
    });

    it("an order list replaces the previous one, and its orders find the note", async () => {
      const k = { ...key, source: "tiktokshop" };
      await notes.start({ ...k, buyerId: "9001", amojoChatId: "chat-2", at: 1 });
      const big = 9_007_199_254_740_991; // Kommo ids past 2^31 read back as numbers
      await notes.saved(
        k,
        { leadId: big, noteId: 2, noteText: "a", orderIds: ["576461413038785752", "576461413038785753"] },
        2,
      );
      await notes.saved(k, { leadId: big, noteId: 2, noteText: "b", orderIds: ["576461413038785753"] }, 3);
      expect(await notes.roomsListing("tiktokshop", key.shopId, "576461413038785752")).toEqual([]);
      expect(await notes.roomsListing("tiktokshop", key.shopId, "576461413038785753")).toEqual([key.roomId]);
      expect(await notes.get(k)).toMatchObject({ leadId: big, orderIds: ["576461413038785753"] });
    });

    it("the buyer's last message time only moves forward", async () => {
      await notes.start(starting(1_700_000_000_000));
      await notes.buyerWrote(key, 1_700_000_500_000);
      await notes.buyerWrote(key, 1_700_000_100_000);
      expect((await notes.get(key))?.lastBuyerAt).toBe(1_700_000_500_000);
    });

    it("counts order calls per UTC day, none lost when counted at once", async () => {
      const day = Date.UTC(2026, 11, 3, 9);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => notes.countCall("tiktokshop", key.shopId, day + i * 60_000)),
      );
      expect(await notes.callsOn("tiktokshop", key.shopId, day)).toBe(20);
      expect(await notes.callsOn("tiktokshop", key.shopId, day + 86_400_000)).toBe(0);
      expect(await notes.callsOn("tiktokshop", "other", day)).toBe(0);
    });

    if (o.replicas) {
      it("two replicas starting one conversation at once: exactly one starts it", async () => {
        const other = await harness.open();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => (i % 2 ? other : notes).start(starting(i + 1))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it("two replicas listing invoices at once: each listed once, none lost", async () => {
        const other = await harness.open();
        await notes.start(starting(1));
        const codes = Array.from({ length: 12 }, (_, i) => `INV/${i}`);
        // Each code shared twice, on both replicas: one of the two adds it.
        const added = await Promise.all(
          codes.flatMap((c) => [notes.addListed(key, c), other.addListed(key, c)]),
        );
        expect(added.filter(Boolean)).toHaveLength(codes.length);
        expect([...((await other.get(key))?.orderIds ?? [])].sort()).toEqual([...codes].sort());
        for (const c of codes)
          expect(await notes.roomsListing(key.source, key.shopId, c)).toEqual([key.roomId]);
      });

      it("two replicas counting order calls at once lose none", async () => {
        const other = await harness.open();
        const day = Date.UTC(2026, 11, 3, 9);
        await Promise.all(
          Array.from({ length: 30 }, (_, i) => (i % 2 ? other : notes).countCall("tiktokshop", "s1", day)),
        );
        expect(await other.callsOn("tiktokshop", "s1", day)).toBe(30);
      });
    }
  });
}
