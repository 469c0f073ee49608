/**
 * Poll-only: `sync.mode: "poll"` with no TikTok Shop webhooks at all. The daemon's sweeps read the
 * conversation listing and deliver what buyers wrote before and after it started, buyer and platform included.
 * The listing's order is not documented, so this runs against each order the simulator offers, and
 * a sweep reads no room whose newest message is the one already stored (an idle shop costs listing calls only).
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts): each sweep comes once the HTTP before it is done.
 * On both state backends.
 */
import { describe, expect, it } from "vitest";
import { startDaemon } from "../../src/daemon/daemon.js";
import { type CallRecord, CONVERSATION_ORDERS } from "../../src/sim/tiktokshop/index.js";
import { startTikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { waitForMarketplaceJobsDoneOf } from "../helpers/jobs.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";

const { fake: time, cleanup } = daemonFakeTimeEachTest();

const isRead = (c: CallRecord) => c.method === "GET" && c.path.endsWith("/messages");
const isList = (c: CallRecord) => c.method === "GET" && c.path.endsWith("/conversations");

describe.each(STATE_BACKENDS)("poll-only TikTok Shop, state in $name", (backend) => {
  const statePathFor = backend.use();
  describe.each(CONVERSATION_ORDERS)("Get Conversations ordered %s", (order) => {
    it("poll-only mode delivers without webhooks, in order, with the buyer's name and platform; idle sweeps read nothing, a hidden newest message included", async () => {
      const b = await startTikTokShopTestbed({
        mode: "poll",
        pollIntervalSeconds: 5,
        tiktokshop: { conversationOrder: order },
      });
      cleanup.push(() => b.close());
      // Webhooks off from the first message: the platform posts nothing, not even a retry of a notification
      // it could not deliver before the daemon was connected (connectDaemon() registers the daemon's URL).
      b.tiktokshop.holdWebhooks();
      const before = b.tiktokshop.buyerSends(
        b.shopId,
        { id: "9001", name: "Rina", platform: "TIKTOK_SHOP" },
        "Halo, sebelum daemon jalan",
      );
      // Other buyers too, so the listing has two pages and its order matters.
      for (let i = 0; i < 21; i++) b.tiktokshop.buyerSends(b.shopId, { id: `91${i}`, name: `B${i}` }, "hai");
      // Sweeps every 300 ms instead of the configured 5 s, so the test does not wait on the interval.
      // Sweeps this often would be stretched to stay within 30 % of the default daily quota (10,000 calls): a
      // quota this large lets the test sweep at its pace.
      // At the real clock's pace: making a database waits on more than the queries the fake-time loop
      // counts (a connection closing); on a loaded machine the fake clock ran out its limit meanwhile.
      const statePath = await time().settleAtRealPace(statePathFor(b), "the state");
      const config = {
        ...b.config,
        statePath,
        tiktokshop: { apps: b.config.tiktokshop.apps.map((a) => ({ ...a, dailyCallQuota: 100_000_000 })) },
      };
      const d = await time().settle(
        startDaemon({ config, port: 0, engine: { baseRetryMs: 50, maxRetryMs: 500, pollIntervalMs: 300 } }),
        "the daemon to start",
      );
      cleanup.push(() => d.stop());
      await time().settle(b.connectDaemon(d.url));
      // The platform has nowhere to post either: only the sweeps can find messages.
      b.tiktokshop.setWebhookUrl(undefined);
      const conv = `tts:${b.shopId}:${before.conversationId}`;
      const kommoIn = () =>
        b.kommo.received(b.scopeId).filter((m) => m.direction === "in" && m.conversationId === conv);
      await time().until("first message via the start-up sweep", () => kommoIn().length >= 1, 8_000);
      b.tiktokshop.buyerSends(b.shopId, { id: "9001", name: "Rina" }, "Dan ini sesudahnya");
      await time().until("second message via the next sweep", () => kommoIn().length >= 2, 12_000);
      expect(kommoIn().map((m) => m.text)).toEqual(["Halo, sebelum daemon jalan", "Dan ini sesudahnya"]);
      expect(kommoIn()[0]!.sender.name).toBe("Rina");
      expect(b.tiktokshop.webhookDeliveries()).toEqual([]);
      const room = await time().settle(
        d.state.engineStore.getRoom({
          source: "tiktokshop",
          shopId: b.shopId,
          roomId: before.conversationId,
        }),
        "the room",
      );
      expect(room?.buyerPlatform).toBe("TIKTOK_SHOP");
      // Every room synced: further sweeps list the conversations and read none of them.
      await time().until("every buyer in Kommo", () => b.kommo.received(b.scopeId).length >= 23, 8_000);
      /** Once no job is open, three more sweeps list the conversations and read no room. */
      const sweepsReadNothing = async () => {
        await time().settle(waitForMarketplaceJobsDoneOf(d.state), "no job open");
        const from = b.tiktokshop.calls().length;
        await time().until(
          "three more sweeps",
          () => b.tiktokshop.calls().slice(from).filter(isList).length >= 6,
        );
        expect(b.tiktokshop.calls().slice(from).filter(isRead)).toEqual([]);
      };
      await sweepsReadNothing();
      // A hidden message (the platform's rating request) as the room's newest: read once, never delivered, and
      // the sweeps after that read nothing again.
      b.tiktokshop.buyerSends(
        b.shopId,
        { id: "9001", name: "Rina" },
        {
          type: "SYSTEM_RATING",
          content: { content: "rate us" },
          visible: false,
        },
      );
      const hiddenFrom = b.tiktokshop.calls().length;
      await time().until("the room read once", () => b.tiktokshop.calls().slice(hiddenFrom).some(isRead));
      await sweepsReadNothing();
      expect(kommoIn()).toHaveLength(2);
    }, 30_000);
  });
});
