/** What the TikTok Shop checks share: folding per-seller outcomes into one, the re-authorization fix, times. */
import type { Outcome } from "../types.js";
import { pass } from "../types.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export const REAUTH_FIX =
  "have the seller open the authorization link again, then run `tokokommo shops add --source tiktokshop --app APP --auth-code CODE --kommo-account NAME`";

/** The worst outcome first; all messages joined, the first fix kept. */
export function worst(outcomes: Outcome[], allGood: string): Outcome {
  const rank = { fail: 2, warn: 1, pass: 0 } as const;
  const bad = outcomes.filter((o) => o.status !== "pass").sort((a, b) => rank[b.status] - rank[a.status]);
  if (bad.length === 0) return pass(outcomes.length ? outcomes.map((o) => o.message).join("; ") : allGood);
  const top = bad[0]!;
  return {
    status: top.status,
    message: bad.map((o) => o.message).join("; "),
    ...(top.fix ? { fix: top.fix } : {}),
  };
}

export const inDays = (ms: number) => `${(ms / DAY).toFixed(ms < 10 * DAY ? 1 : 0)} days`;
export const inHours = (ms: number) => `${(ms / HOUR).toFixed(1)} h`;
