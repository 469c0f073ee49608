import { describe, expect, it } from "vitest";
import type { RoomKey } from "../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const ROOM: RoomKey = { source: "tokopedia", shopId: "481154", roomId: "3000000001234" };
const OTHER: RoomKey = { source: "tiktokshop", shopId: "7494049642642441621", roomId: "9223372036854775807" };

describe("rooms", () => {
  it("upsertRoom creates, then refreshes only the fields given; ids stay exact strings", () => {
    const store = tmp.open();
    const created = store.rooms.upsertRoom(
      {
        ...OTHER,
        conversationId: "tts:7494049642642441621:9223372036854775807",
        buyer: { id: "b1", name: "Budi", avatarUrl: "https://a/x.png", platform: "TOKOPEDIA" },
      },
      10,
    );
    expect(created).toMatchObject({
      ...OTHER,
      buyer: { id: "b1", name: "Budi", avatarUrl: "https://a/x.png", platform: "TOKOPEDIA" },
      dirty: false,
      cursor: { messageId: null, time: null },
      createdAt: 10,
    });
    const updated = store.rooms.upsertRoom({ ...OTHER, buyer: { id: "b1", name: "Budi S." } }, 20);
    expect(updated.buyer).toEqual({
      id: "b1",
      name: "Budi S.",
      avatarUrl: "https://a/x.png",
      platform: "TOKOPEDIA",
    });
    expect(updated.conversationId).toBe("tts:7494049642642441621:9223372036854775807");
    expect(updated).toMatchObject({ createdAt: 10, updatedAt: 20 });
    expect(store.rooms.getRoomByConversationId("tts:7494049642642441621:9223372036854775807")?.roomId).toBe(
      OTHER.roomId,
    );
    expect(store.rooms.getRoom({ ...OTHER, roomId: "nope" })).toBeUndefined();
  });

  it("markDirty creates an unknown room and stamps strictly increasing dirty_at, even within one ms", () => {
    const store = tmp.open();
    const first = store.rooms.markDirty(ROOM, 1_000, { conversationId: "tkp:481154:3000000001234" });
    const second = store.rooms.markDirty(ROOM, 1_000);
    const third = store.rooms.markDirty(ROOM, 999); // a clock step back must not reuse an old stamp
    expect(first).toBe(1_000);
    expect(second).toBeGreaterThan(first);
    expect(third).toBeGreaterThan(second);
    expect(store.rooms.getRoom(ROOM)).toMatchObject({
      dirty: true,
      dirtyAt: third,
      conversationId: "tkp:481154:3000000001234",
    });
  });

  it("listDirty returns the longest-waiting rooms first, optionally for one shop", () => {
    const store = tmp.open();
    store.rooms.markDirty(OTHER, 50);
    store.rooms.markDirty(ROOM, 10);
    store.rooms.upsertRoom({ ...ROOM, roomId: "clean" }, 5);
    expect(store.rooms.listDirty(10).map((r) => r.roomId)).toEqual([ROOM.roomId, OTHER.roomId]);
    expect(store.rooms.listDirty(1).map((r) => r.roomId)).toEqual([ROOM.roomId]);
    expect(
      store.rooms.listDirty(10, { source: "tiktokshop", shopId: OTHER.shopId }).map((r) => r.roomId),
    ).toEqual([OTHER.roomId]);
  });

  it("a completed walk moves the cursor and clears dirty when nothing marked the room meanwhile", () => {
    const store = tmp.open();
    store.rooms.markDirty(ROOM, 100);
    const seen = store.rooms.getRoom(ROOM)!;
    const r = store.rooms.advanceCursor(
      ROOM,
      { messageId: "r-7", time: 90 },
      { clearDirtyIfNotChangedSince: seen.dirtyAt!, now: 200 },
    );
    expect(r).toEqual({ dirty: false });
    expect(store.rooms.getRoom(ROOM)).toMatchObject({
      dirty: false,
      cursor: { messageId: "r-7", time: 90 },
      lastSyncedAt: 200,
    });
    expect(store.rooms.listDirty(10)).toEqual([]);
  });

  it("a room marked dirty during the walk stays dirty (the webhook is not lost), though the cursor moves", () => {
    const store = tmp.open();
    store.rooms.markDirty(ROOM, 100);
    const seen = store.rooms.getRoom(ROOM)!; // sync starts
    store.rooms.markDirty(ROOM, 100); // webhook arrives in the same ms, during the walk
    const r = store.rooms.advanceCursor(
      ROOM,
      { messageId: "r-8", time: 95 },
      { clearDirtyIfNotChangedSince: seen.dirtyAt!, now: 150 },
    );
    expect(r).toEqual({ dirty: true });
    expect(store.rooms.getRoom(ROOM)).toMatchObject({ dirty: true, cursor: { messageId: "r-8", time: 95 } });
    expect(store.rooms.listDirty(10).map((x) => x.roomId)).toEqual([ROOM.roomId]);
  });

  it("the cursor never moves back in time, and an empty walk keeps it", () => {
    const store = tmp.open();
    store.rooms.markDirty(ROOM, 1);
    store.rooms.advanceCursor(ROOM, { messageId: "r-9", time: 500 }, { now: 2 });
    store.rooms.advanceCursor(ROOM, { messageId: "r-3", time: 100 }, { now: 3 });
    expect(store.rooms.getRoom(ROOM)?.cursor).toEqual({ messageId: "r-9", time: 500 });
    store.rooms.advanceCursor(ROOM, undefined, { now: 4 });
    expect(store.rooms.getRoom(ROOM)).toMatchObject({
      cursor: { messageId: "r-9", time: 500 },
      lastSyncedAt: 4,
    });
    // No clear requested: the room stays dirty.
    expect(store.rooms.getRoom(ROOM)?.dirty).toBe(true);
    expect(() => store.rooms.advanceCursor({ ...ROOM, roomId: "unknown" }, undefined)).toThrow(
      /unknown room/,
    );
  });

  it("recordRoomError keeps the room dirty with the reason; a later good sync clears the error", () => {
    const store = tmp.open();
    store.rooms.markDirty(ROOM, 1);
    store.rooms.recordRoomError(ROOM, "HTTP 500 from list replies", 2);
    expect(store.rooms.getRoom(ROOM)).toMatchObject({ dirty: true, lastError: "HTTP 500 from list replies" });
    const { dirtyAt } = store.rooms.getRoom(ROOM)!;
    store.rooms.advanceCursor(ROOM, undefined, { clearDirtyIfNotChangedSince: dirtyAt!, now: 3 });
    expect(store.rooms.getRoom(ROOM)).toMatchObject({ dirty: false, lastError: null });
  });

  it("setAmojoChatId keeps Kommo's chat id", () => {
    const store = tmp.open();
    store.rooms.upsertRoom(ROOM);
    store.rooms.setAmojoChatId(ROOM, "6cbab3d5-c4c1-46ea-a3cf-4bb6d2bbd2ec", 7);
    expect(store.rooms.getRoom(ROOM)).toMatchObject({
      amojoChatId: "6cbab3d5-c4c1-46ea-a3cf-4bb6d2bbd2ec",
      updatedAt: 7,
    });
  });
});
