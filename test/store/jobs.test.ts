import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Job,
  type JobLease,
  LEASE_EXPIRED_CODE,
  openStore,
  RETRY_BUDGET,
  type Store,
} from "../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const LEASE = 30_000;

/** The lease of whoever holds job `id` now (tests that play the one worker holding it). */
function held(store: Store, id: number): JobLease {
  return { id, leaseToken: store.jobs.get(id)?.leaseToken ?? null };
}

function claimIds(
  store: Store,
  now: number,
  limit = 10,
  extra: { excludeShopKeys?: string[] } = {},
): number[] {
  return store.jobs.claimNext({ now, leaseMs: LEASE, limit, ...extra }).map((j) => j.id);
}

describe("jobs: enqueue and claim", () => {
  it("claims at most one job per ordering key, lowest id first, and leases it", () => {
    const store = tmp.open();
    const a1 = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A", payload: { n: 1 } }, 100);
    const a2 = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 100);
    const b1 = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "B" }, 100);
    const free1 = store.jobs.enqueue({ kind: "enrich_lead", orderingKey: null }, 100);
    const free2 = store.jobs.enqueue({ kind: "enrich_lead" }, 100);

    const claimed = store.jobs.claimNext({ now: 200, leaseMs: LEASE, limit: 10 });
    expect(claimed.map((j) => j.id)).toEqual([a1, b1, free1, free2]);
    expect(claimed[0]).toMatchObject({ state: "running", leaseUntil: 200 + LEASE, payload: { n: 1 } });
    expect(store.jobs.get(a1)?.state).toBe("running");
    expect(store.jobs.get(a2)?.state).toBe("pending");

    // A2 stays blocked while A1 runs; once A1 is done, A2 is next.
    expect(claimIds(store, 300)).toEqual([]);
    expect(store.jobs.complete(held(store, a1), 400)).toBe(true);
    expect(claimIds(store, 500)).toEqual([a2]);
  });

  it("respects run_after and limit", () => {
    const store = tmp.open();
    const later = store.jobs.enqueue({ kind: "sync_room", orderingKey: "X", runAfter: 5_000 }, 0);
    const ids = [1, 2, 3].map((i) => store.jobs.enqueue({ kind: "sync_room", orderingKey: `K${i}` }, 0));
    expect(claimIds(store, 1_000, 2)).toEqual(ids.slice(0, 2));
    expect(claimIds(store, 1_000, 10)).toEqual([ids[2]]);
    expect(store.jobs.nextRunAt()).toBe(5_000);
    expect(claimIds(store, 5_000)).toEqual([later]);
  });

  it("a job waiting for its retry holds back the later jobs of its key (order survives retries)", () => {
    const store = tmp.open();
    const first = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    const second = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    expect(claimIds(store, 10)).toEqual([first]);
    expect(
      store.jobs.fail(held(store, first), { error: "HTTP 503", code: "TK_ERR_X", retryAt: 10_000, now: 20 }),
    ).toEqual({
      state: "pending",
      attempts: 1,
    });
    expect(claimIds(store, 5_000)).toEqual([]); // `second` must not overtake `first`
    expect(claimIds(store, 10_000)).toEqual([first]);
    store.jobs.complete(held(store, first), 10_001);
    expect(claimIds(store, 10_002)).toEqual([second]);
  });

  it("skips shops listed in excludeShopKeys and filters by kind", () => {
    const store = tmp.open();
    const s1 = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A", shopKey: "tokopedia:1" }, 0);
    const s2 = store.jobs.enqueue(
      { kind: "deliver_to_marketplace", orderingKey: "B", shopKey: "tokopedia:2" },
      0,
    );
    expect(claimIds(store, 1, 10, { excludeShopKeys: ["tokopedia:1"] })).toEqual([s2]);
    expect(store.jobs.claimNext({ now: 1, leaseMs: LEASE, limit: 10, kinds: ["sync_room"] })).toEqual([]);
    expect(
      store.jobs.claimNext({ now: 1, leaseMs: LEASE, limit: 10, kinds: ["deliver_to_kommo"] })[0]?.id,
    ).toBe(s1);
  });
});

