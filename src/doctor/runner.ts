/**
 * Runs checks concurrently: each starts as soon as the checks it needs have finished (at once when it needs
 * none), so hosts that hang cost one time limit, not one per check. Everything runs under one overall deadline;
 * a check whose need failed is reported skipped, naming that need. Results are handed to `onResult` as each
 * finishes (the streamed human output); the report lists them in registry order (the --json document).
 */
import { usageError } from "../errors/index.js";
import { DoctorContext, type DoctorOptions } from "./context.js";
import { CHECK_GROUPS } from "./registry.js";
import { runCheck } from "./run-check.js";
import { starterReport } from "./starter.js";
import { type Check, type CheckGroup, type CheckReport, checkKey, type Outcome } from "./types.js";

/** A single check gets at most this long (the overall deadline may cut it shorter). */
export const DEFAULT_CHECK_TIMEOUT_MS = 15_000;
/** The whole run ends within this long, whatever hangs (kept under 25 s with room for start-up and exit). */
export const DEFAULT_DEADLINE_MS = 20_000;

export interface DoctorReport {
  ok: boolean;
  summary: { pass: number; warn: number; fail: number; skip: number };
  checks: CheckReport[];
}

/** Called with each check's result as soon as it is known. */
export type OnResult = (report: CheckReport) => void;

type Status = CheckReport["status"];

/** The first need that did not pass, phrased as the skip's one reason. */
function blockedBy(needs: { key: string; status: Status }[]): string | undefined {
  const bad = needs.find((n) => n.status === "fail" || n.status === "skip");
  if (!bad) return undefined;
  return `skipped: needs ${bad.key}, which ${bad.status === "fail" ? "failed" : "was skipped"}`;
}

export async function runChecks(
  ctx: DoctorContext,
  groups: readonly CheckGroup[] = CHECK_GROUPS,
  onResult?: OnResult,
): Promise<DoctorReport> {
  const timeoutMs = ctx.options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const deadlineMs = ctx.options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const startedAt = performance.now();
  await ctx.prepareState(Math.min(timeoutMs, deadlineMs));
  const checks = groups.flatMap((g) => g.checks(ctx));
  const inRun = new Set(checks.map(checkKey));
  const settled = new Map<string, Promise<CheckReport>>();

  const runOne = async (check: Check, needs: Promise<CheckReport>[]): Promise<CheckReport> => {
    const needed = await Promise.all(needs);
    const began = performance.now();
    const left = deadlineMs - (began - startedAt);
    const blocked = blockedBy(needed.map((r) => ({ key: checkKey(r), status: r.status })));
    const outcome: Outcome | { status: "skip"; message: string } = blocked
      ? { status: "skip", message: blocked }
      : left <= 0
        ? { status: "skip", message: `skipped: doctor's time limit (${deadlineMs / 1000} s) ran out first` }
        : await runCheck(check, ctx, Math.min(timeoutMs, left));
    const report = toReport(check, outcome, performance.now() - began);
    onResult?.(report);
    return report;
  };

  const all = checks.map((check) => {
    const key = checkKey(check);
    const needs = (check.needs ?? []).filter((n) => inRun.has(n));
    const missing = needs.find((n) => !settled.has(n));
    if (missing) throw new Error(`doctor: check ${key} needs ${missing}, which is listed after it`);
    const p = runOne(
      check,
      needs.map((n) => settled.get(n)!),
    );
    settled.set(key, p);
    return p;
  });
  const reports = await Promise.all(all);
  const count = (s: Status) => reports.filter((r) => r.status === s).length;
  const summary = { pass: count("pass"), warn: count("warn"), fail: count("fail"), skip: count("skip") };
  return { ok: summary.fail === 0, summary, checks: reports };
}

function toReport(check: Check, outcome: { status: Status; message: string; fix?: string }, ms: number) {
  return {
    id: check.id,
    ...(check.subject !== undefined ? { subject: check.subject } : {}),
    title: check.title,
    status: outcome.status,
    message: outcome.message,
    ...(outcome.fix !== undefined && outcome.status !== "pass" ? { fix: outcome.fix } : {}),
    ms: Math.round(ms),
  } satisfies CheckReport;
}

/** `--shop ID` must name a configured shop (exit 2, before any network call). */
function assertKnownShop(ctx: DoctorContext): void {
  const shop = ctx.options.shop;
  if (shop === undefined || !ctx.configState.ok) return;
  if (ctx.config.shops.some((s) => s.shopId === shop)) return;
  throw usageError(
    `--shop ${shop}: no shop with that id in ${ctx.configPath}`,
    "run `tokokommo shops list` for the configured shop ids",
  );
}

/** Builds the context, runs every check, closes what it opened. Throws TK_ERR_USAGE for an unknown --shop. */
export async function runDoctor(
  options: DoctorOptions,
  groups?: readonly CheckGroup[],
  onResult?: OnResult,
): Promise<DoctorReport> {
  const ctx = new DoctorContext(options);
  try {
    if (!ctx.configState.ok && ctx.configState.starter) {
      const report = starterReport(ctx.configState.starter);
      for (const check of report.checks) onResult?.(check);
      return report;
    }
    assertKnownShop(ctx);
    return await runChecks(ctx, groups, onResult);
  } finally {
    await ctx.close();
  }
}
