/**
 * Doctor checks as data (np-style): each check has a stable id, a title and a run that answers
 * pass, warn or fail, and when it is not a pass, the one thing to do about it.
 */
import type { DoctorContext } from "./context.js";

export type CheckStatus = "pass" | "warn" | "fail";

/** What a check's run answers. `fix` is required in spirit for warn and fail: say what to do. */
export interface Outcome {
  status: CheckStatus;
  message: string;
  fix?: string;
}

/**
 * One check. Checks about one entity (an app, a shop, a Kommo account) carry a `subject` (the app name, shop id
 * or account name), so the same id can appear once per entity.
 */
export interface Check {
  id: string;
  title: string;
  subject?: string;
  /**
   * Keys (`id` or `id:subject`) of checks that must not have failed for this one to mean anything; when one
   * did, this check is reported as skipped instead of piling a second failure on the same cause.
   */
  needs?: string[];
  run(ctx: DoctorContext): Promise<Outcome> | Outcome;
}

/** A group of checks (one file per group); it may expand per entity of the config. */
export interface CheckGroup {
  name: string;
  checks(ctx: DoctorContext): Check[];
}

/** A check's result as reported (human checklist and --json). */
export interface CheckReport {
  id: string;
  subject?: string;
  title: string;
  status: CheckStatus | "skip";
  message: string;
  fix?: string;
  ms: number;
}

export const pass = (message: string): Outcome => ({ status: "pass", message });
export const warn = (message: string, fix: string): Outcome => ({ status: "warn", message, fix });
export const fail = (message: string, fix: string): Outcome => ({ status: "fail", message, fix });

export function checkKey(c: { id: string; subject?: string }): string {
  return c.subject === undefined ? c.id : `${c.id}:${c.subject}`;
}
