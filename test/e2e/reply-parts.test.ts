/**
 * Long replies and pictures split into parts over real HTTP (TikTok Shop simulator -> daemon -> Kommo simulator),
 * a part failing on the way. On the daemon's fake time (test/helpers/daemon-fake-time.ts), one per state backend for
 * its shared daemon: the retries run on the fake clock, so each case takes the time its HTTP takes. On both state
 * backends (the stored reply read with replyOf).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { PNG, startConnectedDaemon, startPictureServer } from "../helpers/connected-daemon.js";
import { daemonFakeTimeWholeDescribe } from "../helpers/daemon-fake-time.js";
import { expectPartsMakeUp, replyOf } from "../helpers/daemon-replies.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";

/** The sends of chat messages (not reads, not read receipts, not uploads). */
const SEND = { method: "POST", pathEndsWith: "/messages" } as const;

describe.each(STATE_BACKENDS)("reply parts, state in $name", (backend) => {
  // Registered first: the server starts on real time, before the block's fake time is installed.
  const statePathFor = backend.use();
  const { fake: time, cleanup, waitFor } = daemonFakeTimeWholeDescribe();
  let bed: TikTokShopTestbed;
  let daemon: RunningDaemon;
  let media: Awaited<ReturnType<typeof startPictureServer>> | undefined;

  beforeAll(async () => {
    media = await time().settle(startPictureServer("/chart.png"));
    cleanup.push(() => media!.close());
    bed = await time().settle(startTikTokShopTestbed({ mode: "webhook" }), "the testbed");
    cleanup.push(() => bed.close());
    // At the real clock's pace: making a database waits on more than the queries the fake-time loop
    // counts (a connection closing); on a loaded machine the fake clock ran out its limit meanwhile.
    const statePath = await time().settleAtRealPace(statePathFor(bed), "the state");
    daemon = await time().settle(
      startConnectedDaemon(bed, { statePath, engine: { maxRetryMs: 200 } }),
      "the daemon to start",
    );
    cleanup.push(() => daemon.stop());
  });

  /** The reply the daemon stored for an amojo message id (settled on fake time). */
  const stored = (amojoId: string) => time().settle(replyOf(daemon.state, amojoId), "the stored reply");

  /** A manager's reply in Kommo (settled on fake time); its amojo message id. */
  const managerReplies = (
    conv: string,
    content: Parameters<TikTokShopTestbed["kommo"]["managerReplies"]>[2],
  ) => time().settle(bed.kommo.managerReplies(bed.scopeId, conv, content), "the manager's reply");

  async function openChat(buyerId: string, text: string) {
    const sent = bed.tiktokshop.buyerSends(bed.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
    const conv = `tts:${bed.shopId}:${sent.conversationId}`;
    await waitFor(`"${text}" in Kommo`, () =>
      bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv && m.text === text),
    );
    return { conversationId: sent.conversationId, conv };
  }

  const sentByBridge = (conversationId: string) =>
    bed.tiktokshop.shopMessages(conversationId).filter((m) => m.viaApi);

  it("a 2,500-character reply whose second part gets a 500 reaches the buyer as exactly 2 parts, in order", async () => {
    const chat = await openChat("9301", "Tolong jelaskan semuanya");
    const long = `${"Detail produk lengkap. ".repeat(109)}Selesai.`.slice(0, 2500);
    bed.tiktokshop.failNext(1, { status: 500, ...SEND, skip: 1 });
    const amojoId = await managerReplies(chat.conv, { type: "text", text: long });
    await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
    const parts = sentByBridge(chat.conversationId);
    expect(parts.map((p) => p.type)).toEqual(["TEXT", "TEXT"]);
    expectPartsMakeUp(parts, long);
    expect(parts[0]!.text!.length).toBeLessThanOrEqual(2000);
    // While part 2 failed, the manager saw which part; "delivered" came only after both went.
    const statuses = bed.kommo.deliveryStatuses(amojoId);
    expect(statuses.map((s) => s.status)).toEqual([-1, 1]);
    expect(statuses[0]!.error).toMatch(/^Part 2 of 2 failed: /);
    const reply = await stored(amojoId);
    expect(reply?.state).toBe("sent");
    expect(reply?.platformMessageIds).toEqual(parts.map((p) => p.messageId));
  });

  it("a captioned picture whose caption send fails reaches the buyer as IMAGE, TEXT", async () => {
    const chat = await openChat("9302", "Ada size chart?");
    bed.tiktokshop.failNext(1, { status: 500, ...SEND, skip: 1 });
    const amojoId = await managerReplies(chat.conv, {
      type: "picture",
      media: `${media!.url}/chart.png`,
      text: "Ini size chart-nya kak",
    });
    await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
    const sent = sentByBridge(chat.conversationId);
    expect(sent.map((m) => m.type)).toEqual(["IMAGE", "TEXT"]);
    expect(sent[1]!.text).toBe("Ini size chart-nya kak");
    expect(bed.tiktokshop.uploadedImages().filter((u) => u.bytes === PNG.length)).toHaveLength(1);
    const statuses = bed.kommo.deliveryStatuses(amojoId);
    expect(statuses.map((s) => s.status)).toEqual([-1, 1]);
    expect(statuses[0]!.error).toMatch(/^Part 2 of 2 failed: /);
  });

  it("a part refused for good ends the reply with an error status naming that part, never 'delivered'", async () => {
    const chat = await openChat("9303", "Boleh minta kontak?");
    const first = "Baik kak, ini penjelasannya. ".repeat(70).trim();
    bed.tiktokshop.setSensitiveWords(["whatsapp"]);
    try {
      const amojoId = await managerReplies(chat.conv, {
        type: "text",
        text: `${first}\n\nHubungi WhatsApp kami ya`,
      });
      const st = await waitFor("error status", () => bed.kommo.deliveryStatuses(amojoId)[0]);
      expect(st.status).toBe(-1);
      expect(st.error).toMatch(/^Part 2 of 2 failed: /);
      expect(st.error).toContain("contains words its policy does not allow");
      expect(sentByBridge(chat.conversationId).map((m) => m.type)).toEqual(["TEXT"]);
      expect(bed.kommo.deliveryStatuses(amojoId).map((s) => s.status)).toEqual([-1]);
      expect((await stored(amojoId))?.state).toBe("failed");
    } finally {
      bed.tiktokshop.setSensitiveWords([]);
    }
  });

  it("a part the platform stored but whose answer was lost is found in the room, not sent again", async () => {
    const chat = await openChat("9304", "Jelaskan pengirimannya");
    const long = `${"Pengiriman lewat kurir reguler. ".repeat(75)}Terima kasih.`;
    expect(long.length).toBeGreaterThan(2000);
    // The second part reaches the buyer, but the bridge sees a reset instead of the answer.
    bed.tiktokshop.dropNext(1, { ...SEND, skip: 1, afterProcessing: true });
    const amojoId = await managerReplies(chat.conv, { type: "text", text: long });
    await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
    const parts = sentByBridge(chat.conversationId);
    expect(parts).toHaveLength(2);
    expect(bed.kommo.deliveryStatuses(amojoId).at(-1)?.status).toBe(1);
    expect((await stored(amojoId))?.platformMessageIds).toEqual(parts.map((p) => p.messageId));
    // Neither part comes back into Kommo as a message of the shop's.
    await openChat("9304", "Oke kak");
    expect(
      bed.kommo.received(bed.scopeId).filter((m) => m.conversationId === chat.conv && m.direction === "out"),
    ).toEqual([]);
  });
});
