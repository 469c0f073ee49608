/**
 * Fault test, over real HTTP: both simulators answer about 10% of calls with 5xx, drop connections
 * (Kommo also after processing: the message arrived but the answer was lost, which is what a timeout looks like
 * to the bridge) and send 429 bursts. Everything still arrives exactly once, replies are each posted once with
 * one delivery status (repeated only when amojo stored it but the answer was lost), and Kommo REST never sees more
 * than 7 requests in any second.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { HTTP_WORKER_SCRIPT } from "../helpers/http-worker-script.js";
import { waitForMarketplaceJobsDone } from "../helpers/jobs.js";
import { waitFor } from "../helpers/wait.js";

const ROOMS = 20;
const PER_ROOM = 5;

let bed: Testbed;
let daemon: RunningDaemon;

beforeAll(async () => {
  bed = await startTestbed({ mode: "hybrid", pollIntervalSeconds: 5 });
  daemon = await startDaemon({
    config: bed.config,
    port: 0,
    // As under `tokokommo serve`: every call to the simulators goes through the HTTP worker thread.
    httpWorker: HTTP_WORKER_SCRIPT,
    engine: { baseRetryMs: 50, maxRetryMs: 800 },
  });
  await bed.connectDaemon(daemon.url);
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
});

/** Roughly one call in ten fails one way or another, on both sides. */
function injectFaults(i: number): void {
  if (i % 10 === 3) bed.tokopedia.failNext(1, { status: 503 });
  if (i % 10 === 7) bed.kommo.failNext(1, { host: "amojo", status: 500 });
  if (i % 10 === 5) bed.kommo.failNext(1, { host: "rest", status: 502 });
  if (i % 25 === 11) bed.tokopedia.dropNext(1);
  if (i % 25 === 17) bed.kommo.dropNext(1, { host: "amojo", afterProcessing: true });
  if (i % 25 === 23) bed.kommo.dropNext(1, { host: "rest" });
  if (i % 40 === 19) {
    bed.tokopedia.failNext(3, { status: 429 });
    bed.kommo.failNext(3, { host: "rest", status: 429 });
  }
}

it("buyers' messages and managers' replies each arrive exactly once under 5xx, drops and 429 bursts", async () => {
  const shopId = bed.shops[0]!.shopId;
  const rooms = new Map<number, string>();
  for (let i = 0; i < ROOMS * PER_ROOM; i++) {
    injectFaults(i);
    const room = i % ROOMS;
    const sent = await bed.tokopedia.buyerSends(shopId, `fault-buyer-${room}`, `tanya ${i} dari ${room}`);
    rooms.set(room, sent.msgId);
  }
  const incoming = () =>
    bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in" && m.text.startsWith("tanya "));
  await waitFor("every buyer message in Kommo", () => incoming().length >= ROOMS * PER_ROOM, 30_000);

  // Managers answer every conversation while faults keep coming.
  const replies: { amojoId: string; msgId: string; text: string }[] = [];
  for (const [room, msgId] of rooms) {
    injectFaults(room * 3);
    const text = `jawaban untuk kamar ${room}`;
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, `tkp:${shopId}:${msgId}`, {
      type: "text",
      text,
    });
    replies.push({ amojoId, msgId, text });
  }
  await waitFor(
    "a delivery status for every reply",
    () => replies.every((r) => bed.kommo.deliveryStatuses(r.amojoId).length > 0),
    30_000,
  );
  // One more round of buyer messages: the rooms are synced again, now with the bridge's replies in them.
  for (const [room] of rooms) {
    await bed.tokopedia.buyerSends(shopId, `fault-buyer-${room}`, `tanya terakhir ${room}`);
  }
  const total = ROOMS * PER_ROOM + ROOMS;
  await waitFor("the last round in Kommo", () => incoming().length >= total, 30_000);
  // Count once nothing can add to it: no sync or delivery left in the queue (a retried job included).
  await waitForMarketplaceJobsDone(daemon.store, 30_000);

  const got = incoming();
  expect(got).toHaveLength(total);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(total);
  expect(new Set(got.map((m) => m.text)).size).toBe(total);
  for (const [room, msgId] of rooms) {
    const seq = got
      .filter((m) => m.conversationId === `tkp:${shopId}:${msgId}`)
      .map((m) => m.text.replace(/ dari \d+$/, ""));
    const expected = Array.from({ length: PER_ROOM }, (_, k) => `tanya ${k * ROOMS + room}`);
    expect(seq).toEqual([...expected, `tanya terakhir ${room}`]);
  }
  for (const r of replies) {
    expect(bed.tokopedia.shopReplies(r.msgId)).toEqual([r.text]);
    // One "delivered" status, plus one more for each status post whose answer was lost after amojo stored it
    // (a status has no idempotency key: the bridge cannot tell "not received" from "answer lost", so it sends it
    // again; setting the same status twice leaves the message in the same state). Never an error status.
    const statuses = bed.kommo.deliveryStatuses(r.amojoId);
    const lostAnswers = bed.kommo
      .requestLog()
      .filter((x) => x.path.endsWith(`/${r.amojoId}/delivery_status`) && x.lostAnswer === 200).length;
    expect(statuses.map((s) => s.status)).toEqual(Array.from({ length: 1 + lostAnswers }, () => 1));
    // The bridge's own reply, read back by the room sync, is not imported into Kommo as a shop message.
    expect(bed.kommo.received(bed.scopeId).filter((m) => m.text === r.text)).toEqual([]);
  }
  // Kommo REST (lead enrichment) was paced under its limit the whole time.
  expect(bed.kommo.requestLog().filter((x) => x.host === "rest").length).toBeGreaterThan(ROOMS);
  expect(bed.kommo.maxRequestsInWindow({ host: "rest" })).toBeLessThanOrEqual(7);
  expect(daemon.store.jobs.listDead()).toEqual([]);
  // The faults really happened (a test whose faults missed every call would prove nothing).
  const tkp = bed.tokopedia.requests();
  expect(tkp.filter((x) => x.status >= 500).length).toBeGreaterThanOrEqual(5);
  expect(tkp.filter((x) => x.status === 429).length).toBeGreaterThanOrEqual(3);
  expect(tkp.filter((x) => x.status === -1).length).toBeGreaterThanOrEqual(2);
  const kommo = bed.kommo.requestLog();
  expect(kommo.filter((x) => typeof x.status === "number" && x.status >= 500).length).toBeGreaterThanOrEqual(
    5,
  );
  expect(kommo.filter((x) => x.status === -1).length).toBeGreaterThanOrEqual(2);
}, 60_000);
