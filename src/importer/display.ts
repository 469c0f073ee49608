/**
 * How an import reports itself while it runs: on a terminal one line rewritten in place (conversations done /
 * total, messages, calls, time left); elsewhere (a log, a pipe) a plain line per tenth of the conversations, so a
 * cron mail stays short. The summary at the end is the command's result, printed by the CLI.
 */
import type { ImportProgress } from "./walk.js";

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function progressLine(p: ImportProgress, dryRun: boolean): string {
  const eta = p.etaMs !== undefined && p.roomsDone < p.roomsTotal ? `, ~${duration(p.etaMs)} left` : "";
  return (
    `conversations ${p.roomsDone}/${p.roomsTotal}, messages ${dryRun ? "to send" : "sent"} ${p.messagesSent}` +
    ` (${p.messagesSkipped} already there), calls ${p.calls}${eta}`
  );
}

export interface ProgressReporter {
  update(p: ImportProgress): void;
  /** Ends the in-place line on a terminal, so what is printed next starts on its own line. */
  end(): void;
}

/** Writes progress to `write`: in place on a terminal, a line per tenth of the conversations otherwise. */
export function progressReporter(
  write: (text: string) => void,
  tty: boolean,
  dryRun: boolean,
): ProgressReporter {
  let lastStep = -1;
  let shown = false;
  return {
    update(p) {
      if (tty) {
        write(`\r\x1b[2K${progressLine(p, dryRun)}`);
        shown = true;
        return;
      }
      if (p.roomsTotal === 0) return;
      const step = Math.floor((p.roomsDone * 10) / p.roomsTotal);
      if (step === lastStep) return;
      lastStep = step;
      write(`${progressLine(p, dryRun)}\n`);
    },
    end() {
      if (shown) write("\n");
      shown = false;
    },
  };
}

export function summaryText(p: ImportProgress, days: number, dryRun: boolean): string {
  const verb = dryRun ? "would send" : "sent";
  return [
    `${dryRun ? "dry run: " : ""}shop ${p.shopId} (${p.source}), last ${days} days: ${verb} ${p.messagesSent} ` +
      `message(s) from ${p.roomsDone}/${p.roomsTotal} conversation(s) as silent history`,
    `${p.messagesSkipped} already in Kommo or not shown; ${p.calls} marketplace call(s); took ${duration(p.elapsedMs)}`,
  ].join("\n");
}
