/**
 * `tokokommo status --json` reply-time figures against a scripted history with known answers: waits begun and
 * answered at known times are written through the guard's state port, then status reads them back. On both state
 * backends: the history is written where a daemon of the testbed keeps its state, and status reads it there.
 */
import { afterEach, describe, expect, it } from "vitest";
import { statusCommand } from "../../src/cli/commands/status.js";
import type { ReplyStatus } from "../../src/cli/commands/status-replies.js";
import { openStateBesideDaemon } from "../../src/daemon/open-daemon-state.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
let bed: TikTokShopTestbed | undefined;

afterEach(async () => {
  await bed?.close();
  bed = undefined;
});

type StateStore = Awaited<ReturnType<typeof openStateBesideDaemon>>;

/**
 * `tokokommo status` of a new TikTok Shop testbed once `write` put its history where the testbed's daemon keeps
 * its state (`statePathFor`: the describe block's backend).
 */
async function statusAfter(
  statePathFor: (bed: { statePath: string }) => Promise<string>,
  write: (store: StateStore, bed: TikTokShopTestbed) => Promise<void>,
) {
  const b = await startTikTokShopTestbed({ mode: "webhook" });
  bed = b;
  const statePath = await statePathFor(b);
  const store = await openStateBesideDaemon(statePath);
  try {
    await write(store, b);
  } finally {
    await store.close();
  }
  return statusCommand({ state: statePath }, { config: b.configPath });
}

describe.each(STATE_BACKENDS)("status: reply-time figures, state in $name", (backend) => {
  const statePathFor = backend.use();

  it("shows waiting now, the oldest wait, the share within the deadline and the median first reply", async () => {
    const now = Date.now();
    // [room, buyer wrote (h ago), first reply after (min) or undefined]
    const script: Array<[string, number, number | undefined]> = [
      ["r1", 48, 30], // within 12 h
      ["r2", 40, 600], // within (10 h)
      ["r3", 30, 780], // late (13 h)
      ["r4", 20, undefined], // unanswered past the deadline: late, and still waiting
      ["r5", 2, undefined], // waiting, not yet decided
      ["r6", 9 * 24, 5], // older than 7 days: not counted
      ["r7", 5, 60], // within
    ];
    const status = await statusAfter(statePathFor, async (store, bed) => {
      for (const [roomId, hoursAgo, replyAfter] of script) {
        const ref = { source: "tiktokshop" as const, shopId: bed.shopId, roomId };
        const at = now - hoursAgo * HOUR;
        await store.replyWaits.buyerWrote(ref, { at }, at);
        if (replyAfter !== undefined) await store.replyWaits.replied(ref, at + replyAfter * MIN, at);
      }
      // A second buyer message while waiting does not restart the wait.
      await store.replyWaits.buyerWrote(
        { source: "tiktokshop", shopId: bed.shopId, roomId: "r4" },
        { at: now - HOUR },
        now,
      );
    });
    const replies = (status.json as { shops: Array<{ replies: ReplyStatus }> }).shops[0]!.replies;
    expect(replies.waitingNow).toBe(2);
    expect(Math.abs(replies.oldestWaitMs! - 20 * HOUR)).toBeLessThan(MIN);
    expect(replies.decided).toBe(5);
    expect(replies.answeredWithinDeadline).toBe(3);
    expect(replies.shareWithinDeadline).toBeCloseTo(0.6);
    expect(replies.medianFirstReplyMs).toBe(330 * MIN); // (60 + 600) / 2 of 30, 60, 600, 780
    expect(status.text).toContain(
      `replies tiktokshop:${bed!.shopId}: waiting now 2 (oldest 20 h 0 min); last 7 days: 60% of 5 answered within 12 h 0 min, median first reply 5 h 30 min`,
    );
  });
});

describe.each(STATE_BACKENDS)("status: leads waiting for acceptance, state in $name", (backend) => {
  const statePathFor = backend.use();

  it("counts each shop's leads held back until a manager accepts them, with the oldest", async () => {
    const now = Date.now();
    let shopKey = "";
    const status = await statusAfter(statePathFor, async (store, bed) => {
      shopKey = `tiktokshop:${bed.shopId}`;
      await store.pendingLeads.add({
        shopKey,
        leadId: 11,
        amojoChatId: "c11",
        tags: ["a"],
        since: now - 3 * HOUR,
      });
      await store.pendingLeads.add({
        shopKey,
        leadId: 12,
        amojoChatId: "c12",
        tags: ["a"],
        since: now - HOUR,
      });
      await store.pendingLeads.add({
        shopKey: "tiktokshop:other",
        leadId: 13,
        amojoChatId: "c13",
        tags: [],
        since: now,
      });
    });
    const line = (
      status.json as { shops: Array<{ leadsAwaitingAcceptance?: { count: number; oldestSince: number } }> }
    ).shops[0]!;
    expect(line.leadsAwaitingAcceptance).toEqual({ count: 2, oldestSince: now - 3 * HOUR });
    expect(status.text).toContain(
      `leads ${shopKey}: 2 wait for a manager to accept them in Kommo (oldest 3 h 0 min)`,
    );
  });
});