describe("jobs: failure, death, re-queue", () => {
  it("fail() counts attempts; the failure that spends maxAttempts makes the job dead", () => {
    const store = tmp.open();
    const id = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A", shopKey: "tokopedia:1" }, 0);
    let now = 0;
    for (let attempt = 1; attempt < RETRY_BUDGET; attempt++) {
      expect(claimIds(store, now)).toEqual([id]);
      const r = store.jobs.fail(held(store, id), {
        error: "boom",
        retryAt: now + 1,
        maxAttempts: RETRY_BUDGET,
        now,
      });
      expect(r).toEqual({ state: "pending", attempts: attempt });
      now += 1;
    }
    expect(claimIds(store, now)).toEqual([id]);
    expect(
      store.jobs.fail(held(store, id), { error: "last", retryAt: now + 1, maxAttempts: RETRY_BUDGET, now }),
    ).toEqual({
      state: "dead",
      attempts: RETRY_BUDGET,
    });
    const dead = store.jobs.get(id)!;
    expect(dead).toMatchObject({ state: "dead", lastError: "last", leaseUntil: null });
    expect(store.jobs.counts()).toEqual([{ shopKey: "tokopedia:1", pending: 0, running: 0, dead: 1 }]);
    // Not running any more: a late complete/fail from the worker changes nothing.
    expect(store.jobs.complete(held(store, id))).toBe(false);
    expect(store.jobs.fail(held(store, id), { error: "late", retryAt: 0 })).toBeUndefined();
  });

  it("a dead job does not block later jobs of its conversation; requeueDead brings it back", () => {
    const store = tmp.open();
    const poisoned = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    const next = store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    const other = store.jobs.enqueue({ kind: "sync_room", orderingKey: "S" }, 0);
    expect(claimIds(store, 1)).toEqual([poisoned, other]);
    expect(store.jobs.kill(poisoned, "Kommo refuses this content", { code: "TK_ERR_Y", now: 2 })).toBe(true);
    expect(store.jobs.get(poisoned)).toMatchObject({ state: "dead", lastErrorCode: "TK_ERR_Y" });
    expect(claimIds(store, 3)).toEqual([next]);
    store.jobs.complete(held(store, next), 4);
    store.jobs.complete(held(store, other), 4);

    expect(store.jobs.listDead().map((j: Job) => j.id)).toEqual([poisoned]);
    expect(store.jobs.requeueDead({ kind: "sync_room" })).toBe(0);
    expect(store.jobs.requeueDead({ now: 10 })).toBe(1);
    expect(store.jobs.get(poisoned)).toMatchObject({ state: "pending", attempts: 0, runAfter: 10 });
    expect(claimIds(store, 10)).toEqual([poisoned]);
  });

  it("requeueDead filters by shop", () => {
    const store = tmp.open();
    const a = store.jobs.enqueue({ kind: "deliver_to_kommo", shopKey: "tokopedia:1" }, 0);
    const b = store.jobs.enqueue({ kind: "deliver_to_kommo", shopKey: "tokopedia:2" }, 0);
    store.jobs.kill(a, "x");
    store.jobs.kill(b, "x");
    expect(store.jobs.requeueDead({ shopKey: "tokopedia:2" })).toBe(1);
    expect(store.jobs.get(a)?.state).toBe("dead");
    expect(store.jobs.get(b)?.state).toBe("pending");
  });

  it("counts() groups open and dead jobs per shop; done jobs are pruned", () => {
    const store = tmp.open();
    const ids = ["tokopedia:1", "tokopedia:1", "tiktokshop:9", "tiktokshop:9"].map((shopKey, i) =>
      store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: `k${i}`, shopKey }, 0),
    );
    claimIds(store, 0, 1); // ids[0] running
    store.jobs.kill(ids[2]!, "x");
    const done = store.jobs.enqueue({ kind: "sync_room" }, 0);
    claimIds(store, 0, 10);
    store.jobs.complete(held(store, done), 50);
    // The done job (no shop) is not counted at all.
    expect(store.jobs.counts()).toEqual([
      { shopKey: "tiktokshop:9", pending: 0, running: 1, dead: 1 },
      { shopKey: "tokopedia:1", pending: 0, running: 2, dead: 0 },
    ]);
    expect(store.jobs.pruneDone(40)).toBe(0);
    expect(store.jobs.pruneDone(51)).toBe(1);
    expect(store.jobs.get(done)).toBeUndefined();
  });
});

