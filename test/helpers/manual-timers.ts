/**
 * A manual clock for the sweep scheduler (SchedulerTimers): time moves only when the test advances it, and the
 * timers due on the way fire in order, each followed by a turn of the event loop so the async work they start
 * (a sweep) can finish before the next one fires.
 */
import type { SchedulerTimers } from "../../src/bridge/sweep-scheduler.js";

interface Pending {
  id: number;
  at: number;
  fn: () => void;
}

export class ManualTimers implements SchedulerTimers {
  private t: number;
  private seq = 0;
  private pending: Pending[] = [];
  private rng: number;

  constructor(start = 1_000_000, seed = 7) {
    this.t = start;
    this.rng = seed;
  }

  now = (): number => this.t;

  setTimer = (fn: () => void, ms: number): unknown => {
    const p = { id: ++this.seq, at: this.t + Math.max(0, ms), fn };
    this.pending.push(p);
    return p.id;
  };

  clearTimer = (handle: unknown): void => {
    this.pending = this.pending.filter((p) => p.id !== handle);
  };

  /** Deterministic jitter (a linear congruential generator). */
  random = (): number => {
    this.rng = (this.rng * 1_103_515_245 + 12_345) % 2 ** 31;
    return this.rng / 2 ** 31;
  };

  /** When the earliest pending timer is due (ms); undefined when none is pending. */
  nextAt(): number | undefined {
    return this.pending.reduce<number | undefined>(
      (a, p) => (a === undefined || p.at < a ? p.at : a),
      undefined,
    );
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      const next = this.pending.reduce<Pending | undefined>(
        (a, p) => (p.at <= until && (!a || p.at < a.at || (p.at === a.at && p.id < a.id)) ? p : a),
        undefined,
      );
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
      await new Promise((r) => setImmediate(r));
    }
    this.t = until;
  }
}
