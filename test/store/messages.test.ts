import { describe, expect, it } from "vitest";
import { echoTextHash, type NewInbound, type RoomKey } from "../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const ROOM: RoomKey = { source: "tokopedia", shopId: "481154", roomId: "3000000001234" };

function msg(replyId: string, sentAt = 1_000): NewInbound {
  return {
    ...ROOM,
    platformMessageId: replyId,
    kommoMsgid: `tkp:481154:3000000001234:${replyId}`,
    sender: "buyer",
    senderName: "Budi",
    content: { kind: "text", text: `hello ${replyId}` },
    sentAt,
  };
}

describe("inbound messages", () => {
  it("stores a message once, with exactly one deliver_to_kommo job in its conversation lane", () => {
    const store = tmp.open();
    const first = store.inbound.insertInboundWithJob(msg("5000000000001"), {}, 10);
    expect(first).toMatchObject({ inserted: true });
    const again = store.inbound.insertInboundWithJob({
      ...msg("5000000000001"),
      content: { kind: "text", text: "x" },
    });
    expect(again).toEqual({ inserted: false, id: first.id });
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM jobs").get()).toEqual({ n: 1 });

    const job = store.jobs.get(first.jobId!)!;
    expect(job).toMatchObject({
      kind: "deliver_to_kommo",
      refId: first.id,
      orderingKey: "to_kommo:tokopedia:481154:3000000001234",
      shopKey: "tokopedia:481154",
      runAfter: 10,
    });
    const stored = store.inbound.get(first.id)!;
    expect(stored).toMatchObject({
      state: "pending",
      content: { kind: "text", text: "hello 5000000000001" },
    });

    // Same reply id in another room is another message.
    expect(store.inbound.insertInboundWithJob({ ...msg("5000000000001"), roomId: "other" }).inserted).toBe(
      true,
    );
  });

  it("rolls back the message when its job cannot be written (never a message without a job)", () => {
    const store = tmp.open();
    store.db.exec(
      "CREATE TRIGGER no_jobs BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'jobs table unavailable'); END",
    );
    expect(() => store.inbound.insertInboundWithJob(msg("1"))).toThrow(/jobs table unavailable/);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM inbound_messages").get()).toEqual({ n: 0 });
  });

  it("markDelivered keeps Kommo's ids; markDead only touches pending messages", () => {
    const store = tmp.open();
    const a = store.inbound.insertInboundWithJob(msg("1"));
    const b = store.inbound.insertInboundWithJob(msg("2"));
    store.inbound.markDelivered(a.id, { messageId: "amojo-msg-1", chatId: "amojo-chat-1" });
    store.inbound.markDead(b.id);
    expect(store.inbound.get(a.id)).toMatchObject({
      state: "delivered",
      amojoMessageId: "amojo-msg-1",
      amojoChatId: "amojo-chat-1",
    });
    expect(store.inbound.get(b.id)?.state).toBe("dead");
    store.inbound.markDead(a.id);
    expect(store.inbound.get(a.id)?.state).toBe("delivered");
  });
});

describe("outbound replies", () => {
  const reply = {
    scopeId: "344a5002_52e591f7",
    amojoMessageId: "b8f0bd76-c3ef-4f2f-8a77-5b1e3b4b2a10",
    amojoChatId: "6cbab3d5",
    conversationId: "tkp:481154:3000000001234",
    room: ROOM,
    content: { type: "text", text: "Siap, kak!" },
  };

  it("a redelivered Kommo webhook (same amojo message id) inserts nothing", () => {
    const store = tmp.open();
    const first = store.outbound.insertReplyWithJob(reply, {}, 5);
    expect(first.inserted).toBe(true);
    expect(store.outbound.insertReplyWithJob(reply)).toEqual({ inserted: false, id: first.id });
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM jobs").get()).toEqual({ n: 1 });
    expect(store.jobs.get(first.jobId!)).toMatchObject({
      kind: "deliver_to_marketplace",
      orderingKey: "to_marketplace:tokopedia:481154:3000000001234",
      shopKey: "tokopedia:481154",
      refId: first.id,
    });
    expect(store.outbound.getByAmojoMessageId(reply.amojoMessageId)).toMatchObject({
      state: "pending",
      room: ROOM,
      content: { type: "text", text: "Siap, kak!" },
    });
  });

  it("an unknown room is stored as null and ordered by conversation", () => {
    const store = tmp.open();
    const r = store.outbound.insertReplyWithJob({ ...reply, room: null, conversationId: "tkp:1:2" });
    expect(store.outbound.get(r.id)?.room).toBeNull();
    expect(store.jobs.get(r.jobId!)).toMatchObject({
      orderingKey: "to_marketplace:conversation:tkp:1:2",
      shopKey: null,
    });
  });

  it("markSent / markFailed / markDead record the outcome", () => {
    const store = tmp.open();
    const a = store.outbound.insertReplyWithJob(reply);
    const b = store.outbound.insertReplyWithJob({ ...reply, amojoMessageId: "m2" });
    const c = store.outbound.insertReplyWithJob({ ...reply, amojoMessageId: "m3" });
    store.outbound.markSent(a.id, ["7000000000001"], 9);
    store.outbound.markFailed(b.id, "TK_ERR_ATTACHMENT", "Tokopedia does not accept attachments from Kommo");
    store.outbound.markDead(c.id, "TK_ERR_HTTP", "retries exhausted");
    expect(store.outbound.get(a.id)).toMatchObject({
      state: "sent",
      platformMessageIds: ["7000000000001"],
      updatedAt: 9,
    });
    expect(store.outbound.get(b.id)).toMatchObject({
      state: "failed",
      errorCode: "TK_ERR_ATTACHMENT",
      errorText: "Tokopedia does not accept attachments from Kommo",
      platformMessageIds: [],
    });
    expect(store.outbound.get(c.id)?.state).toBe("dead");
  });
});

