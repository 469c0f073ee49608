/** JobRunner over the real SQLite queue: order per conversation, fairness per shop, retries, dead jobs. */
import { beforeEach, describe, expect, it } from "vitest";
import { JobRunner, type QueuedJob } from "../../src/bridge/job-runner.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { TkError } from "../../src/errors/index.js";
import type { Store } from "../../src/store/index.js";
import { gate } from "../helpers/gate.js";
import { waitFor } from "../helpers/wait.js";
import { useTempDir } from "../store/helpers.js";

const tmp = useTempDir();
let store: Store;
let engineStore: SqliteEngineStore;

beforeEach(() => {
  store = tmp.open();
  engineStore = new SqliteEngineStore(store, 3);
});

const fastRetry = ({ now }: { now: number }) => now + 5;

/** The store's queue with `before` run ahead of every claimNext (to count claims or make them fail). */
function queueWithClaimHook(before: () => void) {
  return {
    ...engineStore.jobs,
    claimNext: (o: Parameters<typeof engineStore.jobs.claimNext>[0]) => {
      before();
      return engineStore.jobs.claimNext(o);
    },
  };
}

describe("JobRunner", () => {
  it("runs jobs of one conversation one at a time, in order, while conversations run in parallel", async () => {
    const now = Date.now();
    for (let i = 0; i < 20; i++) {
      store.jobs.enqueue(
        { kind: "k", orderingKey: `conv-${i % 4}`, shopKey: `shop:${i % 2}`, payload: i },
        now,
      );
    }
    const seen = new Map<string, number[]>();
    const active = new Set<string>();
    let overlap = false;
    let parallel = 0;
    const runner = new JobRunner({
      queue: engineStore.jobs,
      nextRetryAt: fastRetry,
      concurrency: 8,
      handlers: {
        k: async (job: QueuedJob) => {
          if (active.has(job.orderingKey)) overlap = true;
          active.add(job.orderingKey);
          parallel = Math.max(parallel, active.size);
          await new Promise((r) => setTimeout(r, 5));
          seen.set(job.orderingKey, [...(seen.get(job.orderingKey) ?? []), job.payload as number]);
          active.delete(job.orderingKey);
        },
      },
    });
    runner.start();
    await waitFor("all jobs", () => [...seen.values()].flat().length === 20);
    await runner.stop();
    expect(overlap).toBe(false);
    expect(parallel).toBeGreaterThan(1);
    for (const [key, payloads] of seen) {
      const sorted = [...payloads].sort((a, b) => a - b);
      expect(payloads, key).toEqual(sorted);
    }
  });

  it("keeps a shop to its concurrency cap so it cannot take every slot", async () => {
    const now = Date.now();
    for (let i = 0; i < 12; i++)
      store.jobs.enqueue({ kind: "slow", orderingKey: `a-${i}`, shopKey: "shop:a" }, now);
    store.jobs.enqueue({ kind: "fast", orderingKey: "b-1", shopKey: "shop:b" }, now);
    let runningA = 0;
    let maxA = 0;
    let bDoneWhileABusy = false;
    const runner = new JobRunner({
      queue: engineStore.jobs,
      nextRetryAt: fastRetry,
      concurrency: 4,
      perShopConcurrency: 2,
      handlers: {
        slow: async () => {
          runningA++;
          maxA = Math.max(maxA, runningA);
          await new Promise((r) => setTimeout(r, 40));
          runningA--;
        },
        fast: async () => {
          bDoneWhileABusy = runningA > 0;
        },
      },
    });
    runner.start();
    await waitFor(
      "queue drained",
      () => store.jobs.counts().every((c) => c.pending + c.running === 0),
      5_000,
    );
    await runner.stop();
    expect(maxA).toBe(2);
    expect(bDoneWhileABusy).toBe(true);
  });

  it("retries transient failures, kills permanent ones at once, and reports dead jobs", async () => {
    const now = Date.now();
    const flaky = store.jobs.enqueue({ kind: "flaky", orderingKey: "c1", shopKey: "s" }, now);
    const doomed = store.jobs.enqueue({ kind: "doomed", orderingKey: "c2", shopKey: "s" }, now);
    const hopeless = store.jobs.enqueue({ kind: "hopeless", orderingKey: "c3", shopKey: "s" }, now);
    let flakyCalls = 0;
    let doomedCalls = 0;
    const dead: { id: number; code: string }[] = [];
    const runner = new JobRunner({
      queue: engineStore.jobs,
      nextRetryAt: fastRetry,
      retryBudget: 3,
      onDead: (job, err) => {
        dead.push({ id: job.id, code: err.code });
      },
      handlers: {
        flaky: async () => {
          flakyCalls++;
          if (flakyCalls < 3)
            throw new TkError("TK_ERR_TOKOPEDIA_TRANSIENT", "try again", { details: { retryable: true } });
        },
        doomed: async () => {
          doomedCalls++;
          throw new TkError("TK_ERR_TOKOPEDIA_BAD_REQUEST", "never", { details: { retryable: false } });
        },
        hopeless: async () => {
          throw new Error("always down");
        },
      },
    });
    runner.start();
    await waitFor("two dead", () => dead.length === 2, 5_000);
    await waitFor("flaky done", () => store.jobs.get(flaky)?.state === "done", 5_000);
    await runner.stop();
    expect(flakyCalls).toBe(3);
    expect(doomedCalls).toBe(1);
    expect(dead.map((d) => d.id).sort()).toEqual([doomed, hopeless].sort());
    expect(store.jobs.get(hopeless)?.attempts).toBe(2);
    expect(store.jobs.get(doomed)?.lastErrorCode).toBe("TK_ERR_TOKOPEDIA_BAD_REQUEST");
    expect(await engineStore.requeueDead()).toBe(2);
  });

  it("under load, claims once per batch of finished jobs rather than once per job", async () => {
    const now = Date.now();
    const total = 400;
    for (let i = 0; i < total; i++) {
      store.jobs.enqueue({ kind: "k", orderingKey: `conv-${i % 40}`, shopKey: "shop:1", payload: i }, now);
    }
    let claims = 0;
    const queue = queueWithClaimHook(() => claims++);
    let ran = 0;
    const runner = new JobRunner({
      queue,
      nextRetryAt: fastRetry,
      concurrency: 32,
      perShopConcurrency: 32,
      handlers: {
        k: async () => {
          await new Promise((r) => setImmediate(r));
          ran++;
        },
      },
    });
    runner.start();
    await waitFor("all jobs", () => ran === total);
    await runner.stop();
    expect(claims).toBeLessThan(total / 4);
  });
});

