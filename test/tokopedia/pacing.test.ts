/**
 * The app's own token bucket: every shop of an app goes through one client, so one bucket per (app, endpoint)
 * keeps all of them within Tokopedia's limit; the rate headers and 429s only ever slow it down.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { directExchange, setExchange } from "../../src/net/exchange.js";
import { RateGate } from "../../src/sources/tokopedia/rate-limit.js";
import { settleOnFakeTime } from "../helpers/fake-time.js";
import { setupTokopedia, type TokopediaSetup } from "./harness.js";
import { bucketExcess } from "./rate-conformance.js";

describe("Tokopedia pacing per app and endpoint (simulator limits on)", () => {
  let t: TokopediaSetup | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    setExchange(undefined);
    await t?.sim.close();
    t = undefined;
  });

  /**
   * The client's waits, its clocks and the simulator's bucket all run on fake time, which moves only while no
   * request is on the wire: the pacing is the same as in real time, without waiting for it.
   */
  let inFlight = 0;
  function fakeTime(): void {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date", "performance"] });
    setExchange((call) => {
      inFlight++;
      return directExchange(call).finally(() => inFlight--);
    });
  }
  const onFakeTime = <T>(p: Promise<T>) => settleOnFakeTime(p, () => inFlight > 0);

  it("many shops listing at once: no 429, every call answered, the log fits Tokopedia's bucket", async () => {
    // Tokopedia's documented 5 req/s, burst 5 (the simulator's default) and the config's default rate.
    fakeTime();
    t = await setupTokopedia();
    const shops: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { shopId } = t.sim.createShop({ name: `shop${i}` });
      t.sim.bindShop(shopId);
      shops.push(shopId);
    }
    const started = performance.now();
    const setup = t;
    const results = await onFakeTime(Promise.allSettled(shops.map((s) => setup.source.listRooms(s, 0))));
    const elapsed = performance.now() - started;
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const fs = t.sim.requests().filter((r) => r.endpoint === "list-messages");
    expect(fs.filter((r) => r.status === 429)).toEqual([]);
    expect(bucketExcess(fs, 5, 5)).toBeLessThanOrEqual(0);
    // The whole budget is used: 20 calls, 4 at once and then 5/s, take 3.2 s; not much more.
    expect(elapsed).toBeGreaterThanOrEqual(3_000);
    expect(elapsed).toBeLessThan(6_000);
  });

  it("a smaller limit announced by Tokopedia (X-Ratelimit-Limit) is adopted", async () => {
    fakeTime();
    t = await setupTokopedia({ rateLimit: { perSecond: 2, burst: 2 } }, { requestsPerSecond: 50 });
    const setup = t;
    // The first answer's X-Ratelimit-Limit teaches the client the real limit; after that nothing is refused.
    await onFakeTime(setup.source.listRooms(setup.shopId, 0));
    const results = await onFakeTime(
      Promise.allSettled(Array.from({ length: 8 }, () => setup.source.listRooms(setup.shopId, 0))),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    const fs = t.sim.requests().filter((r) => r.endpoint === "list-messages");
    expect(fs.filter((r) => r.status === 429)).toEqual([]);
    expect(bucketExcess(fs, 2, 2)).toBeLessThanOrEqual(0);
  });
});

describe("RateGate (injected clock)", () => {
  function fakeClock() {
    let now = 0;
    const sleeps: number[] = [];
    return {
      now: () => now,
      sleeps,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        now += ms;
      },
    };
  }

  it("spaces calls at the configured rate once the burst is spent", async () => {
    const c = fakeClock();
    const gate = new RateGate(() => 0, 2_000, c.sleep, c.now, 5);
    const at: number[] = [];
    for (let i = 0; i < 10; i++) {
      await gate.pass("list messages");
      at.push(c.now());
    }
    // One token less than the burst up front, then one every 200 ms.
    expect(at.slice(0, 4)).toEqual([0, 0, 0, 0]);
    for (let i = 5; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(200);
    expect(at[9]).toBeGreaterThanOrEqual(1_200);
  });

  it("never lets a call go before Retry-After or Reset-After of a 429, whichever is later", async () => {
    const c = fakeClock();
    const gate = new RateGate(() => 0, 10_000, c.sleep, c.now, 5);
    await gate.pass("send reply");
    const wait = gate.observe("send reply", 429, {
      "retry-after": "3",
      "x-ratelimit-reset-after": "1.500000",
      "x-ratelimit-remaining": "0",
    });
    expect(wait).toBe(3_000);
    const before = c.now();
    await gate.pass("send reply");
    expect(c.now() - before).toBeGreaterThanOrEqual(3_000);
  });

  it("a 429 slows the endpoint down: the next calls are spaced wider than the configured rate", async () => {
    const c = fakeClock();
    const gate = new RateGate(() => 0, 10_000, c.sleep, c.now, 5);
    gate.observe("list replies", 429, { "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "0.2" });
    expect(gate.rateOf("list replies")).toBeLessThan(5);
    // Successes bring it back to the configured rate, never above.
    for (let i = 0; i < 10; i++) gate.observe("list replies", 200, { "x-ratelimit-remaining": "3" });
    expect(gate.rateOf("list replies")).toBe(5);
  });

  it("an answer without X-Ratelimit headers (a proxy's error page) gives its slot back; a bare 429 only pauses", async () => {
    const c = fakeClock();
    const gate = new RateGate(() => 0, 10_000, c.sleep, c.now, 5);
    for (let i = 0; i < 4; i++) await gate.pass("list replies");
    gate.observe("list replies", 503, {});
    await gate.pass("list replies");
    expect(c.now()).toBe(0);
    expect(gate.observe("list replies", 429, {})).toBe(1_000);
    expect(gate.rateOf("list replies")).toBe(5);
    await gate.pass("list replies");
    expect(c.now()).toBeGreaterThanOrEqual(1_000);
  });
});
