/**
 * The orders notes in the state file: what a note lists is found by order id; an invoice shared while the note is
 * being written is not lost when the write is recorded; order calls are counted per UTC day.
 */
import { describe, expect, it } from "vitest";
import { useTempDir } from "../store/helpers.js";

const key = { source: "tokopedia", shopId: "481154", roomId: "2360940374" };

describe("order notes store", () => {
  const tmp = useTempDir();

  it("keeps an invoice shared while the note was being written", async () => {
    const notes = tmp.open().orderNotes;
    expect(await notes.start({ ...key, buyerId: "7102", amojoChatId: "chat-1", at: 1 })).toBe(true);
    expect(await notes.start({ ...key, buyerId: "7102", amojoChatId: "chat-1", at: 2 })).toBe(false);
    expect(await notes.addListed(key, "INV/1")).toBe(true);
    expect(await notes.addListed(key, "INV/1")).toBe(false);
    // The refresh read ["INV/1"]; meanwhile the buyer shares INV/2; then the refresh records its write.
    expect(await notes.addListed(key, "INV/2")).toBe(true);
    await notes.saved(key, { leadId: 15198335, noteId: 76787983, noteText: "Invoices…\nINV/1" }, 3);
    expect(await notes.get(key)).toMatchObject({
      orderIds: ["INV/1", "INV/2"],
      noteId: 76787983,
      leadId: 15198335,
    });
    expect(await notes.roomsListing("tokopedia", "481154", "INV/2")).toEqual([key.roomId]);
  });

  it("an order list replaces the previous one, and its orders find the note", async () => {
    const notes = tmp.open().orderNotes;
    const k = { ...key, source: "tiktokshop" };
    await notes.start({ ...k, buyerId: "9001", amojoChatId: "chat-2", at: 1 });
    await notes.saved(
      k,
      { leadId: 1, noteId: 2, noteText: "a", orderIds: ["576461413038785752", "576461413038785753"] },
      2,
    );
    await notes.saved(k, { leadId: 1, noteId: 2, noteText: "b", orderIds: ["576461413038785753"] }, 3);
    expect(await notes.roomsListing("tiktokshop", key.shopId, "576461413038785752")).toEqual([]);
    expect(await notes.roomsListing("tiktokshop", key.shopId, "576461413038785753")).toEqual([key.roomId]);
    const day = Date.UTC(2026, 11, 3, 9);
    await notes.countCall("tiktokshop", key.shopId, day);
    await notes.countCall("tiktokshop", key.shopId, day + 3_600_000);
    expect(await notes.callsOn("tiktokshop", key.shopId, day)).toBe(2);
    expect(await notes.callsOn("tiktokshop", key.shopId, day + 86_400_000)).toBe(0);
  });
});