describe("SqliteEngineStore job completions (written behind)", () => {
  it("commits deferred completions with the next claim, so the conversation's next job is offered in order", async () => {
    const now = Date.now();
    const first = store.jobs.enqueue({ kind: "k", orderingKey: "conv", shopKey: "s" }, now);
    const second = store.jobs.enqueue({ kind: "k", orderingKey: "conv", shopKey: "s" }, now);
    const claimed = await engineStore.jobs.claimNext({ now, leaseMs: 10_000, limit: 10 });
    expect(claimed.map((j) => j.id)).toEqual([first]);
    await engineStore.jobs.complete(claimed[0]!);
    expect(store.jobs.get(first)?.state).toBe("running"); // not yet written
    const next = await engineStore.jobs.claimNext({ now, leaseMs: 10_000, limit: 10 });
    expect(store.jobs.get(first)?.state).toBe("done");
    expect(next.map((j) => j.id)).toEqual([second]);
  });

  it("writes them on its own within a turn of the event loop, and at once on flush (runner stop)", async () => {
    const now = Date.now();
    const a = store.jobs.enqueue({ kind: "k", orderingKey: "a", shopKey: "s" }, now);
    const b = store.jobs.enqueue({ kind: "k", orderingKey: "b", shopKey: "s" }, now);
    const [ja, jb] = await engineStore.jobs.claimNext({ now, leaseMs: 10_000, limit: 10 });
    expect([ja?.id, jb?.id]).toEqual([a, b]);
    await engineStore.jobs.complete(ja!);
    await new Promise((r) => setImmediate(r));
    expect(store.jobs.get(a)?.state).toBe("done");
    await engineStore.jobs.complete(jb!);
    await engineStore.jobs.flush?.();
    expect(store.jobs.get(b)?.state).toBe("done");
  });
});

