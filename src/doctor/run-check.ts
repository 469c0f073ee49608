/**
 * Runs one check within a time limit. A check that throws is a failed check (with the error's fix, or the
 * network path to check when nothing answered), never a crashed doctor; one that does not finish in time is a
 * failed check naming the address it calls.
 */
import { isTkError } from "../errors/index.js";
import type { DoctorContext } from "./context.js";
import { BUG_FIX, type Check, type Outcome } from "./types.js";
import { noAnswer, unreachable, unreachableReason } from "./unreachable.js";

function fromThrown(err: unknown, check: Check, ctx: DoctorContext): Outcome {
  const reason = unreachableReason(err);
  const url = safeCalls(check, ctx);
  if (reason && url) return unreachable("the platform", url, reason, "this");
  return {
    status: "fail",
    message: isTkError(err)
      ? `${err.message} (${err.code})`
      : `check crashed: ${err instanceof Error ? err.message : String(err)}`,
    fix: isTkError(err) && err.fix ? err.fix : BUG_FIX,
  };
}

function safeCalls(check: Check, ctx: DoctorContext): string | undefined {
  try {
    return check.calls?.(ctx);
  } catch {
    return undefined;
  }
}

/** The check's outcome, or a failure when it throws or does not finish within `ms`. */
export async function runCheck(check: Check, ctx: DoctorContext, ms: number): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve(noAnswer(ms, safeCalls(check, ctx))), ms);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => check.run(ctx)), timeout]);
  } catch (err) {
    return fromThrown(err, check, ctx);
  } finally {
    clearTimeout(timer);
  }
}
