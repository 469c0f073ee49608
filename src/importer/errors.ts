/** The import's own stops. Both leave the progress recorded: running the command again continues. */
import { TkError } from "../errors/index.js";
import type { ImportProgress } from "./walk.js";

function counts(p: ImportProgress): Record<string, unknown> {
  return {
    shopId: p.shopId,
    roomsDone: p.roomsDone,
    roomsTotal: p.roomsTotal,
    messagesSent: p.messagesSent,
    calls: p.calls,
  };
}

/** The shop's read budget for today is spent (TikTok Shop: reads' share of the daily quota). */
export function importBudgetSpent(p: ImportProgress, cause: unknown): TkError {
  return new TkError(
    "TK_ERR_IMPORT_BUDGET_SPENT",
    `shop ${p.shopId}: today's read budget is spent after ${p.roomsDone}/${p.roomsTotal} conversations and ` +
      `${p.messagesSent} messages; the share kept for replies is untouched`,
    {
      fix: "Continue tomorrow, after the quota's reset: run the same `tokokommo import` again; it continues where it stopped.",
      cause,
      details: counts(p),
    },
  );
}

/** Ctrl-C: what was sent is recorded. */
export function importInterrupted(p: ImportProgress): TkError {
  return new TkError(
    "TK_ERR_IMPORT_INTERRUPTED",
    `import of shop ${p.shopId} interrupted after ${p.roomsDone}/${p.roomsTotal} conversations and ${p.messagesSent} messages`,
    { fix: "Run the same `tokokommo import` again; it continues where it stopped.", details: counts(p) },
  );
}
