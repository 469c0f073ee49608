/**
 * Tokopedia pacing through the whole daemon against the simulator with its limits on: many shops of one app share
 * Tokopedia's per-(app, endpoint) bucket, so their sweeps are spread and paced to it; a catch-up after downtime
 * runs at the whole budget and no faster. On fake timers (test/helpers/daemon-fake-time.ts): the daemon's clocks
 * and the simulator's share one fake time that moves only while no request is on the wire, so the figures below
 * (intervals, windows, the rate-bound time) are the daemon's own, not the load of the machine, and the seconds of
 * sweeps they describe take a few seconds of real time.
 */
import { describe, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { bucketExcess, peakInWindow } from "../tokopedia/rate-conformance.js";

const { fake: time, cleanup } = daemonFakeTimeEachTest();

async function bed(o: Parameters<typeof startTestbed>[0]): Promise<Testbed> {
  const b = await startTestbed(o);
  cleanup.push(() => b.close());
  return b;
}

async function daemon(b: Testbed, pollIntervalMs?: number): Promise<RunningDaemon> {
  const d = await time().settle(
    startDaemon({
      config: b.config,
      port: 0,
      engine: { baseRetryMs: 50, maxRetryMs: 300, ...(pollIntervalMs ? { pollIntervalMs } : {}) },
    }),
    "the daemon to start",
  );
  cleanup.push(() => d.stop());
  return d;
}

describe("Tokopedia pacing (daemon, simulator limits on)", () => {
  it("200 idle shops on one app through several sweeps: no 429, within the bucket, sweeps spread over the interval", async () => {
    // 50 requests/s (Tokopedia may grant an app more than 5) keeps the test short: the interval is 200 ÷ 50 = 4 s
    // although 1 s is configured. The same arithmetic holds at 5 requests/s, ten times slower.
    const b = await bed({ mode: "poll", shops: 200, tokopedia: { rateLimit: { perSecond: 50, burst: 50 } } });
    b.config.tokopedia.apps[0]!.requestsPerSecond = 50;
    const started = Date.now();
    const d = await daemon(b, 1_000);
    const afterStartUp = Date.now();
    const shopId = b.shops[0]!.shopId;
    expect(d.engine.poller.effectiveIntervalMs("tokopedia", shopId)).toBe(4_000);
    const lists = () => b.tokopedia.requests().filter((r) => r.endpoint === "list-messages");
    // The start-up sweep and three periodic ones of every shop.
    await time().until("four sweeps of every shop", () => lists().length >= 800, 60_000);
    await time().settle(d.stop());
    const fs = b.tokopedia.requests().filter((r) => r.endpoint !== "token");
    expect(fs.filter((r) => r.status === 429)).toEqual([]);
    expect(bucketExcess(fs, 50, 50)).toBeLessThanOrEqual(0);
    // The start-up sweep ran at the rate, not faster: 200 calls take about 4 s.
    expect(afterStartUp - started).toBeGreaterThanOrEqual(3_500);
    // Periodic sweeps: each shop at its own phase, so no second sees more than the rate.
    const periodic = lists().filter((r) => r.at > afterStartUp);
    expect(periodic.length).toBeGreaterThanOrEqual(600);
    // Bunched sweeps would let the bridge's bucket spend its burst on top of its rate (up to 100 in a second); the
    // margin over 50 absorbs arrivals stamped together after a stall of the (shared, busy) test process.
    expect(peakInWindow(periodic, "list-messages", 1_000)).toBeLessThanOrEqual(60);
    // …and spread: every 400 ms tenth of the interval has some of them (bunched sweeps would leave gaps).
    const first = periodic[0]!.at;
    const buckets = new Set(
      periodic.filter((r) => r.at < first + 4_000).map((r) => Math.floor((r.at - first) / 400)),
    );
    expect(buckets.size).toBe(10);
  }, 90_000);

  it("an idle shop is swept less and less often; a webhook for it brings its interval back at once", async () => {
    const b = await bed({ mode: "hybrid", shops: 1 });
    const d = await daemon(b, 1_000);
    await time().settle(b.connectDaemon(d.url));
    const shopId = b.shops[0]!.shopId;
    const interval = () => d.engine.poller.effectiveIntervalMs("tokopedia", shopId) ?? 0;
    expect(interval()).toBe(1_000);
    // Quiet: half the quiet time, so 3 s after about 6 s without news (the cap, 10 min, is in the scheduler's test).
    await time().until("the idle shop's interval to grow", () => interval() >= 3_000, 20_000);
    const sweepsBefore = b.tokopedia.requests().filter((r) => r.endpoint === "list-messages").length;
    await time().settle(b.tokopedia.buyerSends(shopId, "waker", "halo, masih buka?"), "the webhook");
    await time().until("the webhook to reset the interval", () => interval() === 1_000, 5_000);
    await time().until(
      "the message in Kommo",
      () => b.kommo.received(b.scopeId).some((m) => m.direction === "in" && m.text === "halo, masih buka?"),
      10_000,
    );
    // And the sweeps come at the paced interval again.
    await time().until(
      "two more sweeps within a few seconds",
      () => b.tokopedia.requests().filter((r) => r.endpoint === "list-messages").length >= sweepsBefore + 2,
      5_000,
    );
  }, 60_000);

  it("catch-up after downtime (10 shops × 5 rooms × 5 messages): every message, no 429, close to the rate-bound time", async () => {
    const b = await bed({ mode: "poll", shops: 10, tokopedia: { webhookDelivery: false } });
    for (const s of b.shops) {
      for (let room = 0; room < 5; room++) {
        for (let m = 0; m < 5; m++)
          await b.tokopedia.buyerSends(s.shopId, `buyer-${room}`, `${s.shopId} r${room} m${m}`);
      }
    }
    const before = b.tokopedia.requests().length;
    const started = Date.now();
    await daemon(b);
    const inKommo = () => b.kommo.received(b.scopeId).filter((m) => m.direction === "in").length;
    await time().until("all 250 messages in Kommo", () => inKommo() >= 250, 60_000);
    const calls = b.tokopedia
      .requests()
      .slice(before)
      .filter((r) => r.endpoint !== "token");
    expect(calls.filter((r) => r.status === 429)).toEqual([]);
    expect(inKommo()).toBe(250);
    // One room listing per shop and one page of replies per room: 60 calls.
    expect(calls.length).toBeLessThanOrEqual(66);
    // Rate-bound optimum: 50 list-replies calls on a bucket of 5 (burst 5) take (50 − 5) / 5 = 9 s, after the
    // first listing. Within 1.5 × that, measured on the simulator's clock from the daemon's start.
    const last = Math.max(...calls.map((r) => r.at));
    expect(last - started).toBeLessThanOrEqual(13_500);
    // …and no faster than the bucket allows.
    expect(bucketExcess(calls, 5, 5)).toBeLessThanOrEqual(0);
  }, 90_000);
});
