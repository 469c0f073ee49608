/**
 * Poll-only: `sync.mode: "poll"` with no TikTok Shop webhooks at all. The daemon's sweeps read the
 * conversation listing and deliver what buyers wrote before and after it started, buyer and platform included.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/sim/testbed-tiktokshop.js";
import { waitFor } from "../helpers/wait.js";

let bed: TikTokShopTestbed;
let daemon: RunningDaemon | undefined;

beforeAll(async () => {
  bed = await startTikTokShopTestbed({ mode: "poll", pollIntervalSeconds: 5 });
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
});

it("poll-only mode delivers without webhooks, in order, with the buyer's name and platform", async () => {
  const before = bed.tiktokshop.buyerSends(
    bed.shopId,
    { id: "9001", name: "Rina", platform: "TIKTOK_SHOP" },
    "Halo, sebelum daemon jalan",
  );
  // Sweeps every 5 s take 17,280 calls a day: past 30 % of the default quota they would be stretched to ~29 s.
  // A quota of 100,000 a day lets this test sweep at its 5 s.
  const config = {
    ...bed.config,
    tiktokshop: { apps: bed.config.tiktokshop.apps.map((a) => ({ ...a, dailyCallQuota: 100_000 })) },
  };
  daemon = await startDaemon({ config, port: 0, engine: { baseRetryMs: 50, maxRetryMs: 500 } });
  await bed.connectDaemon(daemon.url);
  // Webhooks off: the platform has nowhere to post; only the sweeps can find messages.
  bed.tiktokshop.setWebhookUrl(undefined);
  const conv = `tts:${bed.shopId}:${before.conversationId}`;
  const kommoIn = () =>
    bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in" && m.conversationId === conv);
  await waitFor("first message via the start-up sweep", () => kommoIn().length >= 1, 8_000);
  bed.tiktokshop.buyerSends(bed.shopId, { id: "9001", name: "Rina" }, "Dan ini sesudahnya");
  await waitFor("second message via the next sweep", () => kommoIn().length >= 2, 12_000);
  expect(kommoIn().map((m) => m.text)).toEqual(["Halo, sebelum daemon jalan", "Dan ini sesudahnya"]);
  expect(kommoIn()[0]!.sender.name).toBe("Rina");
  expect(bed.tiktokshop.webhookDeliveries()).toEqual([]);
  const room = daemon.store.rooms.getRoom({
    source: "tiktokshop",
    shopId: bed.shopId,
    roomId: before.conversationId,
  });
  expect(room?.buyer?.platform).toBe("TIKTOK_SHOP");
}, 25_000);
