/**
 * Runs checks: in order, each with a timeout, a check whose prerequisite failed reported as skipped. A check that
 * throws is a failed check (with the error's fix), never a crashed doctor.
 */
import { isTkError } from "../errors/index.js";
import { DoctorContext, type DoctorOptions } from "./context.js";
import { CHECK_GROUPS } from "./registry.js";
import { starterReport } from "./starter.js";
import { type Check, type CheckGroup, type CheckReport, checkKey, type Outcome } from "./types.js";

export interface DoctorReport {
  ok: boolean;
  summary: { pass: number; warn: number; fail: number; skip: number };
  checks: CheckReport[];
}

async function withTimeout(check: Check, ctx: DoctorContext, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          status: "fail",
          message: `no answer within ${Math.round(ms / 1000)} s`,
          fix: "check the network path to the platform named in the title, then run doctor again",
        }),
      ms,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run(ctx)), timeout]);
  } catch (err) {
    return {
      status: "fail",
      message: isTkError(err)
        ? `${err.message} (${err.code})`
        : `check crashed: ${err instanceof Error ? err.message : String(err)}`,
      fix: isTkError(err) && err.fix ? err.fix : "re-run with --log-level debug and report it",
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function runChecks(
  ctx: DoctorContext,
  groups: readonly CheckGroup[] = CHECK_GROUPS,
): Promise<DoctorReport> {
  const timeoutMs = ctx.options.timeoutMs ?? 20_000;
  const reports: CheckReport[] = [];
  const status = new Map<string, CheckReport["status"]>();
  for (const group of groups) {
    for (const check of group.checks(ctx)) {
      const key = checkKey(check);
      const blocked = (check.needs ?? []).find((n) => {
        const s = status.get(n);
        return s === "fail" || s === "skip";
      });
      const started = performance.now();
      const outcome: { status: CheckReport["status"]; message: string; fix?: string } = blocked
        ? { status: "skip", message: `skipped: ${blocked} did not pass` }
        : await withTimeout(check, ctx, timeoutMs);
      status.set(key, outcome.status);
      reports.push({
        id: check.id,
        ...(check.subject !== undefined ? { subject: check.subject } : {}),
        title: check.title,
        status: outcome.status,
        message: outcome.message,
        ...(outcome.fix !== undefined && outcome.status !== "pass" ? { fix: outcome.fix } : {}),
        ms: Math.round(performance.now() - started),
      });
    }
  }
  const count = (s: CheckReport["status"]) => reports.filter((r) => r.status === s).length;
  const summary = { pass: count("pass"), warn: count("warn"), fail: count("fail"), skip: count("skip") };
  return { ok: summary.fail === 0, summary, checks: reports };
}

/** Builds the context, runs every check, closes what it opened. */
export async function runDoctor(
  options: DoctorOptions,
  groups?: readonly CheckGroup[],
): Promise<DoctorReport> {
  const ctx = new DoctorContext(options);
  try {
    if (!ctx.configState.ok && ctx.configState.starter) return starterReport(ctx.configState.starter);
    return await runChecks(ctx, groups);
  } finally {
    ctx.close();
  }
}
