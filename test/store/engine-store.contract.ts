/**
 * One contract suite for every backend of the engine's asynchronous state port (EngineStore): it checks the
 * rules written at the top of src/bridge/store-port.ts through the interface only, never a backend's tables.
 *
 * Usage (in a *.test.ts file):
 *   runEngineStoreContract("postgres", async () => ({ open: (o) => PostgresEngineStore.open(url, o), close }));
 * `open` may be called more than once: each call is another process's store ("replica") on the same database.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { NewJobOf } from "../../src/bridge/job-kinds.js";
import type { QueuedJob } from "../../src/bridge/job-runner.js";
import type { EngineStore, SourceRoomRef } from "../../src/bridge/store-port.js";
import { describeReplicas } from "./engine-store-replicas.contract.js";
import { describeClaims, describeLeases } from "./job-queue.contract.js";

export interface StoreBackendHarness {
  /** Opens a store on the harness's (one, fresh) database; again for a second replica. */
  open(opts?: { retryBudget?: number }): Promise<EngineStore>;
  /** Closes what `open` opened and drops the database. */
  close(): Promise<void>;
}

export type StoreBackendFactory = () => Promise<StoreBackendHarness>;

export const ROOM: SourceRoomRef = { source: "tokopedia", shopId: "481154", roomId: "7799" };

/** A sync_room job on `key` (the suite's jobs; the kind does not matter to the queue). */
export function syncJob(key: string, runAfter?: number): NewJobOf {
  return {
    kind: "sync_room",
    orderingKey: key,
    shopKey: "tokopedia:481154",
    payload: ROOM,
    ...(runAfter !== undefined ? { runAfter } : {}),
  };
}

export const claimAll = (store: EngineStore, now: number, leaseMs = 60_000): Promise<QueuedJob[]> =>
  store.jobs.claimNext({ now, leaseMs, limit: 100 });

export function inbound(messageId: string, room: SourceRoomRef = ROOM) {
  return {
    ...room,
    platformMessageId: messageId,
    kommoMsgId: `tkp:${room.shopId}:${room.roomId}:${messageId}`,
    sender: "buyer" as const,
    contentJson: JSON.stringify({ type: "text", text: `hello ${messageId}` }),
    sentAt: 1_700_000_000_000,
  };
}

/**
 * `replicas: false` for a backend that one process holds alone (SQLite: the daemon lock keeps a second daemon off the
 * file, and two connections of one process cannot both hold transactions open across awaits).
 */
export function runEngineStoreContract(
  name: string,
  factory: StoreBackendFactory,
  o: { replicas?: boolean } = {},
): void {
  describe(`EngineStore contract: ${name}`, () => {
    const ctx = {
      harness: undefined as unknown as StoreBackendHarness,
      store: undefined as unknown as EngineStore,
    };
    beforeEach(async () => {
      ctx.harness = await factory();
      ctx.store = await ctx.harness.open();
    });
    afterEach(async () => {
      await ctx.harness?.close();
    });
    describeTransactions(ctx);
    describeMessages(ctx);
    describeRoomsAndEchoes(ctx);
    describeClaims(ctx);
    describeLeases(ctx);
    if (o.replicas !== false) describeReplicas(ctx);
  });
}

export interface ContractContext {
  harness: StoreBackendHarness;
  store: EngineStore;
}