describe("echo suppression", () => {
  it("recognises a message by the id the platform returned", () => {
    const store = tmp.open();
    store.echoes.rememberSent(ROOM, { platformMessageIds: ["7000000000001"], text: "Siap", sentAt: 1_000 });
    expect(store.echoes.isEcho(ROOM, "7000000000001", undefined, 99_999_999)).toBe(true);
    expect(store.echoes.isEcho(ROOM, "7000000000002", undefined, 1_000)).toBe(false);
    expect(store.echoes.isEcho({ ...ROOM, roomId: "x" }, "7000000000001", undefined, 1_000)).toBe(false);
  });

  it("without an id, matches by text within the window, once per sent message, stable across re-syncs", () => {
    const store = tmp.open();
    store.echoes.rememberSent(ROOM, { platformMessageIds: [], text: "Siap,  kak!\n", sentAt: 10_000 });
    store.echoes.rememberSent(ROOM, { platformMessageIds: [], text: "Siap, kak!", sentAt: 11_000 });
    // Outside the window: not ours.
    expect(store.echoes.isEcho(ROOM, "r1", "Siap, kak!", 10_000 + 3_600_000)).toBe(false);
    // Two identical replies match two messages; a third identical message is the seller's own.
    expect(store.echoes.isEcho(ROOM, "r2", "Siap, kak!", 10_500)).toBe(true);
    expect(store.echoes.isEcho(ROOM, "r3", "Siap, kak!", 11_200)).toBe(true);
    expect(store.echoes.isEcho(ROOM, "r4", "Siap, kak!", 11_300)).toBe(false);
    // The same sync re-run after a crash still recognises r2 and r3 (by the ids they claimed).
    expect(store.echoes.isEcho(ROOM, "r2", "Siap, kak!", 10_500)).toBe(true);
    expect(store.echoes.isEcho(ROOM, "r3", "Siap, kak!", 11_200)).toBe(true);
    expect(store.echoes.isEcho(ROOM, "r5", "different text", 10_000)).toBe(false);
  });

  it("hashes normalise whitespace only; prune forgets old rows", () => {
    const store = tmp.open();
    expect(echoTextHash(" a  b\n")).toBe(echoTextHash("a b"));
    expect(echoTextHash("a b")).not.toBe(echoTextHash("A b"));
    store.echoes.rememberSent(ROOM, { platformMessageIds: ["1"], sentAt: 100 });
    store.echoes.rememberSent(ROOM, { platformMessageIds: ["2"], sentAt: 900 });
    expect(store.echoes.prune(500)).toBe(1);
    expect(store.echoes.isEcho(ROOM, "1", undefined, 100)).toBe(false);
    expect(store.echoes.isEcho(ROOM, "2", undefined, 900)).toBe(true);
  });
});

describe("webhook de-duplication", () => {
  it("seenOnce is true the first time only, per source; prune forgets entries older than N days", () => {
    const store = tmp.open();
    const day = 86_400_000;
    expect(store.webhooks.seenOnce("tiktokshop", "n-1", 0)).toBe(true);
    expect(store.webhooks.seenOnce("tiktokshop", "n-1", 5)).toBe(false);
    expect(store.webhooks.seenOnce("tokopedia", "n-1", 5)).toBe(true);
    expect(store.webhooks.seenOnce("tiktokshop", "n-2", 6 * day)).toBe(true);
    expect(store.webhooks.prune(8 * day)).toBe(2); // default 7 days: the two at t≈0 go
    expect(store.webhooks.seenOnce("tiktokshop", "n-2", 8 * day)).toBe(false);
    expect(store.webhooks.prune(8 * day, 1)).toBe(1);
    expect(store.webhooks.seenOnce("tiktokshop", "n-1", 8 * day)).toBe(true);
  });

  it("composes with markDirty in one transaction (intake): a failure rolls both back", () => {
    const store = tmp.open();
    expect(() =>
      store.transaction(() => {
        store.webhooks.seenOnce("tiktokshop", "n-9", 1);
        store.rooms.markDirty(ROOM, 1);
        throw new Error("crash before answering");
      }),
    ).toThrow(/crash/);
    expect(store.rooms.getRoom(ROOM)).toBeUndefined();
    expect(store.webhooks.seenOnce("tiktokshop", "n-9", 2)).toBe(true);
  });
});

describe("shop status", () => {
  // Listing, ordering and health are the state parts contract's (test/store/shop-status.contract.ts), run on this
  // store too; the contract goes through the engine's port, which always passes a code.
  it("an error recorded without a code lists a null code", () => {
    const store = tmp.open();
    store.shopStatus.recordShopError({ source: "tiktokshop", shopId: "9" }, { error: "HTTP 500" }, 5);
    expect(store.shopStatus.listShopStatus()).toEqual([
      {
        source: "tiktokshop",
        shopId: "9",
        lastSyncAt: 5,
        lastSuccessAt: null,
        lastError: "HTTP 500",
        lastErrorCode: null,
        lastErrorAt: 5,
        healthy: false,
      },
    ]);
  });
});