describe("JobRunner when the queue itself fails", () => {
  it("reports the error, keeps looping, and runs the job once the queue answers again", async () => {
    const now = Date.now();
    store.jobs.enqueue({ kind: "k", orderingKey: "conv", shopKey: "s" }, now);
    let failures = 2;
    const errors: unknown[] = [];
    const queue = queueWithClaimHook(() => {
      if (failures > 0) {
        failures--;
        throw new Error("SQLITE_BUSY: database is locked");
      }
    });
    let ran = 0;
    const runner = new JobRunner({
      queue,
      nextRetryAt: fastRetry,
      idlePollMs: 20,
      onQueueError: (err) => errors.push(err),
      handlers: {
        k: async () => {
          ran++;
        },
      },
    });
    runner.start();
    await waitFor("the job ran", () => ran === 1, 5_000);
    await runner.stop();
    expect(errors).toHaveLength(2);
    expect(String(errors[0])).toContain("SQLITE_BUSY");
  });
});

describe("JobRunner when its run lost the lease (event-loop stall)", () => {
  it("the late run's heartbeat, completion and failure change nothing; the run that holds the job now finishes it", async () => {
    const now = Date.now();
    const id = store.jobs.enqueue({ kind: "k", orderingKey: "conv", shopKey: "s" }, now);
    const fails = store.jobs.enqueue({ kind: "f", orderingKey: "conv2", shopKey: "s" }, now);
    const paused = gate();
    const started = new Set<number>();
    const lostReports: number[][] = [];
    const queue = {
      ...engineStore.jobs,
      renewLeases: async (held: Parameters<typeof engineStore.jobs.renewLeases>[0], until: number) => {
        const lost = await engineStore.jobs.renewLeases(held, until);
        lostReports.push(lost);
        return lost;
      },
    };
    const runner = new JobRunner({
      queue,
      nextRetryAt: fastRetry,
      leaseMs: 200, // heartbeat every 50 ms
      handlers: {
        k: async (job) => {
          started.add(job.id);
          await paused.wait;
        },
        f: async (job) => {
          started.add(job.id);
          await paused.wait;
          throw new TkError("TK_ERR_KOMMO_UNAVAILABLE", "503");
        },
      },
    });
    runner.start();
    await waitFor("both jobs running", () => started.size === 2, 5_000);

    // The stall, in one synchronous step (no heartbeat can run in between): the leases run out, the sweep gives
    // the jobs back, and another worker claims them.
    store.db.prepare("UPDATE jobs SET lease_until = 0 WHERE id IN (?, ?)").run(id, fails);
    expect(store.jobs.releaseExpiredLeases(Date.now())).toBe(2);
    const second = store.jobs.claimNext({ now: Date.now(), leaseMs: 60_000, limit: 10 });
    expect(second.map((j) => j.id).sort()).toEqual([id, fails].sort());
    const taken = new Map(second.map((j) => [j.id, store.jobs.get(j.id)!]));

    // The first runner's heartbeat now reports the loss and does not shorten the new holder's lease.
    lostReports.length = 0;
    await waitFor("a heartbeat after the takeover", () => lostReports.length >= 2, 5_000);
    expect(lostReports.at(-1)!.sort()).toEqual([id, fails].sort());

    paused.open();
    await runner.stop();
    // Neither the late completion nor the late failure touched the jobs the second worker holds.
    for (const [jobId, row] of taken) expect(store.jobs.get(jobId)).toEqual(row);
    for (const job of second) expect(store.jobs.complete(job)).toBe(true);
    expect(store.jobs.get(id)?.state).toBe("done");
    expect(store.jobs.get(fails)).toMatchObject({ state: "done", attempts: 1 });
  });
});