describe("jobs: leases (crash recovery)", () => {
  it("a crashed worker's job becomes pending again after its lease expires, counted as an attempt", () => {
    const path = join(tmp.dir(), "state.db");
    const crashed = openStore(path);
    const id = crashed.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    const later = crashed.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: "A" }, 0);
    expect(crashed.jobs.claimNext({ now: 1_000, leaseMs: LEASE, limit: 5 }).map((j) => j.id)).toEqual([id]);
    crashed.close(); // the process "dies" holding the lease

    const restarted = openStore(path);
    try {
      expect(restarted.jobs.releaseExpiredLeases(1_000 + LEASE - 1)).toBe(0); // lease still valid
      expect(claimIds(restarted, 1_000 + LEASE - 1)).toEqual([]);
      expect(restarted.jobs.releaseExpiredLeases(1_000 + LEASE + 1)).toBe(1);
      expect(restarted.jobs.get(id)).toMatchObject({
        state: "pending",
        attempts: 1,
        lastErrorCode: LEASE_EXPIRED_CODE,
        leaseUntil: null,
      });
      // It runs again, still before the later job of its conversation.
      expect(claimIds(restarted, 1_000 + LEASE + 2)).toEqual([id]);
      expect(restarted.jobs.get(later)?.state).toBe("pending");
    } finally {
      restarted.close();
    }
  });

  it("a job that keeps killing its worker ends dead after maxAttempts", () => {
    const store = tmp.open();
    const id = store.jobs.enqueue({ kind: "deliver_to_kommo" }, 0);
    let now = 0;
    for (let i = 1; i <= 3; i++) {
      expect(claimIds(store, now)).toEqual([id]);
      now += LEASE + 1;
      expect(store.jobs.releaseExpiredLeases(now, { maxAttempts: 3 })).toBe(1);
    }
    expect(store.jobs.get(id)).toMatchObject({ state: "dead", attempts: 3 });
  });
});