function describeTransactions(ctx: ContractContext): void {
  it("commits a transaction's writes together when its function resolves", async () => {
    const now = 1_000;
    await ctx.store.transaction(async (tx) => {
      await tx.markDirty(ROOM, now);
      expect(
        await tx.insertInbound(inbound("m1"), { orderingKey: "k", shopKey: "tokopedia:481154" }, now),
      ).toBe(true);
    });
    expect((await ctx.store.getRoom(ROOM))?.dirty).toBe(true);
    const [job] = await claimAll(ctx.store, now);
    expect(job?.kind).toBe("deliver_to_kommo");
    expect((await ctx.store.getInbound(job!.refId!))?.platformMessageId).toBe("m1");
  });

  it("rolls every write back when the function rejects, and passes its error on", async () => {
    const boom = new Error("boom");
    await expect(
      ctx.store.transaction(async (tx) => {
        await tx.markDirty(ROOM, 1_000);
        await tx.enqueue(syncJob("k"), 1_000);
        expect(await tx.seenOnce("tokopedia", "n1", 1_000)).toBe(true);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await ctx.store.getRoom(ROOM)).toBeUndefined();
    expect(await ctx.store.jobCounts()).toEqual([]);
    expect(await ctx.store.seenOnce("tokopedia", "n1", 2_000)).toBe(true);
  });

  it("returns the function's result", async () => {
    expect(await ctx.store.transaction(async (tx) => tx.enqueue(syncJob("k"), 1_000))).toEqual(
      expect.any(Number),
    );
  });

  it("never lets a call on the store join a transaction that is open meanwhile", async () => {
    let outside: Promise<boolean> | undefined;
    await expect(
      ctx.store.transaction(async (tx) => {
        await tx.markDirty(ROOM, 1_000);
        // Issued while the transaction is open, not awaited inside it (SQLite makes it wait for the transaction).
        outside = ctx.store.seenOnce("tokopedia", "outside", 1_000);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await outside).toBe(true);
    expect(await ctx.store.getRoom(ROOM)).toBeUndefined();
    // The outside write was its own: committed although the transaction rolled back.
    expect(await ctx.store.seenOnce("tokopedia", "outside", 2_000)).toBe(false);
  });
}

function describeMessages(ctx: ContractContext): void {
  it("stores a message and its job once; a repeat stores nothing", async () => {
    const job = { orderingKey: "to_kommo:r", shopKey: "tokopedia:481154" };
    expect(await ctx.store.insertInbound(inbound("m1"), job, 1_000)).toBe(true);
    expect(await ctx.store.insertInbound(inbound("m1"), job, 2_000)).toBe(false);
    const reply = {
      scopeId: "s",
      amojoMessageId: "a1",
      ...ROOM,
      contentJson: JSON.stringify({ text: "hi" }),
    };
    expect(await ctx.store.insertOutbound(reply, { orderingKey: "to_mp:r", shopKey: "x" }, 1_000)).toBe(true);
    expect(await ctx.store.insertOutbound(reply, { orderingKey: "to_mp:r", shopKey: "x" }, 2_000)).toBe(
      false,
    );
    expect((await ctx.store.jobCountsByKind()).map((c) => [c.kind, c.pending])).toEqual([
      ["deliver_to_kommo", 1],
      ["deliver_to_marketplace", 1],
    ]);
  });

  it("reads back messages and replies as stored, ids as numbers", async () => {
    await ctx.store.insertInbound(inbound("m1"), { orderingKey: "a", shopKey: "s" }, 1_000);
    const reply = {
      scopeId: "s",
      amojoMessageId: "a1",
      ...ROOM,
      contentJson: JSON.stringify({ text: "hi" }),
    };
    await ctx.store.insertOutbound(reply, { orderingKey: "b", shopKey: "s" }, 1_000);
    const jobs = await claimAll(ctx.store, 1_000);
    const [toKommo, toMarketplace] = [...jobs].sort((a, b) => a.kind.localeCompare(b.kind));
    expect(typeof toKommo!.id).toBe("number");
    const message = await ctx.store.getInbound(toKommo!.refId!);
    expect(message).toMatchObject({ ...inbound("m1"), state: "pending" });
    await ctx.store.markInboundDelivered(message!.id, { amojoMessageId: "am1", amojoChatId: "chat" });
    expect(await ctx.store.getInbound(message!.id)).toMatchObject({
      state: "delivered",
      amojoMessageId: "am1",
    });
    const stored = await ctx.store.getOutbound(toMarketplace!.refId!);
    expect(stored).toMatchObject({
      ...reply,
      state: "pending",
      createdAt: 1_000,
      partsSent: 0,
      platformMessageIds: [],
    });
  });

  it("records reply parts in order only, then the reply as sent or failed", async () => {
    const reply = { scopeId: "s", amojoMessageId: "a1", contentJson: "{}" };
    await ctx.store.insertOutbound(reply, { orderingKey: "b", shopKey: "s" }, 1_000);
    const [job] = await claimAll(ctx.store, 1_000);
    const id = job!.refId!;
    expect(await ctx.store.markOutboundPartSent(id, 1, ["p2"])).toBe(false);
    expect(await ctx.store.markOutboundPartSent(id, 0, ["p1"])).toBe(true);
    expect(await ctx.store.markOutboundPartSent(id, 0, ["p1"])).toBe(false);
    expect(await ctx.store.markOutboundPartSent(id, 1, ["p2"])).toBe(true);
    expect(await ctx.store.getOutbound(id)).toMatchObject({ partsSent: 2, platformMessageIds: ["p1", "p2"] });
    await ctx.store.markOutboundSent(id, ["p1", "p2"]);
    expect((await ctx.store.getOutbound(id))?.state).toBe("sent");
    await ctx.store.markOutboundFailed(id, "TK_ERR_X", "no");
    expect(await ctx.store.getOutbound(id)).toMatchObject({
      state: "failed",
      platformMessageIds: ["p1", "p2"],
    });
  });
}

function describeRoomsAndEchoes(ctx: ContractContext): void {
  it("keeps the room's cursor and dirty flag by the walk rules", async () => {
    await ctx.store.upsertRoom(
      { ...ROOM, conversationId: "c1", buyerId: "b1", initialCursorTime: 500 },
      1_000,
    );
    await ctx.store.upsertRoom({ ...ROOM, conversationId: "c1", initialCursorTime: 900 }, 2_000);
    expect(await ctx.store.getRoom(ROOM)).toMatchObject({
      cursorTime: 500,
      buyerId: "b1",
      buyerName: "",
      dirty: false,
    });
    await ctx.store.markDirty(ROOM, 3_000);
    await ctx.store.markDirty(ROOM, 3_000);
    const walkStart = (await ctx.store.getRoom(ROOM))!.dirtyAt!;
    expect(walkStart).toBe(3_001);
    await ctx.store.markDirty(ROOM, 3_000); // a webhook during the walk
    await ctx.store.advanceCursor(ROOM, { messageId: "m9", time: 800 }, walkStart);
    expect(await ctx.store.getRoom(ROOM)).toMatchObject({
      dirty: true,
      cursorMessageId: "m9",
      cursorTime: 800,
    });
    await ctx.store.advanceCursor(ROOM, { messageId: "old", time: 100 }, 9_999); // never back in time
    expect(await ctx.store.getRoom(ROOM)).toMatchObject({
      dirty: false,
      cursorMessageId: "m9",
      cursorTime: 800,
    });
    await ctx.store.setAmojoChatId(ROOM, "chat");
    await ctx.store.markLeadTagsQueued(ROOM);
    expect(await ctx.store.getRoom(ROOM)).toMatchObject({ amojoChatId: "chat", leadTagsQueued: true });
    await expect(ctx.store.advanceCursor({ ...ROOM, roomId: "nope" }, undefined, 1)).rejects.toThrow(
      /unknown room/,
    );
  });

  it("keeps webhook fallbacks until a walk covers them, one per message id", async () => {
    const msg = (id: string) => ({
      messageId: id,
      sender: "buyer",
      sentAt: 1,
      content: { type: "text", text: id },
    });
    await ctx.store.addFallback(ROOM, msg("f1") as never, 100);
    await ctx.store.addFallback(ROOM, msg("f2") as never, 200);
    await ctx.store.addFallback(ROOM, msg("f1") as never, 300);
    expect((await ctx.store.listFallbacks(ROOM)).map((m) => m.messageId)).toEqual(["f1", "f2"]);
    await ctx.store.clearFallbacks(ROOM, 150);
    expect((await ctx.store.listFallbacks(ROOM)).map((m) => m.messageId)).toEqual(["f2"]);
  });

  it("recognises echoes by id, or once by text near the send time", async () => {
    await ctx.store.rememberEcho(ROOM, ["p1"], "hello", 10_000);
    await ctx.store.rememberEcho(ROOM, [], "no  id", 10_000);
    expect(await ctx.store.isEcho(ROOM, "p1", undefined, 0)).toBe(true);
    expect(await ctx.store.isEcho(ROOM, "x1", "no id", 10_500)).toBe(true);
    expect(await ctx.store.isEcho(ROOM, "x2", "no id", 10_500)).toBe(false);
    expect(await ctx.store.isEcho(ROOM, "x1", undefined, 0)).toBe(true);
    expect(await ctx.store.isEcho(ROOM, "x3", "other", 10_000)).toBe(false);
  });

  it("sees a webhook notification once, and keeps per-shop sync status", async () => {
    expect(await ctx.store.seenOnce("tokopedia", "n1", 1)).toBe(true);
    expect(await ctx.store.seenOnce("tokopedia", "n1", 2)).toBe(false);
    expect(await ctx.store.seenOnce("tiktokshop", "n1", 2)).toBe(true);
    expect(await ctx.store.lastSyncSuccess("tokopedia", "481154")).toBeUndefined();
    await ctx.store.recordSyncSuccess("tokopedia", "481154", 5_000);
    await ctx.store.recordShopError("tokopedia", "481154", "TK_ERR_X", "down", 6_000);
    expect(await ctx.store.lastSyncSuccess("tokopedia", "481154")).toBe(5_000);
  });
}