describe("JobRunner: a buffered job whose lease was lost", () => {
  it("is dropped, never started here, and reported", async () => {
    const now = Date.now();
    const first = store.jobs.enqueue({ kind: "k", orderingKey: "conv-a", shopKey: "s" }, now);
    const buffered = store.jobs.enqueue({ kind: "k", orderingKey: "conv-b", shopKey: "s" }, now);
    const paused = gate();
    const started: number[] = [];
    const lost: number[][] = [];
    let claims = 0;
    const runner = new JobRunner({
      queue: {
        ...engineStore.jobs,
        claimNext: (opts: Parameters<typeof engineStore.jobs.claimNext>[0]) => {
          claims++;
          return engineStore.jobs.claimNext(opts);
        },
      },
      nextRetryAt: fastRetry,
      leaseMs: 200, // heartbeat every 50 ms
      perShopConcurrency: 1, // the second job of the shop waits in the buffer while the first runs
      onLeaseLost: (jobs) => lost.push(jobs.map((j) => j.id)),
      handlers: {
        k: async (job) => {
          started.push(job.id);
          if (job.id === first) await paused.wait;
        },
      },
    });
    runner.start();
    await waitFor(
      "the first job runs and the second is claimed",
      () => started.length === 1 && claims >= 1,
      5_000,
    );
    expect(started).toEqual([first]);
    expect(store.jobs.get(buffered)!.state).toBe("running"); // leased into the runner's buffer

    // The stall: the buffered job's lease runs out, the sweep gives it back, another worker claims it.
    store.db.prepare("UPDATE jobs SET lease_until = 0 WHERE id = ?").run(buffered);
    expect(store.jobs.releaseExpiredLeases(Date.now())).toBe(1);
    const elsewhere = store.jobs.claimNext({ now: Date.now(), leaseMs: 60_000, limit: 10 });
    expect(elsewhere.map((j) => j.id)).toEqual([buffered]);

    await waitFor("the heartbeat reports the loss", () => lost.some((ids) => ids.includes(buffered)), 5_000);
    paused.open();
    await waitFor("the first job is done", () => store.jobs.get(first)!.state === "done", 5_000);
    await runner.stop();
    expect(started).toEqual([first]); // the lost job never started here
    expect(store.jobs.complete(elsewhere[0]!)).toBe(true); // and its new holder still has it
  });
});

describe("JobRunner: a reload parks a shop while a claim waits on the database", () => {
  it("the claim's jobs of that shop are given back, not started", async () => {
    const now = Date.now();
    const parkedJob = store.jobs.enqueue({ kind: "k", orderingKey: "conv-p", shopKey: "shop:gone" }, now);
    const kept = store.jobs.enqueue({ kind: "k", orderingKey: "conv-k", shopKey: "shop:kept" }, now);
    const paused = gate();
    let claimWaiting = false;
    const queue = {
      ...engineStore.jobs,
      claimNext: async (o: Parameters<typeof engineStore.jobs.claimNext>[0]) => {
        const claimed = await engineStore.jobs.claimNext(o);
        claimWaiting = true;
        await paused.wait; // the answer is on its way back (a PostgreSQL round trip)
        return claimed;
      },
    };
    const ran: number[] = [];
    const runner = new JobRunner({
      queue,
      nextRetryAt: fastRetry,
      idlePollMs: 20,
      handlers: {
        k: async (job) => {
          ran.push(job.id);
        },
      },
    });
    runner.start();
    await waitFor("a claim in flight", () => claimWaiting, 5_000);
    runner.park(new Set(["shop:gone"]));
    paused.open();
    await waitFor("the kept shop's job ran", () => ran.includes(kept), 5_000);
    await waitFor("the parked job given back", () => store.jobs.get(parkedJob)?.state === "pending", 5_000);
    await runner.stop();
    expect(ran).toEqual([kept]);
  });
});