/** Deterministic PRNG so a failing interleaving can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("jobs: ordering under interleaved workers", () => {
  it.each([1, 2, 3, 42])(
    "two connections claiming, failing, crashing and completing never run a key twice or out of order (seed %i)",
    (seed) => {
      const path = join(tmp.dir(), "state.db");
      const workers = [openStore(path), openStore(path)];
      const random = mulberry32(seed);
      const keys = ["A", "B", "C", "D"];
      const enqueued = new Map<string, number[]>(keys.map((k) => [k, []]));
      const completed = new Map<string, number[]>(keys.map((k) => [k, []]));
      const dead = new Set<number>();
      const held: Array<{ worker: number; job: Job }> = [];
      let now = 0;
      try {
        for (let step = 0; step < 600; step++) {
          now += Math.floor(random() * 50);
          const w = Math.floor(random() * workers.length);
          const store = workers[w]!;
          const roll = random();
          if (roll < 0.3) {
            const key = keys[Math.floor(random() * keys.length)]!;
            enqueued.get(key)!.push(store.jobs.enqueue({ kind: "deliver_to_kommo", orderingKey: key }, now));
          } else if (roll < 0.55) {
            for (const job of store.jobs.claimNext({ now, leaseMs: 500, limit: 3 })) {
              // Invariant 1: never two running jobs of one key.
              expect(held.some((h) => h.job.orderingKey === job.orderingKey)).toBe(false);
              held.push({ worker: w, job });
            }
          } else if (roll < 0.85 && held.length > 0) {
            const h = held.splice(Math.floor(random() * held.length), 1)[0]!;
            const outcome = random();
            const s = workers[h.worker]!;
            if (outcome < 0.6) {
              if (s.jobs.complete(h.job, now)) completed.get(h.job.orderingKey!)!.push(h.job.id);
            } else if (outcome < 0.9) {
              const r = s.jobs.fail(h.job, { error: "x", retryAt: now + 100, maxAttempts: 4, now });
              if (r?.state === "dead") dead.add(h.job.id);
            }
            // else: the worker "crashes" and never reports; its lease must expire.
          } else {
            const before = held.length;
            // Leases that expired are released; their holders lose them.
            const expiredIds = new Set(
              store.db
                .prepare("SELECT id FROM jobs WHERE state = 'running' AND lease_until < ?")
                .all(now)
                .map((r) => (r as { id: number }).id),
            );
            store.jobs.releaseExpiredLeases(now, { maxAttempts: 4 });
            for (const id of expiredIds) if (store.jobs.get(id)?.state === "dead") dead.add(id);
            for (let i = held.length - 1; i >= 0; i--) if (expiredIds.has(held[i]!.job.id)) held.splice(i, 1);
            expect(held.length).toBeLessThanOrEqual(before);
          }
        }
        // Drain: release everything and run to completion.
        held.length = 0;
        now += 10_000;
        workers[0]!.jobs.releaseExpiredLeases(now);
        for (let round = 0; round < 200; round++) {
          const batch = workers[round % 2]!.jobs.claimNext({ now, leaseMs: 500, limit: 10 });
          if (batch.length === 0) break;
          for (const job of batch) {
            workers[round % 2]!.jobs.complete(job, now);
            completed.get(job.orderingKey!)!.push(job.id);
          }
          now += 200;
        }
        // Invariant 2: per key, completions happen in id order; every job ends done or dead.
        for (const key of keys) {
          const done = completed.get(key)!;
          expect(done).toEqual([...done].sort((a, b) => a - b));
          const all = enqueued.get(key)!;
          expect([...done, ...all.filter((id) => dead.has(id))].sort((a, b) => a - b)).toEqual(all);
        }
        expect(workers[0]!.jobs.counts().reduce((n, c) => n + c.pending + c.running, 0)).toBe(0);
      } finally {
        for (const w of workers) w.close();
      }
    },
  );
});

describe("jobs: lease tokens (a run that lost its lease changes nothing)", () => {
  it("after the lease expired and a second claimant took the job, the first one's complete, fail, kill, renew and release do nothing and report the loss", () => {
    const store = tmp.open();
    const id = store.jobs.enqueue({ kind: "deliver_to_marketplace", orderingKey: "A" }, 0);
    const [first] = store.jobs.claimNext({ now: 1_000, leaseMs: LEASE, limit: 1 });
    expect(first?.leaseToken).toEqual(expect.any(String));
    // The first run stalls past its lease; the sweep gives the job back and a second run claims it.
    expect(store.jobs.releaseExpiredLeases(1_000 + LEASE + 1)).toBe(1);
    expect(store.jobs.get(id)?.leaseToken).toBeNull();
    const [second] = store.jobs.claimNext({ now: 1_000 + LEASE + 2, leaseMs: LEASE, limit: 1 });
    expect(second?.id).toBe(id);
    expect(second?.leaseToken).not.toBe(first!.leaseToken);
    const before = store.jobs.get(id);

    const later = 1_000 + LEASE + 3;
    expect(store.jobs.complete(first!, later)).toBe(false);
    expect(store.jobs.fail(first!, { error: "late", retryAt: later, now: later })).toBeUndefined();
    expect(store.jobs.kill(id, "late", { leaseToken: first!.leaseToken!, now: later })).toBe(false);
    expect(store.jobs.renewLeases([first!], later + LEASE, later)).toEqual([id]);
    expect(store.jobs.release([first!], later)).toBe(0);
    expect(store.jobs.get(id)).toEqual(before); // nothing changed, not even updated_at

    // The second claimant's calls work.
    expect(store.jobs.renewLeases([second!], later + 2 * LEASE, later)).toEqual([]);
    expect(store.jobs.get(id)?.leaseUntil).toBe(later + 2 * LEASE);
    expect(store.jobs.complete(second!, later + 1)).toBe(true);
    expect(store.jobs.get(id)).toMatchObject({ state: "done", leaseToken: null, leaseUntil: null });
  });

  it("the second claimant's fail and release work; every claim gets a new token", () => {
    const store = tmp.open();
    const id = store.jobs.enqueue({ kind: "sync_room", orderingKey: "S" }, 0);
    const tokens = new Set<string>();
    for (let round = 0; round < 3; round++) {
      const [job] = store.jobs.claimNext({ now: round * 10, leaseMs: LEASE, limit: 1 });
      tokens.add(job!.leaseToken!);
      if (round === 0)
        expect(store.jobs.fail(job!, { error: "503", retryAt: 0, now: 1 })?.state).toBe("pending");
      else expect(store.jobs.release([job!], round * 10 + 1)).toBe(1);
      expect(store.jobs.get(id)).toMatchObject({ state: "pending", leaseToken: null });
    }
    expect(tokens.size).toBe(3);
  });
});
