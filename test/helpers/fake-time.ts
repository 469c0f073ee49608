/**
 * Running real I/O (a simulator over HTTP) on fake timers: time moves in small steps, and only while nothing is on
 * the wire, so what a client paces (its waits, its clocks) and what a simulator counts (its per-second windows, on
 * a faked Date) see the same time as they would in real time, without the test waiting for it.
 */
import { vi } from "vitest";

/**
 * Settles `p` while advancing the fake timers `stepMs` at a time; before each step, waits (on real event-loop
 * turns) until `busy()` says no request is in flight. Install the fake timers first (vi.useFakeTimers), before the
 * simulator and the client are made, so they read the fake clocks.
 */
export async function settleOnFakeTime<T>(p: Promise<T>, busy: () => boolean, stepMs = 10): Promise<T> {
  let settled = false;
  void p.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) {
    while (busy() && !settled) await new Promise((r) => setImmediate(r));
    await vi.advanceTimersByTimeAsync(stepMs);
  }
  return p;
}
