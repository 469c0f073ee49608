/**
 * The reply-time guard's state (ReplyGuardStore) for every backend: when a buyer's wait starts and ends, the task
 * and tag markers, the conversations with guard work, the per-shop figures and the pruning of old waits.
 */
import { describe, expect, it } from "vitest";
import type { ConversationRef } from "../../src/bridge/reply-guard-store.js";
import type { StatePartsContext } from "./state-parts.harness.js";

const MIN = 60_000;
const T0 = 1_764_000_000_000;
const conv = (roomId: string, shopId = "481154"): ConversationRef => ({
  source: "tokopedia",
  shopId,
  roomId,
});

export function describeReplyWaits(ctx: StatePartsContext): void {
  describe("reply waits: a wait's life", () => {
    it("starts a wait on the first unanswered buyer message unless it already waits; keeps who wrote", async () => {
      const w = ctx.harness.replyWaits;
      const ref = conv("r1");
      expect(await w.get(ref)).toBeUndefined();
      expect(await w.buyerWrote(ref, { at: T0, amojoChatId: "chat-1", buyerName: "Budi" }, T0)).toBe(true);
      expect(await w.buyerWrote(ref, { at: T0 + MIN }, T0 + MIN)).toBe(false); // already waits
      expect(await w.get(ref)).toEqual({
        ...ref,
        amojoChatId: "chat-1",
        buyerName: "Budi",
        waitingSince: T0,
        taskState: "none",
        tagState: "off",
      });
      expect(await w.buyerWrote(ref, { at: T0 + 2 * MIN, buyerName: "Budi S." }, T0 + 2 * MIN)).toBe(false);
      expect((await w.get(ref))?.buyerName).toBe("Budi S.");
      expect(await w.history("tokopedia", "481154", 0)).toEqual([{ roomId: "r1", startedAt: T0 }]);
    });

    it("a reply at or after the wait's start ends it and records the first reply; a later reply only moves lastReplyAt", async () => {
      const w = ctx.harness.replyWaits;
      const ref = conv("r1");
      await w.buyerWrote(ref, { at: T0 }, T0);
      expect(await w.replied(ref, T0 - MIN, T0)).toBe(false); // a reply from before the wait does not end it
      expect((await w.get(ref))?.waitingSince).toBe(T0);
      expect(await w.replied(ref, T0 + 5 * MIN, T0 + 5 * MIN)).toBe(true);
      expect(await w.get(ref)).toMatchObject({ lastReplyAt: T0 + 5 * MIN });
      expect((await w.get(ref))?.waitingSince).toBeUndefined();
      expect(await w.replied(ref, T0 + 9 * MIN, T0 + 9 * MIN)).toBe(false); // nobody waited
      expect((await w.get(ref))?.lastReplyAt).toBe(T0 + 9 * MIN);
      expect(await w.replied(ref, T0 + 7 * MIN, T0 + 10 * MIN)).toBe(false); // an older reply read late
      expect((await w.get(ref))?.lastReplyAt).toBe(T0 + 9 * MIN);
      expect(await w.history("tokopedia", "481154", 0)).toEqual([
        { roomId: "r1", startedAt: T0, firstReplyAt: T0 + 5 * MIN },
      ]);
      expect(await w.replied(conv("unknown"), T0, T0)).toBe(false);
      expect(await w.get(conv("unknown"))).toBeUndefined();
    });

    it("a buyer message older than the last reply (read late) starts no wait; a newer one starts the next wait", async () => {
      const w = ctx.harness.replyWaits;
      const ref = conv("r1");
      await w.buyerWrote(ref, { at: T0 }, T0);
      await w.replied(ref, T0 + 10 * MIN, T0 + 10 * MIN);
      expect(await w.buyerWrote(ref, { at: T0 + 5 * MIN }, T0 + 11 * MIN)).toBe(false);
      expect((await w.get(ref))?.waitingSince).toBeUndefined();
      expect(await w.buyerWrote(ref, { at: T0 + 20 * MIN }, T0 + 20 * MIN)).toBe(true);
      expect(await w.waitingNow("tokopedia", "481154")).toEqual({ count: 1, oldestSince: T0 + 20 * MIN });
      expect((await w.history("tokopedia", "481154", T0 + MIN)).map((e) => e.startedAt)).toEqual([
        T0 + 20 * MIN,
      ]);
    });
  });

  describe("reply waits: task, tag and lead", () => {
    it("records the task from creating (with its marker) to open to closed, the tag and the lead", async () => {
      const w = ctx.harness.replyWaits;
      const ref = conv("r1");
      await w.buyerWrote(ref, { at: T0 }, T0);
      await w.setLead(ref, 9_007_199_254_740_000, T0 + 1);
      await w.taskCreating(ref, "tk-guard-abc", T0 + 2);
      expect(await w.get(ref)).toMatchObject({
        leadId: 9_007_199_254_740_000,
        taskState: "creating",
        taskMarker: "tk-guard-abc",
        taskSince: T0 + 2,
      });
      await w.taskOpened(ref, 4242, T0 + 3);
      await w.setTag(ref, "pending", T0 + 3);
      expect(await w.get(ref)).toMatchObject({
        taskState: "open",
        taskId: 4242,
        taskMarker: "tk-guard-abc",
        taskSince: T0 + 3,
        tagState: "pending",
      });
      await w.taskClosed(ref, T0 + 4);
      await w.setTag(ref, "off", T0 + 4);
      const after = await w.get(ref);
      expect(after).toMatchObject({ taskState: "none", tagState: "off", leadId: 9_007_199_254_740_000 });
      expect(after?.taskId).toBeUndefined();
      expect(after?.taskMarker).toBeUndefined();
      expect(after?.taskSince).toBeUndefined();
    });

    it("needingWork: a shop's waits old enough without task or tag in place, and answered ones still marked; oldest first", async () => {
      const w = ctx.harness.replyWaits;
      const shop = { source: "tokopedia" as const, shopId: "481154" };
      await w.buyerWrote(conv("young"), { at: T0 + 50 * MIN }, T0 + 50 * MIN); // not old enough
      await w.buyerWrote(conv("old"), { at: T0 + 10 * MIN }, T0 + 10 * MIN);
      await w.buyerWrote(conv("oldest"), { at: T0 }, T0);
      await w.buyerWrote(conv("done"), { at: T0 + 5 * MIN }, T0 + 5 * MIN); // task and tag in place
      await w.taskOpened(conv("done"), 1, T0 + 6 * MIN);
      await w.setTag(conv("done"), "on", T0 + 6 * MIN);
      await w.buyerWrote(conv("answered"), { at: T0 }, T0); // answered with its task still open
      await w.taskOpened(conv("answered"), 2, T0 + MIN);
      await w.replied(conv("answered"), T0 + 60 * MIN, T0 + 60 * MIN);
      await w.buyerWrote(conv("quiet"), { at: T0 }, T0); // answered, nothing to undo
      await w.replied(conv("quiet"), T0 + MIN, T0 + MIN);
      await w.buyerWrote(conv("other-shop", "1"), { at: T0 }, T0);

      const work = await w.needingWork(T0 + 30 * MIN, 10, shop);
      expect(work.map((r) => r.roomId)).toEqual(["answered", "oldest", "old"]);
      expect((await w.needingWork(T0 + 30 * MIN, 2, shop)).map((r) => r.roomId)).toEqual([
        "answered",
        "oldest",
      ]);
      expect((await w.needingWork(T0 + 30 * MIN, 10, { source: "tokopedia", shopId: "1" })).length).toBe(1);
    });
  });

  describe("reply waits: figures and pruning", () => {
    it("waitingNow counts a shop's waiting conversations; none waiting has no oldest", async () => {
      const w = ctx.harness.replyWaits;
      expect(await w.waitingNow("tokopedia", "481154")).toEqual({ count: 0 });
      await w.buyerWrote(conv("a"), { at: T0 + MIN }, T0 + MIN);
      await w.buyerWrote(conv("b"), { at: T0 }, T0);
      await w.buyerWrote(conv("c", "2"), { at: T0 - MIN }, T0);
      expect(await w.waitingNow("tokopedia", "481154")).toEqual({ count: 2, oldestSince: T0 });
    });

    it("history lists a shop's waits begun since a time, in start order", async () => {
      const w = ctx.harness.replyWaits;
      for (const [room, at] of [
        ["b", T0 + 2 * MIN],
        ["a", T0 + MIN],
        ["z", T0 - MIN],
      ] as const) {
        await w.buyerWrote(conv(room), { at }, at);
      }
      await w.replied(conv("a"), T0 + 3 * MIN, T0 + 3 * MIN);
      await w.buyerWrote(conv("x", "2"), { at: T0 + MIN }, T0 + MIN);
      expect(await w.history("tokopedia", "481154", T0)).toEqual([
        { roomId: "a", startedAt: T0 + MIN, firstReplyAt: T0 + 3 * MIN },
        { roomId: "b", startedAt: T0 + 2 * MIN },
      ]);
    });

    it("caches the platform's figures per shop, the last save winning", async () => {
      const w = ctx.harness.replyWaits;
      expect(await w.csPerformance("tiktokshop", "9")).toBeUndefined();
      await w.saveCsPerformance("tiktokshop", "9", T0, { responseRate: 0.9, nested: { a: [1, "x"] } });
      await w.saveCsPerformance("tiktokshop", "9", T0 + MIN, { responseRate: 0.95 });
      await w.saveCsPerformance("tiktokshop", "10", T0, { responseRate: 0.5 });
      expect(await w.csPerformance("tiktokshop", "9")).toEqual({
        fetchedAt: T0 + MIN,
        figures: { responseRate: 0.95 },
      });
    });

    it("prune deletes waits begun before the cutoff and idle conversations last touched before it, nothing else", async () => {
      const w = ctx.harness.replyWaits;
      const cutoff = T0 + 100 * MIN;
      await w.buyerWrote(conv("idle"), { at: T0 }, T0); // answered long ago: its row and its wait go
      await w.replied(conv("idle"), T0 + MIN, T0 + MIN);
      await w.buyerWrote(conv("waiting"), { at: T0 }, T0); // still waits: the row stays, its old wait goes
      await w.buyerWrote(conv("tagged"), { at: T0 }, T0); // answered with the tag on the lead: stays
      await w.setTag(conv("tagged"), "on", T0);
      await w.replied(conv("tagged"), T0 + MIN, T0 + MIN);
      await w.buyerWrote(conv("tasked"), { at: T0 }, T0); // answered with a task still open: stays
      await w.taskOpened(conv("tasked"), 5, T0);
      await w.replied(conv("tasked"), T0 + MIN, T0 + MIN);
      await w.buyerWrote(conv("recent"), { at: cutoff + MIN }, cutoff + MIN); // recent: all stays
      await w.replied(conv("recent"), cutoff + 2 * MIN, cutoff + 2 * MIN);

      // 4 old waits (idle, waiting, tagged, tasked) + 1 idle conversation.
      expect(await w.prune(cutoff)).toBe(5);
      expect(await w.get(conv("idle"))).toBeUndefined();
      for (const room of ["waiting", "tagged", "tasked", "recent"])
        expect(await w.get(conv(room))).toBeDefined();
      expect((await w.history("tokopedia", "481154", 0)).map((e) => e.roomId)).toEqual(["recent"]);
      expect(await w.prune(cutoff)).toBe(0);
    });
  });
}
