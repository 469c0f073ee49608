/** The sweep schedule on a manual clock: phases, the budget bound, idle back-off and the wake-up. */
import { describe, expect, it } from "vitest";
import {
  effectiveIntervalMs,
  MAX_IDLE_INTERVAL_MS,
  SweepScheduler,
  type SweepSchedulerOptions,
  type SweepTarget,
} from "../../src/bridge/sweep-scheduler.js";
import { ManualTimers } from "../helpers/manual-timers.js";

function shops(n: number, group = "tokopedia:main"): SweepTarget[] {
  return Array.from({ length: n }, (_, i) => ({ key: `tokopedia:${i}`, group }));
}

/**
 * A scheduler on a manual clock (base interval 30 s unless `o` says otherwise) whose every sweep records when it
 * started and answers `active`.
 */
function recording(
  o: Omit<SweepSchedulerOptions<SweepTarget>, "baseIntervalMs" | "sweep" | "timers"> & { active: boolean },
) {
  const timers = new ManualTimers();
  const starts: number[] = [];
  const { active, ...options } = o;
  const s = new SweepScheduler({
    baseIntervalMs: 30_000,
    ...options,
    sweep: async () => {
      starts.push(timers.now());
      return { active };
    },
    timers,
  });
  return { timers, starts, s };
}

/** The time between one recorded sweep start and the next. */
const gapsOf = (starts: number[]) => starts.slice(1).map((t, i) => t - starts[i]!);

describe("sweep scheduler", () => {
  it("200 shops of one app at 5 calls/s: interval 40 s (not 30), sweeps spread over it, never above the rate", async () => {
    const { timers, starts, s } = recording({
      targets: shops(200),
      callsPerSecond: () => 5,
      active: true,
    });
    s.start();
    expect(s.intervalMs("tokopedia:0")).toBe(40_000);
    await timers.advance(200_000);
    s.stop();
    // Four rounds and a bit; every shop swept once per 40 s.
    expect(starts.length).toBeGreaterThanOrEqual(4 * 200);
    expect(starts.length).toBeLessThanOrEqual(5 * 200);
    starts.sort((a, b) => a - b);
    let peak = 0;
    for (let i = 0, j = 0; j < starts.length; j++) {
      while (starts[j]! - starts[i]! >= 1_000) i++;
      peak = Math.max(peak, j - i + 1);
    }
    // Evenly spread: 5 a second, a sixth where two slots' jitter meet; bunched sweeps would give 200.
    expect(peak).toBeLessThanOrEqual(6);
  });

  it("an idle shop backs off up to 10 min; a webhook (wake) brings the next sweep and the interval back", async () => {
    const { timers, starts, s } = recording({
      targets: shops(1),
      callsPerSecond: () => 5,
      active: false,
    });
    s.start();
    await timers.advance(60 * 60_000);
    const gaps = gapsOf(starts);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThanOrEqual(gaps[i - 1]!);
    expect(gaps[0]).toBe(30_000);
    expect(Math.max(...gaps)).toBe(MAX_IDLE_INTERVAL_MS);
    expect(s.intervalMs("tokopedia:0")).toBe(MAX_IDLE_INTERVAL_MS);
    const woken = timers.now();
    s.wake("tokopedia:0");
    expect(s.intervalMs("tokopedia:0")).toBe(30_000);
    const before = starts.length;
    await timers.advance(29_999);
    expect(starts.length).toBe(before + 1);
    expect(starts.at(-1)! - woken).toBeLessThanOrEqual(30_000);
    s.stop();
  });

  it("a shop with activity stays at the paced interval", async () => {
    const { timers, starts, s } = recording({
      targets: shops(1),
      callsPerSecond: () => undefined,
      active: true,
    });
    s.start();
    await timers.advance(10 * 60_000);
    s.stop();
    const gaps = gapsOf(starts);
    expect(new Set(gaps)).toEqual(new Set([30_000]));
  });

  it("ticksPerInterval spreads one interval's sweep over that many ticks, each a whole second at least apart", async () => {
    const { timers, starts, s } = recording({
      targets: [{ key: "tiktokshop:1", group: "tiktokshop:a" }],
      callsPerSecond: () => undefined,
      minIntervalMs: () => 720_000,
      ticksPerInterval: () => 25,
      active: true,
    });
    s.start();
    await timers.advance(3600_000);
    // The interval is still the walk's (what status shows); its ticks come 720 / 25 = 28.8 s apart, rounded up.
    expect(s.intervalMs("tiktokshop:1")).toBe(720_000);
    s.stop();
    const gaps = gapsOf(starts);
    expect(new Set(gaps)).toEqual(new Set([29_000]));
    expect(starts.length).toBeGreaterThanOrEqual(3600 / 29 - 2);
  });

  it("effectiveIntervalMs: paced by shops ÷ rate, stretched by the source's bound and by quiet time", () => {
    const base = { baseMs: 30_000, shopsSharing: 10, callsPerSecond: 5, quietMs: 0 };
    expect(effectiveIntervalMs(base)).toBe(30_000);
    expect(effectiveIntervalMs({ ...base, shopsSharing: 500 })).toBe(100_000);
    expect(effectiveIntervalMs({ ...base, minIntervalMs: 90_000 })).toBe(90_000);
    expect(effectiveIntervalMs({ ...base, quietMs: 5 * 60_000 })).toBe(150_000);
    expect(effectiveIntervalMs({ ...base, quietMs: 5 * 3600_000 })).toBe(MAX_IDLE_INTERVAL_MS);
    expect(effectiveIntervalMs({ ...base, baseMs: 3600_000, quietMs: 5 * 3600_000 })).toBe(3600_000);
  });

  it("a catch-up starts the shops of an app one rate slot apart, other apps independently", () => {
    const s = new SweepScheduler({
      targets: [...shops(3), { key: "tiktokshop:x", group: "tiktokshop:a" }],
      baseIntervalMs: 30_000,
      callsPerSecond: (t) => (t.group.startsWith("tokopedia") ? 5 : undefined),
      sweep: async () => ({ active: false }),
    });
    expect([...s.catchUpOffsets().values()]).toEqual([0, 200, 400, 0]);
  });
});
