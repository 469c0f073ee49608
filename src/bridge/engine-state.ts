/**
 * How the engine watches the state file: the job queue's writes report to the state health, and a refusal is
 * logged with its cause and fix.
 */

import type { StateHealth, StateWriteFailure } from "./state-health.js";
import type { JobQueuePort } from "./store-port.js";

export function stateFailureText(f: StateWriteFailure): string {
  const why =
    f.code === "TK_ERR_STATE_BUSY"
      ? "another process holds its write lock past the busy timeout"
      : f.code === "TK_ERR_STATE_FULL"
        ? "the disk is full"
        : "the disk or filesystem fails";
  return `the state file refuses writes (${why}): webhooks are answered 503, sweeps and deliveries pause and retry`;
}

export function stateFailureDetails(f: StateWriteFailure): Record<string, unknown> {
  return {
    code: f.code,
    part: f.part,
    error: f.message,
    failures: f.count,
    fix:
      f.code === "TK_ERR_STATE_BUSY"
        ? "Find the process holding the state file (a long sqlite3 session, a backup tool, a second daemon) and end it (docs/errors.md)."
        : "Free disk space on the state file's filesystem, or check the disk (docs/errors.md, docs/operations.md).",
  };
}

/**
 * The job queue as the runner sees it, reporting to the state health: a write that throws is a failure, a claim
 * that leased jobs, or a recorded outcome, is a success. (A claim that found nothing wrote nothing and tells
 * nothing about a full disk, so it does not clear a failure.) Completions are written behind and not watched.
 */
export function watchQueue(queue: JobQueuePort, state: StateHealth): JobQueuePort {
  const watch =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>, wrote: (r: R) => boolean = () => true) =>
    async (...args: A): Promise<R> => {
      let result: R;
      try {
        result = await write(...args);
      } catch (err) {
        state.failed("jobs", err);
        throw err;
      }
      if (wrote(result)) state.succeeded();
      return result;
    };
  return {
    ...queue,
    claimNext: watch(
      (opts) => queue.claimNext(opts),
      (jobs) => jobs.length > 0,
    ),
    fail: watch((id, f) => queue.fail(id, f)),
    kill: watch((id, error, code) => queue.kill(id, error, code)),
    releaseExpiredLeases: watch(
      (now) => queue.releaseExpiredLeases(now),
      (n) => n > 0,
    ),
    release: watch((ids) => queue.release(ids)),
    renewLeases: watch(
      (ids, until) => queue.renewLeases(ids, until),
      () => false,
    ),
  };
}
