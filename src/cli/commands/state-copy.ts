import type { CopyProgress, CopyReport } from "../../store/copy/copy-state.js";
import type { CommandIO, CommandResult, GlobalOptions } from "../result.js";
import { formatTable } from "../table.js";

/** Progress lines at most this often within a table (a table's last batch is always reported). */
const PROGRESS_EVERY_MS = 1000;

/**
 * `tokokommo state copy --from <file|url> --to <file|url> [--json]`: a stopped install's state from an SQLite file
 * to PostgreSQL or back (see store/copy/copy-state.ts). Progress goes to stderr, so stdout stays the report (JSON
 * with --json). Prints counts and locations only (database URLs without their password), never a row's content.
 */
export async function stateCopyCommand(
  opts: Record<string, unknown>,
  _globals: GlobalOptions,
  _args: string[],
  io: CommandIO,
): Promise<CommandResult> {
  const { copyState } = await import("../../store/copy/copy-state.js");
  const report = await copyState({
    from: String(opts.from),
    to: String(opts.to),
    onProgress: progressPrinter((line) => io.writeErr?.(line)),
  });
  return { exitCode: 0, text: reportText(report), json: report };
}

function progressPrinter(write: (line: string) => void): (p: CopyProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (p.copied < p.total && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    write(`state copy: ${p.table} ${p.copied}/${p.total}\n`);
  };
}

function reportText(r: CopyReport): string {
  const rows = r.tables.map((t) => [t.table, String(t.written)]);
  return [
    `copied ${r.rows} row(s) from ${r.from} to ${r.to} (schema ${r.schemaVersion}) in ${(r.tookMs / 1000).toFixed(1)} s; every table's rows read = rows written:`,
    formatTable(["table", "rows"], rows),
    `next: point statePath (or --state) at ${r.to} and start the daemon (it upgrades the schema if this version is newer).`,
  ].join("\n");
}
