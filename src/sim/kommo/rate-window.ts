/**
 * Kommo REST rate limiting as the simulator enforces it: at most `rps` accepted requests in any sliding window of
 * `windowMs` per account (a fixed second would let 14 through across a boundary; a token bucket 13). A request
 * over the limit gets 429; `blockAfter` consecutive 429s block the account: every call gets 403 until unblock().
 */
export interface RateRules {
  rps: number;
  windowMs: number;
  blockAfter: number;
}

interface AccountWindow {
  accepted: number[];
  consecutive429: number;
  blocked: boolean;
}

export class RateWindow {
  private readonly perAccount = new Map<string, AccountWindow>();
  constructor(public rules: RateRules) {}

  private get(key: string): AccountWindow {
    let w = this.perAccount.get(key);
    if (!w) {
      w = { accepted: [], consecutive429: 0, blocked: false };
      this.perAccount.set(key, w);
    }
    return w;
  }

  /** "ok", "limited" (answer 429) or "blocked" (answer 403). */
  admit(key: string, now: number): "ok" | "limited" | "blocked" {
    const w = this.get(key);
    if (w.blocked) return "blocked";
    while (w.accepted.length > 0 && now - (w.accepted[0] ?? 0) >= this.rules.windowMs) w.accepted.shift();
    if (w.accepted.length >= this.rules.rps) {
      w.consecutive429++;
      if (w.consecutive429 >= this.rules.blockAfter) w.blocked = true;
      return "limited";
    }
    w.consecutive429 = 0;
    w.accepted.push(now);
    return "ok";
  }

  isBlocked(key: string): boolean {
    return this.perAccount.get(key)?.blocked ?? false;
  }

  unblock(key?: string): void {
    for (const [k, w] of this.perAccount) {
      if (key === undefined || k === key) {
        w.blocked = false;
        w.consecutive429 = 0;
      }
    }
  }
}
