/**
 * Virtual time for tests of rate budgets shared by several callers (replicas): one clock, sleepers woken in time
 * order, moved on only once every caller is either done or asleep, so the times at which calls are let through
 * are exact and the same on every run.
 */

/** One clock for every replica; sleepers wake in time order, moved on by `run`. */
export class VirtualClock {
  t = 5_000_000;
  private sleepers: { at: number; wake: () => void }[] = [];
  now = () => this.t;
  sleep = (ms: number) =>
    new Promise<void>((wake) => {
      this.sleepers.push({ at: this.t + ms, wake });
    });

  /** Runs the calls; resolves to the virtual times at which each was let through. */
  async run(calls: (() => Promise<void>)[]): Promise<number[]> {
    const sent: number[] = [];
    let open = calls.length;
    for (const call of calls)
      void call().then(() => {
        sent.push(this.t);
        open--;
      });
    while (open > 0) {
      // Every caller still open is asleep (none is in a round trip to the database): move to the next wake-up.
      if (this.sleepers.length === open) {
        this.sleepers.sort((x, y) => x.at - y.at);
        const next = this.sleepers.shift();
        if (next) {
          this.t = Math.max(this.t, next.at);
          next.wake();
        }
      }
      await new Promise((r) => setImmediate(r));
    }
    return sent;
  }
}

/** The most of `times` in any span of `windowMs`. */
export function maxInAnyWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((x, y) => x - y);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}
