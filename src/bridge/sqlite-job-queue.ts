/**
 * The state file's job queue as the job runner sees it (JobQueuePort), over the store's jobs repository. Every call
 * runs alone (the backend's lock: never inside a transaction another caller has open), synchronously underneath.
 * Every call after a claim carries the claim's lease token: a run that lost its lease changes nothing (store/jobs.ts).
 */
import type { Store } from "../store/index.js";
import type { QueuedJob } from "./job-runner.js";
import type { SerialLock } from "./serial-lock.js";
import type { EngineStoreTx, JobQueuePort } from "./store-port.js";
import type { WriteBehind } from "./write-behind.js";

export interface SqliteQueueDeps {
  store: Store;
  behind: WriteBehind;
  lock: SerialLock;
  transaction: <T>(fn: (tx: EngineStoreTx) => Promise<T>) => Promise<T>;
  retryBudget: number;
}

export function sqliteJobQueue(d: SqliteQueueDeps): JobQueuePort {
  const { behind, lock, transaction } = d;
  const jobs = d.store.jobs;
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
      transaction(async (tx) => {
        await behind.flushInTransaction(tx);
        return jobs.claimNext(o).map(toQueued);
      }),
    // Queued now, before the runner hears the job is done (see write-behind.ts), committed with the next claim.
    complete: (job) => {
      behind.push(() => {
        jobs.complete(job);
      });
      return Promise.resolve();
    },
    flush: () => behind.flush(),
    fail: (job, f) =>
      lock.run(() => {
        jobs.fail(job, { error: f.error, retryAt: f.retryAt, ...(f.code ? { code: f.code } : {}) });
      }),
    kill: (job, error, code) =>
      lock.run(() => {
        jobs.kill(job.id, error, { leaseToken: job.leaseToken, ...(code ? { code } : {}) });
      }),
    renewLeases: (held, leaseUntil) => lock.run(() => jobs.renewLeases(held, leaseUntil)),
    releaseExpiredLeases: (now) =>
      lock.run(() => jobs.releaseExpiredLeases(now, { maxAttempts: d.retryBudget })),
    release: (held) =>
      transaction(async (tx) => {
        await behind.flushInTransaction(tx);
        jobs.release(held);
      }),
  };
}
