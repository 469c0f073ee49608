import { existsSync } from "node:fs";
import { loadConfig, resolveConfigPath } from "../../config/index.js";
import { TkError } from "../../errors/index.js";
import type { CommandResult, GlobalOptions } from "../result.js";

export interface RetryReport {
  statePath: string;
  /** Dead jobs put back to pending with a fresh retry budget (--dead only). */
  requeuedDead: number;
  /** Pending jobs that were waiting for their backoff and are now due at once. */
  madeDueNow: number;
}

/**
 * `tokokommo retry [--dead] [--json]`. Without --dead: jobs waiting for a retry (pending, run_after in the future)
 * become due now — after the operator fixed the cause (whitelist, binding, token) nothing has to wait out its
 * backoff. With --dead also: dead jobs go back to pending with a fresh budget. A running daemon picks them up
 * within its idle poll (SQLite is shared; both writes are single statements).
 */
export async function retryCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  // Calls no platform: secrets kept only in the daemon's env file may be missing here.
  const config = loadConfig(resolveConfigPath({ config: globals.config }, process.env), process.env, {
    secretsOptional: true,
  });
  const statePath = config.statePath;
  if (!existsSync(statePath)) {
    throw new TkError(
      "TK_ERR_STATE_MISSING",
      `The state file ${statePath} does not exist: nothing to retry.`,
      {
        fix: "Start the daemon with `tokokommo serve` first (or point --config at the config it runs with).",
        exitCode: 1,
        details: { path: statePath },
      },
    );
  }
  const { openStore } = await import("../../store/index.js");
  const store = openStore(statePath);
  const report: RetryReport = { statePath, requeuedDead: 0, madeDueNow: 0 };
  try {
    const now = Date.now();
    store.transaction(() => {
      if (opts.dead === true) report.requeuedDead = store.jobs.requeueDead({ now });
      report.madeDueNow = store.jobs.makeWaitingDue(now);
    });
  } finally {
    store.close();
  }
  const lines = [];
  if (opts.dead === true) lines.push(`re-queued ${report.requeuedDead} dead job(s)`);
  lines.push(`${report.madeDueNow} waiting job(s) will run now`);
  if (opts.dead !== true) lines.push("(dead jobs stay dead; use --dead to re-queue them)");
  return { exitCode: 0, text: lines.join("\n"), json: report };
}
