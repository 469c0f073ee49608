/**
 * Checks a request log against a token bucket: the requests of one endpoint fit a bucket of `burst` tokens
 * refilled at `perSecond` (what Tokopedia accepts without a 429) when every stretch of k requests from the i-th
 * to the j-th took at least (k − burst) / perSecond seconds.
 */
export interface TimedRequest {
  endpoint: string;
  at: number;
}

/** The largest excess over the bucket (requests), 0 when the log fits. */
export function bucketExcess(log: readonly TimedRequest[], perSecond: number, burst: number): number {
  const byEndpoint = new Map<string, number[]>();
  for (const r of log) {
    const list = byEndpoint.get(r.endpoint) ?? [];
    list.push(r.at);
    byEndpoint.set(r.endpoint, list);
  }
  let worst = 0;
  for (const times of byEndpoint.values()) {
    times.sort((a, b) => a - b);
    for (let i = 0; i < times.length; i++) {
      for (let j = i; j < times.length; j++) {
        const allowed = burst + ((times[j]! - times[i]!) / 1000) * perSecond;
        worst = Math.max(worst, j - i + 1 - allowed);
      }
    }
  }
  return worst;
}

/** The most requests of one endpoint in any window of `windowMs`. */
export function peakInWindow(log: readonly TimedRequest[], endpoint: string, windowMs = 1000): number {
  const times = log
    .filter((r) => r.endpoint === endpoint)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  let peak = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= windowMs) i++;
    peak = Math.max(peak, j - i + 1);
  }
  return peak;
}
