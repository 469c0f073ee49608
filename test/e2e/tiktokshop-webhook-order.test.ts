/**
 * TikTok Shop messages stored from their webhooks (no read) must still reach Kommo in the room's order.
 * A webhook the bridge had to refuse (the state file locked: 503) leaves its message missing until the platform
 * retries it; the next webhook of that room must not overtake it, so the room is read first. Webhooks that arrive
 * together out of order are put back in order.
 */
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import type { CallRecord } from "../../src/sim/tiktokshop/index.js";
import { signWebhookBody } from "../../src/sources/tiktokshop/signing.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { waitFor } from "../helpers/wait.js";

let bed: TikTokShopTestbed;
let daemon: RunningDaemon;
let roomId = "";
const buyer = { id: "6001", name: "Dewi" };

beforeAll(async () => {
  // A refused webhook comes again only after 3 s: long enough for the next one to overtake it.
  bed = await startTikTokShopTestbed({ mode: "webhook", tiktokshop: { webhookRetryDelaysMs: [3_000] } });
  daemon = await startConnectedDaemon(bed, { engine: { busyTimeoutMs: 100 } });
  roomId = bed.tiktokshop.buyerSends(bed.shopId, buyer, "pertama").conversationId;
  await waitFor("the first message in Kommo", () => texts().length === 1);
  // One follow-up stored from its webhook: the room is known whole.
  bed.tiktokshop.buyerSends(bed.shopId, buyer, "kedua");
  await waitFor("the second message in Kommo", () => texts().length === 2);
}, 20_000);

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
});

const texts = () =>
  bed.kommo
    .received(bed.scopeId)
    .filter((m) => m.direction === "in" && m.conversationId === `tts:${bed.shopId}:${roomId}`)
    .map((m) => m.text);
const reads = () =>
  bed.tiktokshop.calls().filter((c: CallRecord) => c.method === "GET" && c.path.endsWith("/messages")).length;

it("a webhook refused with 503 is not overtaken by the next one: the room is read first", async () => {
  const locker = new BetterSqlite3(bed.statePath);
  try {
    locker.exec("BEGIN IMMEDIATE");
    const missing = bed.tiktokshop.buyerSends(bed.shopId, buyer, "ketiga (ditolak)");
    await waitFor("the refused delivery", () =>
      bed.tiktokshop.webhookDeliveries().find((d) => d.status === 503),
    );
    expect(missing.messageId).toBeTruthy();
    locker.exec("ROLLBACK");
  } finally {
    locker.close();
  }
  const readsBefore = reads();
  bed.tiktokshop.buyerSends(bed.shopId, buyer, "keempat");
  await waitFor("both messages in Kommo", () => texts().length === 4, 15_000);
  expect(texts()).toEqual(["pertama", "kedua", "ketiga (ditolak)", "keempat"]);
  expect(reads() - readsBefore).toBeGreaterThanOrEqual(1);
  // The refused webhook's retry finds its message stored: nothing twice.
  await waitFor("the retried delivery", () =>
    bed.tiktokshop.webhookDeliveries().find((d) => d.attempt === 2 && d.status === 200),
  );
  expect(texts()).toHaveLength(4);
}, 20_000);

it("twenty webhooks sent at once reach Kommo in the room's order, without a read", async () => {
  const before = texts().length;
  const readsBefore = reads();
  const burst = Array.from({ length: 20 }, (_, i) => `serentak ${i + 1}`);
  for (const t of burst) bed.tiktokshop.buyerSends(bed.shopId, buyer, t);
  await waitFor("the burst in Kommo", () => texts().length === before + 20, 15_000);
  expect(texts().slice(before)).toEqual(burst);
  expect(reads() - readsBefore).toBeLessThanOrEqual(1);
}, 20_000);

it("webhooks that cross (newest delivered first) reach Kommo in the room's order, without a read", async () => {
  const before = texts().length;
  const readsBefore = reads();
  const crossing = ["silang 1", "silang 2", "silang 3"];
  bed.tiktokshop.holdWebhooks();
  for (const t of crossing) bed.tiktokshop.buyerSends(bed.shopId, buyer, t);
  await bed.tiktokshop.releaseWebhooks("newest-first");
  await waitFor("the crossed messages in Kommo", () => texts().length === before + 3);
  expect(texts().slice(before)).toEqual(crossing);
  expect(reads() - readsBefore).toBe(0);
});

it("a type-13 webhook (an agent joined or left) for a room the bridge knows costs no read", async () => {
  const readsBefore = reads();
  const body = JSON.stringify({
    type: 13,
    tts_notification_id: "7327112393057379913",
    shop_id: bed.shopId,
    timestamp: Math.floor(Date.now() / 1000),
    data: { conversation_id: roomId, create_time: Math.floor(Date.now() / 1000) },
  });
  const res = await fetch(`${daemon.url}/webhooks/tiktokshop/tts`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: signWebhookBody(bed.tiktokshop.appKey, bed.tiktokshop.appSecret, body),
    },
    body,
  });
  expect(res.status).toBe(200);
  await waitFor("an idle job queue", () =>
    daemon.store.jobs.counts().every((c) => c.pending === 0 && c.running === 0),
  );
  expect(reads() - readsBefore).toBe(0);
});
