/**
 * Retention (config retention.days): finished history older than the retention is pruned in small batches, and
 * nothing that de-duplication or unfinished work still needs. Every time comes from an injected clock.
 */
import { describe, expect, it } from "vitest";
import { type Store, shopKey } from "../../src/store/index.js";
import { Pruner } from "../../src/store/retention.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const DAY = 86_400_000;
const NOW = 1_000 * DAY;
const room = (roomId: string) => ({ source: "tokopedia" as const, shopId: "481154", roomId });

/** A buyer message written `ageDays` ago, delivered (its job done) unless told otherwise. */
function inbound(
  store: Store,
  roomId: string,
  n: number,
  ageDays: number,
  outcome: "delivered" | "pending" | "dead" = "delivered",
) {
  const at = NOW - ageDays * DAY;
  const { id } = store.inbound.insertInboundWithJob(
    {
      ...room(roomId),
      platformMessageId: `m${n}`,
      kommoMsgid: `tkp:481154:${roomId}:m${n}`,
      sender: "buyer",
      content: { type: "text", text: `pesan ${n}` },
      sentAt: at,
    },
    {},
    at,
  );
  const [job] = store.jobs.claimNext({ now: at, leaseMs: 10_000, limit: 1, kinds: ["deliver_to_kommo"] });
  expect(job?.refId).toBe(id);
  if (outcome === "delivered") {
    store.inbound.markDelivered(id, { messageId: `amojo-${n}` });
    store.jobs.complete(job!, at + 1);
  } else if (outcome === "dead") {
    store.jobs.kill(job!.id, "refused", { now: at + 1 });
    store.inbound.markDead(id);
  } else {
    store.jobs.fail(job!, { error: "503", retryAt: NOW + DAY, now: at + 1 });
  }
  return id;
}

function reply(store: Store, roomId: string, n: number, ageDays: number, sent: boolean) {
  const at = NOW - ageDays * DAY;
  const { id } = store.outbound.insertReplyWithJob(
    {
      scopeId: "scope",
      amojoMessageId: `amojo-reply-${n}`,
      room: room(roomId),
      content: { type: "text", text: "ok" },
    },
    {},
    at,
  );
  const [job] = store.jobs.claimNext({
    now: at,
    leaseMs: 10_000,
    limit: 1,
    kinds: ["deliver_to_marketplace"],
  });
  expect(job?.refId).toBe(id);
  if (sent) {
    store.outbound.markSent(id, [`p${n}`], at + 1);
    store.jobs.complete(job!, at + 1);
  } else store.jobs.fail(job!, { error: "503", retryAt: NOW + DAY, now: at + 1 }); // waits for its retry
  return id;
}

