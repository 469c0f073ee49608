/**
 * Fault test, over real HTTP, for each marketplace source: the marketplace and Kommo simulators answer about 10% of
 * calls with 5xx, drop connections (Kommo also after processing: the message arrived but the answer was lost, which
 * is what a timeout looks like to the bridge) and send 429 bursts. Everything still arrives exactly once, replies
 * are each posted once with one delivery status (repeated only when amojo stored it but the answer was lost), and
 * Kommo REST never sees more than 7 requests in any second.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts), one per source for its shared daemon: the retry
 * backoffs, the platforms' webhook retries, the REST pacing and the simulators' arrival stamps all read the same
 * fake clock, and time moves only while no call (the HTTP worker's included) is on the wire. On both state
 * backends: one PostgreSQL server for the two sources' databases.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { beforeAll, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { daemonFakeTimeWholeDescribe } from "../helpers/daemon-fake-time.js";
import { HTTP_WORKER_SCRIPT } from "../helpers/http-worker-script.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { SOURCE_WORLDS, type SourceWorld } from "../helpers/source-worlds.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { deadJobsIn } from "../helpers/state-rows.js";

const ROOMS = 20;
const PER_ROOM = 5;
/** The bridge's Kommo REST limiter allows 7 requests in any 1.1 s, a margin for the jitter between send and arrival. */
const KOMMO_LIMITER_WINDOW_MS = 1100;

/** Roughly one call in ten fails one way or another, on both sides. */
function injectFaults(w: SourceWorld, i: number): void {
  if (i % 10 === 3) w.failNextWithServerError();
  if (i % 10 === 7) w.kommo.failNext(1, { host: "amojo", status: 500 });
  if (i % 10 === 5) w.kommo.failNext(1, { host: "rest", status: 502 });
  if (i % 25 === 11) w.dropNextConnection();
  if (i % 25 === 17) w.kommo.dropNext(1, { host: "amojo", afterProcessing: true });
  if (i % 25 === 23) w.kommo.dropNext(1, { host: "rest" });
  if (i % 40 === 19) {
    w.rateLimitNext(3);
    w.kommo.failNext(3, { host: "rest", status: 429 });
  }
}

