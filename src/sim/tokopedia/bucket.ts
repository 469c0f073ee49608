/**
 * Token bucket per (fs_id, endpoint), reported with Tokopedia's four X-Ratelimit-* headers
 * (docs/platforms/tokopedia.md#rate-limits).
 */
export interface RateLimitSetting {
  perSecond: number;
  burst: number;
}

export class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly setting: RateLimitSetting,
    now: number,
  ) {
    this.tokens = setting.burst;
    this.at = now;
  }

  /** Takes one request; returns the headers to send and whether the request may proceed. */
  take(now: number): { allowed: boolean; headers: Record<string, string> } {
    const { perSecond, burst } = this.setting;
    this.tokens = Math.min(burst, this.tokens + ((now - this.at) / 1000) * perSecond);
    this.at = now;
    const allowed = this.tokens >= 1;
    if (allowed) this.tokens -= 1;
    const remaining = Math.floor(this.tokens);
    const resetAfter = remaining >= 1 ? "-0.000000" : ((1 - this.tokens) / perSecond).toFixed(6);
    const fullReset = ((burst - this.tokens) / perSecond).toFixed(6);
    return {
      allowed,
      headers: {
        "X-Ratelimit-Limit": `${perSecond} req/s (burst ${burst})`,
        "X-Ratelimit-Remaining": String(remaining),
        "X-Ratelimit-Reset-After": resetAfter,
        "X-Ratelimit-Full-Reset-After": fullReset,
      },
    };
  }
}
