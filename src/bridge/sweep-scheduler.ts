/**
 * When each shop is swept. The policy, apart from what a sweep does (poller.ts):
 *  - Every shop has its own phase in the interval, so the shops of an app do not all call at the same moment:
 *    shop i of n sharing an app starts i/n of the way into the interval, plus a random jitter within its slot.
 *  - The interval never asks more of an app's rate budget than it holds: n shops sharing `callsPerSecond` are
 *    swept at most every n / callsPerSecond seconds (an idle sweep costs one call), whatever the configured
 *    interval says. A source without such a budget is swept at the configured interval.
 *  - A shop where nothing happens backs off: its interval grows with the time it has been quiet (half of it), up
 *    to `maxIdleIntervalMs` (10 min). Any activity (a sweep that found something, a webhook for the shop) brings
 *    it straight back to the paced interval; a webhook also brings the next sweep forward.
 *  - `minIntervalMs` lets a source stretch a shop's interval further (a daily quota share, say).
 *  - `ticksPerInterval` lets a source spread one sweep over its interval in several calls (a listing walked one
 *    page a tick): the timer then fires that many times per interval, evenly apart.
 * The same arithmetic (`effectiveIntervalMs`) gives `status` the interval it shows.
 */

/** The clock and timers the scheduler runs on (injected in tests). */
export interface SchedulerTimers {
  now: () => number;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** In [0, 1): the phase jitter. */
  random: () => number;
}

export const realTimers: SchedulerTimers = {
  // Read at each call, not taken once at import: a test that fakes Date after loading this module is followed.
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
  random: Math.random,
};

/** Ten minutes: the longest an idle shop goes unswept (unless the configured interval is longer). */
export const MAX_IDLE_INTERVAL_MS = 10 * 60_000;

export interface IntervalInputs {
  /** The configured interval (sync.pollIntervalSeconds). */
  baseMs: number;
  /** Shops sharing the budget (the shops of the app). */
  shopsSharing: number;
  /** Calls per second the sharing shops may make together; undefined: no such budget. */
  callsPerSecond?: number | undefined;
  /** How long nothing has happened in the shop (ms). */
  quietMs: number;
  maxIdleIntervalMs?: number;
  /** A further lower bound from the source (e.g. its quota share). */
  minIntervalMs?: number | undefined;
}

/** The interval the budget allows: never less than shops ÷ rate seconds. */
export function pacedIntervalMs(
  i: Pick<IntervalInputs, "baseMs" | "shopsSharing" | "callsPerSecond">,
): number {
  if (!i.callsPerSecond) return i.baseMs;
  return Math.max(i.baseMs, Math.ceil((i.shopsSharing * 1000) / i.callsPerSecond));
}

/** The interval a shop is swept at now: paced, stretched while it is quiet, and by the source's own bound. */
export function effectiveIntervalMs(i: IntervalInputs): number {
  const paced = Math.max(pacedIntervalMs(i), i.minIntervalMs ?? 0);
  const maxIdle = i.maxIdleIntervalMs ?? MAX_IDLE_INTERVAL_MS;
  if (paced >= maxIdle) return paced;
  return Math.min(maxIdle, Math.max(paced, Math.floor(Math.max(0, i.quietMs) / 2)));
}

/** One swept thing: a key, and the budget group (an app) it shares calls with. */
export interface SweepTarget {
  key: string;
  group: string;
}

export interface SweepSchedulerOptions<T extends SweepTarget> {
  targets: T[];
  baseIntervalMs: number;
  /** Calls per second of a group's budget; undefined: none. */
  callsPerSecond: (target: T) => number | undefined;
  /** A source's further lower bound of a target's interval (ms); undefined: none. */
  minIntervalMs?: (target: T) => number | undefined;
  maxIdleIntervalMs?: number;
  /** In how many ticks one interval sweeps the target (default 1): the timer fires interval ÷ ticks apart. */
  ticksPerInterval?: (target: T) => number;
  /** Sweeps the target (one tick); resolves to whether it found anything new (never rejects). */
  sweep: (target: T) => Promise<{ active: boolean }>;
  timers?: SchedulerTimers;
}

interface Slot<T> {
  target: T;
  /** When the next sweep is due (ms); phases advance from it, not from when a sweep ended. */
  due: number;
  timer: unknown;
  running: boolean;
  lastActivity: number;
  lastStart: number | undefined;
}

export class SweepScheduler<T extends SweepTarget> {
  private readonly slots = new Map<string, Slot<T>>();
  private readonly groupSize = new Map<string, number>();
  private readonly timers: SchedulerTimers;
  private stopped = true;

