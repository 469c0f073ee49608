/**
 * The state file's job queue as the job runner sees it (JobQueuePort), over the store's jobs repository.
 * Every call after a claim carries the claim's lease token: a run that lost its lease changes nothing (store/jobs.ts).
 */
import type { Store } from "../store/index.js";
import type { JobQueuePort, QueuedJob } from "./job-runner.js";
import type { WriteBehind } from "./write-behind.js";

export function sqliteJobQueue(store: Store, behind: WriteBehind, retryBudget: number): JobQueuePort {
  const jobs = store.jobs;
  const toQueued = (j: ReturnType<typeof jobs.claimNext>[number]): QueuedJob => ({
    id: j.id,
    kind: j.kind,
    orderingKey: j.orderingKey ?? "",
    shopKey: j.shopKey ?? "",
    attempts: j.attempts,
    payload: j.payload,
    refId: j.refId,
    leaseToken: j.leaseToken ?? "",
  });
  return {
    // Writes queued behind (completions, delivered marks) commit with the claim: the ordering rule sees them.
    claimNext: (o) =>
      store
        .transaction(() => {
          behind.flushInTransaction();
          return jobs.claimNext(o);
        })
        .map(toQueued),
    complete: (job) => behind.push(() => jobs.complete(job)),
    flush: () => behind.flush(),
    fail: (job, f) => {
      jobs.fail(job, { error: f.error, retryAt: f.retryAt, ...(f.code ? { code: f.code } : {}) });
    },
    kill: (job, error, code) => {
      jobs.kill(job.id, error, { leaseToken: job.leaseToken, ...(code ? { code } : {}) });
    },
    renewLeases: (held, leaseUntil) => jobs.renewLeases(held, leaseUntil),
    releaseExpiredLeases: (now) => jobs.releaseExpiredLeases(now, { maxAttempts: retryBudget }),
    release: (held) => {
      store.transaction(() => {
        behind.flushInTransaction();
        jobs.release(held);
      });
    },
  };
}
