import { loadConfig, resolveConfigPath } from "../../config/index.js";
import type { CommandResult, GlobalOptions } from "../result.js";

export interface RetryReport {
  /** The state file's path, or the database URL with its password hidden. */
  statePath: string;
  /** Dead jobs put back to pending with a fresh retry budget (--dead only). */
  requeuedDead: number;
  /** Pending jobs that were waiting for their backoff and are now due at once. */
  madeDueNow: number;
}

/**
 * `tokokommo retry [--dead] [--json]`. Without --dead: jobs waiting for a retry (pending, run_after in the future)
 * become due now — after the operator fixed the cause (whitelist, binding, token) nothing has to wait out its
 * backoff. With --dead also: dead jobs go back to pending with a fresh budget. Both in one transaction, on the
 * SQLite file or the PostgreSQL database the replicas share. Running jobs are not touched (a replica may be
 * running them). The daemon, or every replica, claims the jobs made due at its next idle poll of the queue (a
 * quarter of a second), without a restart; a re-queued dead job runs once the later job of its conversation that
 * may be running meanwhile has finished, and before the conversation's later ones.
 */
export async function retryCommand(
  opts: Record<string, unknown>,
  globals: GlobalOptions,
): Promise<CommandResult> {
  // Calls no platform: secrets kept only in the daemon's env file may be missing here.
  const config = loadConfig(resolveConfigPath({ config: globals.config }, process.env), process.env, {
    secretsOptional: true,
  });
  const { openCommandEngineStore } = await import("../../daemon/open-engine-store.js");
  const state = await openCommandEngineStore(config.statePath, "nothing to retry");
  const report: RetryReport = { statePath: state.location, requeuedDead: 0, madeDueNow: 0 };
  try {
    const now = Date.now();
    // Waiting jobs first: the dead ones re-queued after are due already and must not be counted twice.
    await state.store.transaction(async (tx) => {
      report.madeDueNow = await tx.makeWaitingDue(now);
      if (opts.dead === true) report.requeuedDead = await tx.requeueDead();
    });
  } finally {
    await state.close();
  }
  const lines = [`state: ${report.statePath}`];
  if (opts.dead === true) lines.push(`re-queued ${report.requeuedDead} dead job(s)`);
  lines.push(`${report.madeDueNow} waiting job(s) will run now`);
  if (opts.dead !== true) lines.push("(dead jobs stay dead; use --dead to re-queue them)");
  return { exitCode: 0, text: lines.join("\n"), json: report };
}
