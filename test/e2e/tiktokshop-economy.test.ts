/**
 * TikTok Shop economy: Customer Service calls per message, counted in the simulator's request log with
 * its limits on, over real HTTP. A type-14 webhook carries the whole message, so a follow-up reaches Kommo without
 * a read; a new chat costs a read and one look at the conversation list; a text reply costs the send (and a
 * mark-read only when buyer messages are unread). Get Conversations' order is undocumented, so every scenario runs
 * against each order the simulator offers.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts), one per order for its shared daemon: the webhook
 * coalescing windows and the 50 ms between a burst's messages are the daemon's and the simulator's own clock, so
 * the file takes the time its HTTP takes.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { type CallRecord, CONVERSATION_ORDERS } from "../../src/sim/tiktokshop/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { daemonFakeTimeWholeDescribe } from "../helpers/daemon-fake-time.js";
import { waitForMarketplaceJobsDone } from "../helpers/jobs.js";

const isCs = (c: CallRecord) => c.host === "api" && c.path.includes("/customer_service/");
const isRead = (c: CallRecord) => isCs(c) && c.method === "GET" && c.path.endsWith("/messages");
const isList = (c: CallRecord) => isCs(c) && c.method === "GET" && c.path.endsWith("/conversations");
const isMarkRead = (c: CallRecord) => isCs(c) && c.method === "POST" && c.path.endsWith("/messages/read");

describe.each(CONVERSATION_ORDERS)("Get Conversations ordered %s", (order) => {
  const { fake: time, cleanup } = daemonFakeTimeWholeDescribe();
  let bed: TikTokShopTestbed;
  let daemon: RunningDaemon;
  const waitFor = (what: string, done: () => unknown, limitMs?: number) => time().until(what, done, limitMs);

  beforeAll(async () => {
    bed = await time().settle(
      startTikTokShopTestbed({ mode: "webhook", tiktokshop: { conversationOrder: order } }),
      "the testbed",
    );
    cleanup.push(() => bed.close());
    daemon = await time().settle(startConnectedDaemon(bed), "the daemon to start");
    cleanup.push(() => daemon.stop());
    // Other buyers first, so the listing has more than one page and the order matters.
    for (let i = 0; i < 22; i++)
      bed.tiktokshop.buyerSends(bed.shopId, { id: `70${i}`, name: `Other ${i}` }, "hi");
    await waitFor("the other buyers in Kommo", () => kommoIn().length >= 22, 20_000);
    await settle();
  }, 30_000);

  const kommoIn = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
  const convOf = (conversationId: string) => `tts:${bed.shopId}:${conversationId}`;
  const textsOf = (conversationId: string) =>
    kommoIn()
      .filter((m) => m.conversationId === convOf(conversationId))
      .map((m) => m.text);

  /** Every webhook answered and every job done: nothing more will call the platform. */
  async function settle(): Promise<void> {
    await time().settle(bed.tiktokshop.flushWebhooks(), "every webhook answered");
    await time().settle(waitForMarketplaceJobsDone(daemon.store), "no job open");
  }

  /** CS calls made while `fn` runs and the bridge settles afterwards. */
  async function callsDuring(fn: () => Promise<void>): Promise<CallRecord[]> {
    const before = bed.tiktokshop.calls().length;
    await fn();
    await settle();
    return bed.tiktokshop.calls().slice(before).filter(isCs);
  }

  let roomId = "";

  it("a new chat costs at most 3 calls and reaches Kommo with the buyer's name", async () => {
    const calls = await callsDuring(async () => {
      roomId = bed.tiktokshop.buyerSends(
        bed.shopId,
        { id: "5001", name: "Sari", platform: "TOKOPEDIA" },
        "Halo kak",
      ).conversationId;
      await waitFor("the first message in Kommo", () => textsOf(roomId).length === 1);
    });
    expect(calls.length).toBeLessThanOrEqual(3);
    expect(kommoIn().find((m) => m.conversationId === convOf(roomId))?.sender.name).toBe("Sari");
  });

  it("follow-ups announced by webhook reach Kommo with at most 0.2 reads each", async () => {
    const calls = await callsDuring(async () => {
      for (let i = 1; i <= 10; i++) {
        bed.tiktokshop.buyerSends(bed.shopId, { id: "5001", name: "Sari" }, `lanjut ${i}`);
        await waitFor(`follow-up ${i} in Kommo`, () => textsOf(roomId).length === 1 + i);
      }
    });
    expect(calls.filter(isRead).length).toBeLessThanOrEqual(2);
    expect(calls.filter(isList)).toHaveLength(0);
    expect(textsOf(roomId).slice(1)).toEqual(Array.from({ length: 10 }, (_, i) => `lanjut ${i + 1}`));
  });

  it("a burst of 20 messages in 2 s is coalesced and arrives in order", async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `burst ${i + 1}`);
    const calls = await callsDuring(async () => {
      for (const t of texts) {
        bed.tiktokshop.buyerSends(bed.shopId, { id: "5001", name: "Sari" }, t);
        await time().settle(new Promise((r) => setTimeout(r, 50)), "50 ms");
      }
      await waitFor("the burst in Kommo", () => textsOf(roomId).length === 31);
    });
    expect(calls.filter(isRead).length).toBeLessThanOrEqual(1);
    expect(textsOf(roomId).slice(11)).toEqual(texts);
  });

  it("a text reply costs at most 2 calls, and a second one without new buyer messages 1", async () => {
    const conv = convOf(roomId);
    const first = await callsDuring(async () => {
      const id = await time().settle(
        bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "Siap kak" }),
      );
      await waitFor("status of the first reply", () => bed.kommo.deliveryStatuses(id)[0]);
    });
    expect(first.length).toBeLessThanOrEqual(2);
    expect(bed.tiktokshop.unreadCount(roomId)).toBe(0);
    const second = await callsDuring(async () => {
      const id = await time().settle(
        bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "Dikirim besok" }),
      );
      await waitFor("status of the second reply", () => bed.kommo.deliveryStatuses(id)[0]);
    });
    expect(second).toHaveLength(1);
    expect(second.filter(isMarkRead)).toHaveLength(0);
    // The echoes of both replies were recognised without a read and never came back into Kommo as messages.
    expect(first.filter(isRead)).toHaveLength(0);
    expect(second.filter(isRead)).toHaveLength(0);
    expect(textsOf(roomId)).not.toContain("Siap kak");
  });
});