  constructor(private readonly o: SweepSchedulerOptions<T>) {
    this.timers = o.timers ?? realTimers;
    for (const t of o.targets) this.groupSize.set(t.group, (this.groupSize.get(t.group) ?? 0) + 1);
  }

  /**
   * Offsets (ms from now) at which a catch-up of every target starts: the targets of a group one budget slot
   * apart (1 / callsPerSecond), so a catch-up uses the whole budget and no more; no budget: all at once.
   */
  catchUpOffsets(): Map<string, number> {
    const index = new Map<string, number>();
    const out = new Map<string, number>();
    for (const t of this.o.targets) {
      const i = index.get(t.group) ?? 0;
      index.set(t.group, i + 1);
      const rate = this.o.callsPerSecond(t);
      out.set(t.key, rate ? Math.floor((i * 1000) / rate) : 0);
    }
    return out;
  }

  /** Starts the periodic sweeps, each target at its own phase of its first interval. */
  start(): void {
    this.stopped = false;
    const now = this.timers.now();
    const index = new Map<string, number>();
    for (const target of this.o.targets) {
      const i = index.get(target.group) ?? 0;
      index.set(target.group, i + 1);
      const n = this.groupSize.get(target.group) ?? 1;
      const slot: Slot<T> = {
        target,
        due: 0,
        timer: undefined,
        running: false,
        lastActivity: now,
        lastStart: undefined,
      };
      this.slots.set(target.key, slot);
      const interval = this.tickOf(slot, now);
      const width = interval / n;
      slot.due = now + interval + Math.floor(i * width + this.timers.random() * width * 0.5);
      this.arm(slot);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.slots.values()) this.timers.clearTimer(s.timer);
    this.slots.clear();
  }

  /** Something happened in the shop (a webhook): back to the paced interval, next sweep no later than that. */
  wake(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const now = this.timers.now();
    slot.lastActivity = now;
    if (slot.running) return;
    const due = Math.max(now, (slot.lastStart ?? now) + this.tickOf(slot, now));
    if (due < slot.due) {
      slot.due = due;
      this.arm(slot);
    }
  }

  /** The interval a target is swept at now (ms); undefined for an unknown key or before start. */
  intervalMs(key: string): number | undefined {
    const slot = this.slots.get(key);
    return slot && this.intervalOf(slot, this.timers.now());
  }

  /** When a target's next sweep is due (ms), for tests and status. */
  nextDue(key: string): number | undefined {
    return this.slots.get(key)?.due;
  }

  private intervalOf(slot: Slot<T>, now: number): number {
    const t = slot.target;
    return effectiveIntervalMs({
      baseMs: this.o.baseIntervalMs,
      shopsSharing: this.groupSize.get(t.group) ?? 1,
      callsPerSecond: this.o.callsPerSecond(t),
      minIntervalMs: this.o.minIntervalMs?.(t),
      quietMs: now - slot.lastActivity,
      ...(this.o.maxIdleIntervalMs !== undefined ? { maxIdleIntervalMs: this.o.maxIdleIntervalMs } : {}),
    });
  }

  /**
   * The time between two ticks: the interval divided by its ticks, rounded up to whole seconds when longer than
   * one. The interval may sit exactly on a budget's bound (a quota share); the rounding keeps the spread ticks a
   * little under it rather than on it.
   */
  private tickOf(slot: Slot<T>, now: number): number {
    const interval = this.intervalOf(slot, now);
    const ticks = Math.max(1, Math.floor(this.o.ticksPerInterval?.(slot.target) ?? 1));
    if (ticks === 1) return interval;
    const tick = interval / ticks;
    return tick >= 1_000 ? Math.ceil(tick / 1_000) * 1_000 : Math.ceil(tick);
  }

  private arm(slot: Slot<T>): void {
    this.timers.clearTimer(slot.timer);
    if (this.stopped) return;
    slot.timer = this.timers.setTimer(() => void this.fire(slot), Math.max(0, slot.due - this.timers.now()));
  }

  private async fire(slot: Slot<T>): Promise<void> {
    if (this.stopped || this.slots.get(slot.target.key) !== slot) return;
    slot.running = true;
    const started = this.timers.now();
    slot.lastStart = started;
    let active = false;
    try {
      ({ active } = await this.o.sweep(slot.target));
    } catch {
      // sweep never rejects by contract; a bug here must not end this target's sweeps.
    }
    slot.running = false;
    const now = this.timers.now();
    if (active) slot.lastActivity = now;
    // Keep the phase: the next tick is one tick after this one was due, or now if that has passed.
    slot.due = Math.max(now, slot.due + this.tickOf(slot, now));
    this.arm(slot);
  }
}
