/**
 * The human checklist: one block per check (mark, title and id; the message indented; the fix under anything
 * that is not a pass), printed as each check finishes, then the summary. Colour only on a terminal and never
 * when NO_COLOR is set (no-color.org).
 */
import type { DoctorReport } from "./runner.js";
import type { CheckReport } from "./types.js";

const MARK = { pass: "✔", warn: "!", fail: "✖", skip: "-" } as const;
const COLOUR = { pass: "32", warn: "33", fail: "31", skip: "2" } as const;

const paint = (on: boolean, code: string, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Colour for a stream: a terminal, and NO_COLOR unset or empty. */
export function useColour(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && !env.NO_COLOR;
}

/** One check's block, without a trailing newline. */
export function formatResult(c: CheckReport, colour = false): string {
  const lines = [`${paint(colour, COLOUR[c.status], MARK[c.status])} ${c.title} [${c.id}]`];
  for (const m of c.message.split("\n")) lines.push(`    ${m}`);
  if (c.fix) lines.push(`    ${paint(colour, "1", "fix:")} ${c.fix}`);
  return lines.join("\n");
}

export function formatSummary(report: DoctorReport, colour = false): string {
  const s = report.summary;
  const text = `${s.pass} passed, ${s.warn} warning(s), ${s.fail} failed, ${s.skip} skipped`;
  return paint(colour, s.fail > 0 ? COLOUR.fail : s.warn > 0 ? COLOUR.warn : COLOUR.pass, text);
}

/** The whole checklist at once, in registry order (when nothing was streamed). */
export function formatChecklist(report: DoctorReport): string {
  return [...report.checks.map((c) => formatResult(c)), "", formatSummary(report)].join("\n");
}
