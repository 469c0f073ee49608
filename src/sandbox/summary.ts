/**
 * The end of a sandbox run: one result line that only states counts (no ✓/✗ next to numbers that look fine),
 * then either "✓ ..." or the failures as TK_ERR_SANDBOX_EXPECTATION (exit 1, --json gives the outcome).
 */
import { TkError } from "../errors/index.js";
import type { PlayOutcome } from "./play.js";

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** "5 of 5 buyer messages arrived in Kommo; replies: delivered, refused; 4 of 4 expectations held." */
export function resultLine(o: PlayOutcome): string {
  const total = o.expectations.held + o.expectations.failed;
  const replies = o.replies.map((r) => r.status).join(", ") || "none";
  return `${o.arrived} of ${plural(o.sent, "buyer message")} arrived in Kommo; replies: ${replies}; ${o.expectations.held} of ${plural(total, "expectation")} held.`;
}

/** The error a run with failures ends in; undefined when everything held. */
export function expectationError(o: PlayOutcome): TkError | undefined {
  if (o.failures.length === 0) return undefined;
  const list = o.failures.map((f) => `line ${f.line}: ${f.what}`).join("; ");
  return new TkError("TK_ERR_SANDBOX_EXPECTATION", `${plural(o.failures.length, "failure")}: ${list}`, {
    fix: "Read the transcript above: it shows which side is missing what. A wrong count in the script itself is fixed in the script (docs/sandbox.md).",
    exitCode: 1,
    details: { outcome: o },
  });
}
