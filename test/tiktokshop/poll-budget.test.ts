/**
 * Idle polling of a TikTok Shop shop takes at most 30 % of its daily Customer Service quota, whatever the
 * poll interval and the number of conversations. A simulated day (injected clock for the quota and the sweep
 * delays) of real sweeps over HTTP against the simulator with its limits on: the sweeps stretch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { sweepDelayMs } from "../../src/bridge/sweep-floor.js";
import { isTkError } from "../../src/errors/index.js";
import { CsQuota, minSweepIntervalMs, POLL_SHARE } from "../../src/sources/tiktokshop/quota.js";
import { openStore, type Store } from "../../src/store/index.js";
import { makeFixture, type TtsFixture } from "./harness.js";

const DAY = 86_400_000;
const POLL_INTERVAL_MS = 30_000;
const open: { fixture: TtsFixture; store: Store; dir: string }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.fixture.sim.close();
    o.store.close();
    rmSync(o.dir, { recursive: true, force: true });
  }
});

/** Sweeps one shop with `conversations` chats for one simulated day; returns the CS calls the platform answered. */
async function simulatedDay(conversations: number, dailyCallQuota: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-poll-budget-"));
  const store = openStore(join(dir, "state.db"));
  const dayStart = Date.UTC(2026, 11, 3);
  let t = dayStart;
  const quota = new CsQuota(
    { dailyCallQuota, replyReserve: 0.2, dayStartUtc: "00:00" },
    store.callCounts,
    () => t,
  );
  const fixture = await makeFixture({}, { quota });
  open.push({ fixture, store, dir });
  for (let i = 0; i < conversations; i++)
    fixture.sim.buyerSends(fixture.shopId, { id: `77${i}`, name: `Buyer ${i}` }, `Halo ${i}`);
  const before = fixture.sim.calls().length;
  // The simulated day runs faster than real time, while the simulator counts its 50 requests/s per API on Date,
  // faked here: once a second holds a sweep's allowance, the next second begins (the daemon's sweeps are 30 s
  // apart, never this close), instead of waiting for it in real time.
  const sent: number[] = [];
  const pages = Math.ceil(conversations / 20);
  while (t < dayStart + DAY) {
    if (sent.filter((x) => x > Date.now() - 1_000).length + pages > 45) vi.setSystemTime(Date.now() + 1_000);
    try {
      await fixture.source.listRooms(fixture.shopId, t - 60_000);
    } catch (err) {
      if (!isTkError(err) || err.code !== "TK_ERR_TIKTOKSHOP_RATE_LIMITED") throw err;
    }
    for (let i = 0; i < pages; i++) sent.push(Date.now());
    t += sweepDelayMs(fixture.source, fixture.shopId, POLL_INTERVAL_MS, t);
  }
  return fixture.sim
    .calls()
    .slice(before)
    .filter((c) => c.path.startsWith("/customer_service") && c.code === 0).length;
}

describe("TikTok Shop sweeps stay within the polling share of the daily quota", () => {
  it("over a simulated day, for 20, 100 and 500 conversations", async () => {
    const quota = 1_000;
    vi.useFakeTimers({ toFake: ["Date"] });
    const [c20, c100, c500] = await Promise.all([
      simulatedDay(20, quota),
      simulatedDay(100, quota),
      simulatedDay(500, quota),
    ]).finally(() => vi.useRealTimers());
    for (const calls of [c20, c100, c500]) {
      expect(calls).toBeLessThanOrEqual(POLL_SHARE * quota);
      // Stretched, not stopped: the sweeps still use most of their share.
      expect(calls).toBeGreaterThanOrEqual(0.8 * POLL_SHARE * quota);
    }
  }, 60_000);

  it("at the default 10,000 calls a day: 1, 5 and 25 pages a sweep give intervals within 3,000 calls a day", () => {
    for (const pages of [1, 5, 25]) {
      const interval = Math.max(POLL_INTERVAL_MS, minSweepIntervalMs(pages, 10_000));
      expect(Math.ceil(DAY / interval) * pages).toBeLessThanOrEqual(3_000);
    }
    expect(minSweepIntervalMs(25, 10_000)).toBe(720_000);
    expect(minSweepIntervalMs(undefined, 10_000)).toBe(0);
  });
});