describe.each(STATE_BACKENDS)("faults, state in $name", (backend) => {
  // Registered first: the server starts on real time, before the sources' fake time is installed.
  const statePathFor = backend.use();

  describe.each(SOURCE_WORLDS)("$name", ({ start }) => {
    const { fake: time, cleanup } = daemonFakeTimeWholeDescribe();
    let w: SourceWorld;
    let daemon: RunningDaemon;
    let statePath: string;
    const waitFor = (what: string, done: () => unknown, limitMs?: number) =>
      time().until(what, done, limitMs);

    beforeAll(async () => {
      w = await time().settle(start({ mode: "hybrid", pollIntervalSeconds: 5 }), "the testbed");
      cleanup.push(() => w.close());
      // At the real clock's pace: closing the connection that made the database is not a call the fake-time loop
      // counts; under load (2 cores, load 11) fake time once ran its 60 s limit out meanwhile.
      statePath = await time().settleAtRealPace(statePathFor(w), "the state");
      // As under `tokokommo serve`: every call to the simulators goes through the HTTP worker thread.
      daemon = await time().settleAtRealPace(
        startConnectedDaemon(w, {
          statePath,
          httpWorker: HTTP_WORKER_SCRIPT,
          engine: { maxRetryMs: 800 },
        }),
        "the daemon and its HTTP worker thread to start",
      );
      cleanup.push(() => daemon.stop());
      time().countCurrentExchange();
    });

    it("buyers' messages and managers' replies each arrive exactly once under 5xx, drops and 429 bursts", async () => {
      // The simulators stamp a request's arrival when this process's event loop gets to it; the daemon runs in the
      // same loop, so a stall of this process (a busy CI machine) bunches the stamps of requests sent further apart.
      const stalls = monitorEventLoopDelay({ resolution: 10 });
      stalls.enable();
      const rooms = new Map<number, string>();
      const conversations = new Map<number, string>();
      for (let i = 0; i < ROOMS * PER_ROOM; i++) {
        injectFaults(w, i);
        const room = i % ROOMS;
        const sent = await time().settle(w.buyerSends(`fault-buyer-${room}`, `tanya ${i} dari ${room}`));
        rooms.set(room, sent.roomId);
        conversations.set(room, sent.conversationId);
      }
      await time().settle(w.settleWebhooks(), "the webhooks");
      const incoming = () =>
        w.kommo.received(w.scopeId).filter((m) => m.direction === "in" && m.text.startsWith("tanya "));
      await waitFor("every buyer message in Kommo", () => incoming().length >= ROOMS * PER_ROOM, 30_000);

      // Managers answer every conversation while faults keep coming.
      const replies: { amojoId: string; roomId: string; text: string }[] = [];
      for (const [room, roomId] of rooms) {
        injectFaults(w, room * 3);
        const text = `jawaban untuk kamar ${room}`;
        const amojoId = await time().settle(
          w.kommo.managerReplies(w.scopeId, conversations.get(room)!, { type: "text", text }),
        );
        replies.push({ amojoId, roomId, text });
      }
      await waitFor(
        "a delivery status for every reply",
        () => replies.every((r) => w.kommo.deliveryStatuses(r.amojoId).length > 0),
        30_000,
      );
      // One more round of buyer messages: the rooms are synced again, now with the bridge's replies in them.
      for (const [room] of rooms)
        await time().settle(w.buyerSends(`fault-buyer-${room}`, `tanya terakhir ${room}`));
      await time().settle(w.settleWebhooks(), "the webhooks");
      const total = ROOMS * PER_ROOM + ROOMS;
      await waitFor("the last round in Kommo", () => incoming().length >= total, 30_000);
      // Nothing can still add a message: no webhook retry due, no sync or delivery job open.
      await waitFor("no webhook retry due", () => w.webhooksSettled(), 15_000);
      await time().settle(waitForMarketplaceJobsDoneIn(statePath, 15_000), "no job open");

      const got = incoming();
      expect(got).toHaveLength(total);
      expect(new Set(got.map((m) => m.msgid)).size).toBe(total);
      expect(new Set(got.map((m) => m.text)).size).toBe(total);
      for (const [room, conversationId] of conversations) {
        const seq = got
          .filter((m) => m.conversationId === conversationId)
          .map((m) => m.text.replace(/ dari \d+$/, ""));
        const expected = Array.from({ length: PER_ROOM }, (_, k) => `tanya ${k * ROOMS + room}`);
        expect(seq).toEqual([...expected, `tanya terakhir ${room}`]);
      }
      for (const r of replies) {
        expect(w.shopTexts(r.roomId)).toEqual([r.text]);
        // One "delivered" status, plus one more for each status post whose answer was lost after amojo stored it
        // (a status has no idempotency key: the bridge cannot tell "not received" from "answer lost", so it sends
        // it again; setting the same status twice leaves the message in the same state). Never an error status.
        const statuses = w.kommo.deliveryStatuses(r.amojoId);
        const lostAnswers = w.kommo
          .requestLog()
          .filter((x) => x.path.endsWith(`/${r.amojoId}/delivery_status`) && x.lostAnswer === 200).length;
        expect(statuses.map((s) => s.status)).toEqual(Array.from({ length: 1 + lostAnswers }, () => 1));
        // The bridge's own reply, read back by the room sync, is not imported into Kommo as a shop message.
        expect(w.kommo.received(w.scopeId).filter((m) => m.text === r.text)).toEqual([]);
      }
      // Kommo REST (lead tags) was paced under its limit the whole time: counted once every tag job is done too.
      await waitFor(
        "every job done, lead tags included",
        async () =>
          (await daemon.state.engineStore.jobCounts()).every((c) => c.pending === 0 && c.running === 0),
        30_000,
      );
      expect(w.kommo.requestLog().filter((x) => x.host === "rest").length).toBeGreaterThan(ROOMS);
      // Kommo counts per second; the stamps here can be bunched by as much as this process stood still, which eats
      // into the limiter's margin first (a stall under 100 ms leaves the one-second check as it is).
      stalls.disable();
      const stallMs = stalls.max / 1e6;
      const windowMs = Math.min(1000, KOMMO_LIMITER_WINDOW_MS - stallMs);
      expect(w.kommo.maxRequestsInWindow({ host: "rest", windowMs })).toBeLessThanOrEqual(7);
      expect(await deadJobsIn(statePath)).toEqual([]);
      // The faults really happened (a test whose faults missed every call would prove nothing).
      const platform = w.platformFaultsSeen();
      expect(platform.serverErrors).toBeGreaterThanOrEqual(5);
      expect(platform.rateLimited).toBeGreaterThanOrEqual(3);
      expect(platform.dropped).toBeGreaterThanOrEqual(2);
      const kommo = w.kommo.requestLog();
      expect(
        kommo.filter((x) => typeof x.status === "number" && x.status >= 500).length,
      ).toBeGreaterThanOrEqual(5);
      expect(kommo.filter((x) => x.status === -1).length).toBeGreaterThanOrEqual(2);
    }, 90_000);
  });
});
