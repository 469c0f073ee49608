/** Request rates read off a simulator's request log: what tests and benchmarks check a client's pacing with. */

/** Arrivals per calendar second (unix seconds), oldest first. */
export function arrivalsPerSecond(times: number[]): { second: number; count: number }[] {
  const counts = new Map<number, number>();
  for (const t of times) {
    const s = Math.floor(t / 1000);
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([second, count]) => ({ second, count }));
}

/** The most arrivals inside any sliding window of `windowMs` (times in ms, any order). */
export function maxArrivalsInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] ?? 0) - (sorted[start] ?? 0) >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
