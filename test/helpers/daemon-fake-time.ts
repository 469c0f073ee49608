/**
 * A whole in-process daemon on fake timers, so a test of pacing (rates, intervals, sweeps spread over seconds)
 * takes the time its HTTP takes instead of the seconds it describes. Date, performance, setTimeout and setInterval
 * are faked, for the simulators and the daemon alike (install before either is made, so both read the fake
 * clocks). Time moves in small steps, and only while none of the daemon's HTTP exchanges is on the wire; before
 * each step the event loop turns once, so work queued on real macrotasks (sockets, setImmediate batches) runs
 * first. What a request's arrival is stamped with is then the time the daemon sent it at, without the jitter of a
 * busy machine.
 */

import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach, vi } from "vitest";
import { currentExchange, directExchange, type Exchange, setExchange } from "../../src/net/exchange.js";

const FAKED = ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date", "performance"] as const;

const nextTurn = () => new Promise<void>((r) => setImmediate(r));
/** The real setTimeout, taken before any test fakes it. */
const realSetTimeout = globalThis.setTimeout;

export interface DaemonFakeTime {
  /** Settles `p` while moving fake time (at most `limitMs` of it: then it throws, naming `what`). */
  settle<T>(p: Promise<T>, what?: string, limitMs?: number): Promise<T>;
  /**
   * Moves fake time until `done()` is truthy (at most `limitMs` of it: then it throws, naming `what`). `done` may
   * be asynchronous (a read of the daemon's state port).
   */
  until(what: string, done: () => unknown, limitMs?: number): Promise<void>;
  /** until(), returning the truthy value `probe` gave (waitFor of test/helpers/wait.ts, on fake time). */
  waitFor<T>(what: string, probe: () => T | undefined | false, limitMs?: number): Promise<T>;
  /**
   * Settles `p` with fake time moving at the real clock's pace (at most `limitMs` of it): for work done on another
   * thread that the fake-time loop cannot see, such as an HTTP worker thread starting up.
   */
  settleAtRealPace<T>(p: Promise<T>, what: string, limitMs?: number): Promise<T>;
  /**
   * Counts the exchanges of the exchange set now as well: call it after starting a daemon with an HTTP worker,
   * whose exchange (calls answered on the worker thread) then replaced the counting one, so that time does not
   * move while one of those calls is on the wire either.
   */
  countCurrentExchange(): void;
  /** Puts the real timers and the direct exchange back. */
  uninstall(): void;
}

export function installDaemonFakeTime(stepMs = 10): DaemonFakeTime {
  vi.useFakeTimers({ toFake: [...FAKED] });
  let inFlight = 0;
  const counting =
    (inner: Exchange): Exchange =>
    (call) => {
      inFlight++;
      return inner(call).finally(() => inFlight--);
    };
  const previous = setExchange(counting(directExchange));
  // PostgreSQL state: a query on the wire holds time still too (its round trip is real, like an HTTP exchange's).
  let pgInFlight = 0;
  const restorePg = countPostgresQueries(
    () => pgInFlight++,
    () => pgInFlight--,
  );

  async function until(what: string, done: () => unknown, limitMs = 60_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    while (!(await done())) {
      if (Date.now() > deadline)
        throw new Error(`timed out (${limitMs} ms of fake time) waiting for ${what}`);
      await nextTurn();
      // An exchange that waits on a (fake) timer itself, e.g. a simulator's latency, needs time to move: after
      // this many turns it is let move anyway.
      for (let turns = 0; inFlight > 0 && turns < 5_000; turns++) await nextTurn();
      // A query never waits on a fake timer: wait for it in real time (a server's cold start takes a while).
      for (let ms = 0; pgInFlight > 0 && ms < 30_000; ms++) await new Promise((r) => realSetTimeout(r, 1));
      await vi.advanceTimersByTimeAsync(stepMs);
    }
  }

  return {
    until,
    async waitFor<T>(what: string, probe: () => T | undefined | false, limitMs?: number): Promise<T> {
      let found: T | undefined | false;
      await until(what, () => (found = probe()), limitMs);
      return found as T;
    },
    async settle(p, what = "a promise", limitMs) {
      let settled = false;
      void p.then(
        () => (settled = true),
        () => (settled = true),
      );
      await until(what, () => settled, limitMs);
      return p;
    },
    async settleAtRealPace(p, what, limitMs = 30_000) {
      let settled = false;
      void p.then(
        () => (settled = true),
        () => (settled = true),
      );
      for (let waited = 0; !settled; waited += stepMs) {
        if (waited > limitMs) throw new Error(`timed out (${limitMs} ms) waiting for ${what}`);
        await new Promise((r) => realSetTimeout(r, stepMs));
        await vi.advanceTimersByTimeAsync(stepMs);
      }
      return p;
    },
    countCurrentExchange() {
      setExchange(counting(currentExchange()));
    },
    uninstall() {
      setExchange(previous);
      restorePg();
      vi.useRealTimers();
    },
  };
}

