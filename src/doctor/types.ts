/**
 * Doctor checks as data (np-style): each check has a stable id, a title, the checks it needs, and a run that
 * answers pass, warn or fail, and when it is not a pass, the one thing to do about it. Every marketplace's
 * checks and doctor's own are this one type; a group (one file under checks/) lists them per config entity.
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
   * Keys (`id` or `id:subject`) of checks listed before this one that must not have failed for it to mean
   * anything. When one failed (or was skipped), this check is not run: it is reported skipped, naming that one.
   * A key no check in the run has (its group is not run) does not hold the check back.
   */
  needs?: string[];
  /** The address this check calls, named when nothing answers in time (unset: it calls nothing remote). */
  calls?(ctx: DoctorContext): string | undefined;
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
export const warn = (message: string, fix?: string): Outcome => ({
  status: "warn",
  message,
  ...(fix ? { fix } : {}),
});
export const fail = (message: string, fix: string): Outcome => ({ status: "fail", message, fix });

/**
 * The fix for a check that crashed: doctor catches the error and prints no stack (--log-level would not show
 * more), so the one thing to do is to report the message.
 */
export const BUG_FIX =
  "this is a tokokommo bug, not your setup: report it with this message and `tokokommo --version`";

export function checkKey(c: { id: string; subject?: string }): string {
  return c.subject === undefined ? c.id : `${c.id}:${c.subject}`;
}
