/**
 * The reply-time guard looks at each shop's conversations on their own: old waits of a shop it cannot act on (no
 * Kommo REST access) or not yet due for their own shop must not fill a tick's batch and starve another shop's
 * overdue buyer.
 */
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/bridge/metrics.js";
import type { KommoRestPort } from "../../src/bridge/ports.js";
import { ReplyGuard } from "../../src/bridge/reply-guard.js";
import { type ShopBinding, Topology } from "../../src/bridge/topology.js";
import { useTempDir } from "../store/helpers.js";

const MIN = 60_000;
const T0 = 1_800_000_000_000;
const guardSettings = { enabled: true, warnAfterMinutes: 480, deadlineMinutes: 720, tag: "reply overdue" };

function shop(shopId: string, rest: KommoRestPort | undefined, warnAfterMinutes = 480): ShopBinding {
  return {
    source: "tokopedia",
    shopId,
    shopName: `shop-${shopId}`,
    app: { source: "tokopedia", name: "main", marketplace: {} },
    kommo: {
      name: "acme",
      scopeId: `scope-${shopId}`,
      channelSecret: "x",
      chats: {},
      ...(rest ? { rest } : {}),
    },
    replyGuard: { ...guardSettings, warnAfterMinutes },
  } as unknown as ShopBinding;
}

/** A Kommo REST side that records the tasks it is asked to make. */
function recordingRest(tasks: number[]): KommoRestPort {
  return {
    leadOfChat: async () => 77,
    leadPriceState: async () => ({ price: 0, incoming: false, responsibleUserId: 5 }),
    addLeadTags: async () => {},
    removeLeadTags: async () => {},
    createLeadTask: async (t: { leadId: number }) => {
      tasks.push(t.leadId);
      return 9000 + tasks.length;
    },
    completeTask: async () => {},
    openTasksOfLead: async () => [],
  } as unknown as KommoRestPort;
}

describe("reply-time guard fairness between shops", () => {
  const tmp = useTempDir();

  it("an overdue buyer gets a task although older waits of other shops fill more than a batch", async () => {
    const store = tmp.open();
    const tasks: number[] = [];
    const noRest = shop("1", undefined);
    const slow = shop("3", recordingRest([]), 24 * 60); // its waits are not due yet
    const served = shop("2", recordingRest(tasks));
    const waits = store.replyWaits;
    for (const [s, rooms] of [
      [noRest, ["a1", "a2", "a3"]],
      [slow, ["c1", "c2", "c3"]],
    ] as const) {
      for (const room of rooms) {
        const ref = { source: s.source, shopId: s.shopId, roomId: room };
        await waits.buyerWrote(ref, { at: T0, amojoChatId: `chat-${room}` }, T0);
      }
    }
    const ref = { source: served.source, shopId: served.shopId, roomId: "b1" };
    await waits.buyerWrote(ref, { at: T0 + MIN, amojoChatId: "chat-b1" }, T0 + MIN);

    const guard = new ReplyGuard({
      store: waits,
      topology: new Topology([noRest, slow, served]),
      metrics: createMetrics(),
      now: () => T0 + 9 * 60 * MIN,
      workPerTick: 2,
    });
    guard.start(); // ticks once at once
    await guard.settled();
    await guard.stop();
    expect(tasks).toEqual([77]);
    expect((await waits.get(ref))?.taskState).toBe("open");
    store.close();
  });
});