/** What a test file holds on to: the current DaemonFakeTime, and what to close (newest first) at the end. */
export interface DaemonFakeTimeScope {
  fake: () => DaemonFakeTime;
  cleanup: Array<() => Promise<void>>;
  /** The current fake time's waitFor, settle and settleAtRealPace (see DaemonFakeTime). */
  waitFor: DaemonFakeTime["waitFor"];
  settle: DaemonFakeTime["settle"];
  settleAtRealPace: DaemonFakeTime["settleAtRealPace"];
}

function fakeTimeScope(
  before: (fn: () => void) => void,
  after: (fn: () => Promise<void>) => void,
  atEnd?: () => Promise<void>,
): DaemonFakeTimeScope {
  let current: DaemonFakeTime | undefined;
  const cleanup: Array<() => Promise<void>> = [];
  before(() => {
    current = installDaemonFakeTime();
  });
  after(async () => {
    const fake = current!;
    try {
      for (const c of cleanup.splice(0).reverse())
        await fake.settle(c(), "the daemon and the simulators to stop");
      if (atEnd) await fake.settle(atEnd(), "the daemon and the simulators to stop");
    } finally {
      fake.uninstall();
    }
  });
  return {
    fake: () => current!,
    cleanup,
    waitFor: (what, probe, limitMs) => current!.waitFor(what, probe, limitMs),
    settle: (p, what, limitMs) => current!.settle(p, what, limitMs),
    settleAtRealPace: (p, what, limitMs) => current!.settleAtRealPace(p, what, limitMs),
  };
}

/**
 * Every test of the file on daemon fake time: installed before each test; after it, what the test put in
 * `cleanup` (closing simulators, stopping daemons) runs newest first, still on fake time (stopping waits on the
 * daemon's timers), then `atEnd` (stopping what the file keeps in its own variables: the test's daemon and
 * testbed), and then the real timers are back. Use `fake()` for the current test's DaemonFakeTime.
 */
export function daemonFakeTimeEachTest(atEnd?: () => Promise<void>): DaemonFakeTimeScope {
  return fakeTimeScope(beforeEach, afterEach, atEnd);
}

/**
 * One daemon fake time for a whole describe block whose tests share a daemon set up in beforeAll (call it inside
 * the describe, before that beforeAll): installed before the block, `cleanup` run and the real timers back after it.
 */
export function daemonFakeTimeWholeDescribe(): DaemonFakeTimeScope {
  return fakeTimeScope(beforeAll, afterAll);
}

/**
 * Counts every node-postgres query and connect while it is on the wire (begin(), then end() once it settled),
 * promise-style (the state store's) and callback-style (the pool's own); returns what puts the methods back.
 */
function countPostgresQueries(begin: () => void, end: () => void): () => void {
  const proto = pg.Client.prototype as unknown as Record<"query" | "connect", (...a: unknown[]) => unknown>;
  const original = { query: proto.query, connect: proto.connect };
  for (const name of ["query", "connect"] as const) {
    const inner = original[name];
    proto[name] = function (this: unknown, ...args: unknown[]) {
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === "function") {
        // The pool's style: the call ends when its callback runs.
        begin();
        args[last] = (...result: unknown[]) => {
          end();
          return (callback as (...r: unknown[]) => unknown)(...result);
        };
        return inner.apply(this, args);
      }
      const out = inner.apply(this, args);
      if (out && typeof (out as Promise<unknown>).then === "function") {
        begin();
        (out as Promise<unknown>).then(end, end);
      }
      return out;
    };
  }
  return () => {
    proto.query = original.query;
    proto.connect = original.connect;
  };
}
