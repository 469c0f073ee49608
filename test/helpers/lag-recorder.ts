/**
 * Event-loop stalls on a timeline, for the diagnostics of timing checks on a loaded machine: this process's (the
 * simulators stamp request arrivals here, so a stall bunches the stamps) and the replicas' (a replica whose loop
 * stalls sends late what it was cleared to send on time), each with the wall-clock time it was seen.
 */
import { request } from "undici";

export interface Stall {
  /** Wall-clock ms when the stall was seen (its end for this process; the scrape for a replica). */
  at: number;
  /** "test" or the replica's index. */
  who: string;
  ms: number;
}

export interface LagRecorder {
  /** Stalls of at least `minMs` seen between `from` and `to` (wall-clock ms). */
  between(from: number, to: number): Stall[];
  stop(): void;
}

/**
 * Samples this process's loop every 20 ms (a stall is a tick that came late), and scrapes each replica's
 * nodejs_eventloop_lag_max_seconds from its /metrics every second (prom-client's maximum since the last scrape).
 */
export function recordLag(o: { replicaUrls: () => (string | undefined)[]; minMs: number }): LagRecorder {
  const stalls: Stall[] = [];
  const TICK_MS = 20;
  let last = Date.now();
  const tick = setInterval(() => {
    const now = Date.now();
    const late = now - last - TICK_MS;
    if (late >= o.minMs) stalls.push({ at: now, who: "test", ms: late });
    last = now;
  }, TICK_MS);
  const scrape = setInterval(() => {
    o.replicaUrls().forEach((url, i) => {
      if (!url) return;
      void request(`${url}/metrics`)
        .then((res) => res.body.text())
        .then((text) => {
          const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
          const ms = m ? Number(m[1]) * 1000 : 0;
          if (ms >= o.minMs) stalls.push({ at: Date.now(), who: `replica ${i}`, ms: Math.round(ms) });
        })
        .catch(() => undefined);
    });
  }, 1000);
  return {
    between: (from, to) => stalls.filter((s) => s.at >= from && s.at <= to),
    stop() {
      clearInterval(tick);
      clearInterval(scrape);
    },
  };
}