const count = (store: Store, table: string) =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe("retention: what is pruned", () => {
  it("prunes old finished history only, keeping what de-duplication and unfinished work need", async () => {
    const store = tmp.open();
    store.rooms.saveRoom({ ...room("read"), conversationId: "c1" }, NOW - 60 * DAY);
    store.rooms.saveRoom({ ...room("unread"), conversationId: "c2" }, NOW - 60 * DAY);
    // Written in time order, as the daemon writes them (ids follow creation time).
    const oldDelivered = inbound(store, "read", 1, 40);
    const oldButRoomNotPast = inbound(store, "unread", 2, 40);
    store.rooms.saveRoom({ ...room("busy"), conversationId: "c3" }, NOW - 60 * DAY);
    const oldPending = inbound(store, "busy", 3, 40, "pending");
    const oldDead = inbound(store, "read", 5, 40, "dead");
    const oldSent = reply(store, "read", 1, 40, true);
    const oldUnsent = reply(store, "busy", 2, 40, false);
    store.echoes.rememberSent(room("read"), {
      platformMessageIds: ["e-old"],
      text: "ok",
      sentAt: NOW - 40 * DAY,
    });
    store.echoes.rememberSent(room("unread"), {
      platformMessageIds: ["e-kept"],
      text: "ok",
      sentAt: NOW - 40 * DAY,
    });
    const deadJob = store.jobs.enqueue({ kind: "sync_room", shopKey: shopKey(room("read")) }, NOW - 40 * DAY);
    store.jobs.kill(deadJob, "gave up", { now: NOW - 40 * DAY });
    store.webhooks.seenOnce("tiktokshop", "n-old", NOW - 8 * DAY);
    store.webhooks.seenOnce("tiktokshop", "n-new", NOW - 6 * DAY);
    const recent = inbound(store, "read", 4, 5);
    const recentSent = reply(store, "read", 3, 5, true);
    store.echoes.rememberSent(room("read"), {
      platformMessageIds: ["e-new"],
      text: "ok",
      sentAt: NOW - 5 * DAY,
    });
    // The "read" and "busy" rooms' syncs are past every message; the "unread" one's cursor is before its message.
    store.rooms.advanceCursor(room("read"), { messageId: "m9", time: NOW - DAY }, { now: NOW - DAY });
    store.rooms.advanceCursor(room("busy"), { messageId: "m9", time: NOW - DAY }, { now: NOW - DAY });
    store.rooms.advanceCursor(room("unread"), { messageId: "m0", time: NOW - 50 * DAY }, { now: NOW - DAY });

    const counts = await new Pruner(store).prune({ now: NOW, days: 30 });

    // Jobs: the done ones of the two old delivered messages and of the old sent reply.
    expect(counts).toEqual({ jobs: 3, inbound: 1, outbound: 1, echoes: 1, webhooks: 1 });
    expect(store.inbound.get(oldDelivered)).toBeUndefined();
    for (const id of [oldButRoomNotPast, oldPending, oldDead, recent])
      expect(store.inbound.get(id)).toBeDefined();
    expect(store.outbound.get(oldSent)).toBeUndefined();
    for (const id of [oldUnsent, recentSent]) expect(store.outbound.get(id)).toBeDefined();
    expect(store.echoes.isEcho(room("read"), "e-old", undefined, 0)).toBe(false);
    expect(store.echoes.isEcho(room("unread"), "e-kept", undefined, 0)).toBe(true);
    expect(store.echoes.isEcho(room("read"), "e-new", undefined, 0)).toBe(true);
    expect(store.webhooks.seenOnce("tiktokshop", "n-old", NOW)).toBe(true); // forgotten
    expect(store.webhooks.seenOnce("tiktokshop", "n-new", NOW)).toBe(false); // still remembered
    // Pending, dead and recent jobs stay.
    expect(store.jobs.get(deadJob)?.state).toBe("dead");
    expect(count(store, "jobs")).toBe(6);
    expect(store.jobs.counts().reduce((n, c) => n + c.pending + c.dead, 0)).toBe(4);

    // A re-read of the message whose room was not past it is still refused as a duplicate.
    const again = store.inbound.insertInboundWithJob(
      {
        ...room("unread"),
        platformMessageId: "m2",
        kommoMsgid: "x",
        sender: "buyer",
        content: {},
        sentAt: 0,
      },
      {},
      NOW,
    );
    expect(again.inserted).toBe(false);
    // A second pass finds nothing more.
    expect(await new Pruner(store).prune({ now: NOW, days: 30 })).toEqual({
      jobs: 0,
      inbound: 0,
      outbound: 0,
      echoes: 0,
      webhooks: 0,
    });
  });

  it("deletes in batches of at most batchRows, one short transaction each, yielding between them", async () => {
    const store = tmp.open();
    for (let i = 0; i < 1_234; i++) {
      const at = NOW - 40 * DAY + i;
      store.jobs.enqueue({ kind: "sync_room", orderingKey: `k${i}` }, at);
    }
    for (const job of store.jobs.claimNext({ now: NOW - 40 * DAY + 2_000, leaseMs: 1_000, limit: 2_000 }))
      store.jobs.complete(job, NOW - 40 * DAY + 3_000);
    const sizes: number[] = [];
    const transaction = store.transaction.bind(store);
    store.transaction = <T>(fn: () => T): T => {
      const r = transaction(fn);
      if (typeof r === "number") sizes.push(r);
      return r;
    };
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const counts = await new Pruner(store).prune({ now: NOW, days: 30, batchRows: 100 });
    clearInterval(ticker);
    expect(counts.jobs).toBe(1_234);
    expect(count(store, "jobs")).toBe(0);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(100);
    expect(sizes.filter((n) => n > 0).length).toBeGreaterThanOrEqual(13);
    expect(turns).toBeGreaterThan(0); // other work ran between batches
  });
});

// The timer (startRetention) is the state parts contract's (test/store/retention.contract.ts), on both backends.
