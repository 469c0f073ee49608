/** The human checklist: one line per check, the fix indented under anything that is not a pass. */
import type { DoctorReport } from "./runner.js";

const MARK = { pass: "✔", warn: "!", fail: "✖", skip: "-" } as const;

export function formatChecklist(report: DoctorReport): string {
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`${MARK[c.status]} ${c.title} [${c.id}]`);
    for (const m of c.message.split("\n")) lines.push(`    ${m}`);
    if (c.fix) lines.push(`    fix: ${c.fix}`);
  }
  const s = report.summary;
  lines.push("", `${s.pass} passed, ${s.warn} warning(s), ${s.fail} failed, ${s.skip} skipped`);
  return lines.join("\n");
}
