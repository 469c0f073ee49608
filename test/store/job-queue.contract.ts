/**
 * The job queue part of the engine store contract (see engine-store.contract.ts): claim order and one job per
 * ordering key, leases and their takeover, lease-token checks, dead jobs and requeue, writes behind.
 */
import { expect, it } from "vitest";
import type { ContractContext } from "./engine-store.contract.js";
import { claimAll, inbound, syncJob } from "./engine-store.contract.js";

export function describeClaims(ctx: ContractContext): void {
  it("offers only the oldest unfinished job of each key, oldest first, and each once", async () => {
    const a1 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const b1 = await ctx.store.enqueue(syncJob("B"), 1_000);
    const a2 = await ctx.store.enqueue(syncJob("A"), 1_000);
    expect((await claimAll(ctx.store, 1_000)).map((j) => j.id)).toEqual([a1, b1]);
    expect(await claimAll(ctx.store, 1_000)).toEqual([]);
    expect(await ctx.store.hasPendingJob("sync_room", "A")).toBe(true);
    expect((await ctx.store.openJobs("sync_room", "A")).map((j) => j.state)).toEqual(["running", "pending"]);
    expect(a2).toBeGreaterThan(a1);
  });

  it("holds a key's later jobs while its oldest waits for its retry time", async () => {
    const a1 = await ctx.store.enqueue(syncJob("A"), 1_000);
    await ctx.store.enqueue(syncJob("A"), 1_000);
    const [job] = await claimAll(ctx.store, 1_000);
    await ctx.store.jobs.fail(job!, { error: "503", code: "TK_ERR_X", retryAt: 5_000 });
    expect(await claimAll(ctx.store, 2_000)).toEqual([]);
    const [again] = await claimAll(ctx.store, 5_000);
    expect(again).toMatchObject({ id: a1, attempts: 1 });
    expect((await ctx.store.openJobs("sync_room", "A"))[0]).toMatchObject({ lastErrorCode: "TK_ERR_X" });
  });

  it("commits completions written behind before the next claim, which then offers the key's next job", async () => {
    await ctx.store.enqueue(syncJob("A"), 1_000);
    const a2 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const [job] = await claimAll(ctx.store, 1_000);
    await ctx.store.jobs.complete(job!);
    expect((await claimAll(ctx.store, 1_000)).map((j) => j.id)).toEqual([a2]);
  });

  it("drops a batch of writes behind that fails, so it cannot block later claims", async () => {
    const id = await ctx.store.enqueue(syncJob("A"), 1_000);
    ctx.store.writeBehind(async () => {
      throw new Error("a write that keeps failing");
    });
    const first = await ctx.store.jobs.claimNext({ now: 1_000, leaseMs: 1_000, limit: 5 }).then(
      (jobs) => jobs.map((j) => j.id),
      () => "failed once",
    );
    const second = first === "failed once" ? (await claimAll(ctx.store, 1_000)).map((j) => j.id) : first;
    expect(second).toEqual([id]);
  });

  it("commits writes behind on flush", async () => {
    await ctx.store.insertInbound(inbound("m1"), { orderingKey: "k", shopKey: "s" }, 1_000);
    const [job] = await claimAll(ctx.store, 1_000);
    ctx.store.writeBehind((tx) => tx.markInboundDelivered(job!.refId!, { amojoMessageId: "am" }));
    await ctx.store.jobs.complete(job!);
    await ctx.store.jobs.flush?.();
    expect((await ctx.store.getInbound(job!.refId!))?.state).toBe("delivered");
    expect(await ctx.store.jobCounts()).toEqual([]);
  });
}

export function describeLeases(ctx: ContractContext): void {
  it("takes back a job whose lease ran out, counting the attempt, and ignores the first claim's late calls", async () => {
    const id = await ctx.store.enqueue(syncJob("A"), 1_000);
    const [stale] = await ctx.store.jobs.claimNext({ now: 1_000, leaseMs: 1_000, limit: 5 });
    expect(await ctx.store.jobs.releaseExpiredLeases(1_500)).toBe(0);
    expect(await claimAll(ctx.store, 1_500)).toEqual([]);
    expect(await ctx.store.jobs.releaseExpiredLeases(2_001)).toBe(1);
    const [fresh] = await claimAll(ctx.store, 2_001);
    expect(fresh).toMatchObject({ id, attempts: 1 });
    expect(fresh!.leaseToken).not.toBe(stale!.leaseToken);
    // The first run finishes late: none of its calls touches the job the second run now holds.
    await ctx.store.jobs.complete(stale!);
    await ctx.store.jobs.fail(stale!, { error: "late", retryAt: 0 });
    await ctx.store.jobs.kill(stale!, "late");
    await ctx.store.jobs.release([stale!]);
    expect(await ctx.store.jobs.renewLeases([stale!, fresh!], 99_000)).toEqual([id]);
    await ctx.store.jobs.flush?.();
    expect((await ctx.store.openJobs("sync_room", "A")).map((j) => j.state)).toEqual(["running"]);
    expect(await ctx.store.jobs.releaseExpiredLeases(90_000)).toBe(0); // renewed by its holder
    await ctx.store.jobs.release([fresh!]);
    expect((await claimAll(ctx.store, 90_000)).map((j) => [j.id, j.attempts])).toEqual([[id, 1]]);
  });

  it("makes a job dead once expired leases spend its retry budget", async () => {
    const store = await ctx.harness.open({ retryBudget: 2 });
    await store.enqueue(syncJob("A"), 0);
    for (const now of [1_000, 3_000]) {
      expect(await store.jobs.claimNext({ now, leaseMs: 500, limit: 1 })).toHaveLength(1);
      expect(await store.jobs.releaseExpiredLeases(now + 1_000)).toBe(1);
    }
    expect((await store.jobCountsByKind())[0]).toMatchObject({ pending: 0, dead: 1 });
  });

  it("skips a dead job so its key moves on, and requeues dead jobs with a fresh budget", async () => {
    const a1 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const a2 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const [job] = await claimAll(ctx.store, 1_000);
    await ctx.store.jobs.fail(job!, { error: "x", retryAt: 1_000 });
    const [retried] = await claimAll(ctx.store, 1_000);
    await ctx.store.jobs.kill(retried!, "unsendable", "TK_ERR_X");
    expect(await ctx.store.jobCounts()).toEqual([
      { shopKey: "tokopedia:481154", pending: 1, running: 0, dead: 1 },
    ]);
    const [next] = await claimAll(ctx.store, 1_000);
    expect(next?.id).toBe(a2);
    expect(await ctx.store.requeueDead("enrich_lead")).toBe(0);
    expect(await ctx.store.requeueDead()).toBe(1);
    await ctx.store.jobs.complete(next!);
    expect(await claimAll(ctx.store, Date.now() + 1)).toMatchObject([{ id: a1, attempts: 0 }]);
  });

  it("runs a re-queued dead job once the later job of its key running meanwhile ends, before the key's later ones", async () => {
    const a1 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const a2 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const a3 = await ctx.store.enqueue(syncJob("A"), 1_000);
    const [first] = await claimAll(ctx.store, 1_000);
    await ctx.store.jobs.kill(first!, "unsendable", "TK_ERR_X");
    const [running] = await claimAll(ctx.store, 1_000);
    expect(running?.id).toBe(a2);
    expect(await ctx.store.requeueDead()).toBe(1);
    const later = Date.now() + 1;
    // One job of a conversation at a time: the older one waits for the running one, and holds the later ones back.
    expect(await claimAll(ctx.store, later)).toEqual([]);
    await ctx.store.jobs.complete(running!);
    const [again] = await claimAll(ctx.store, later);
    expect(again).toMatchObject({ id: a1, attempts: 0 });
    await ctx.store.jobs.complete(again!);
    expect((await claimAll(ctx.store, later)).map((j) => j.id)).toEqual([a3]);
  });

  it("retry: waiting retries due now and dead jobs re-queued in one transaction; running jobs untouched", async () => {
    const a = await ctx.store.enqueue(syncJob("A"), 1_000);
    const b = await ctx.store.enqueue(syncJob("B"), 1_000);
    const c = await ctx.store.enqueue(syncJob("C"), 1_000);
    const claimed = await claimAll(ctx.store, 1_000);
    const held = (id: number) => claimed.find((j) => j.id === id)!;
    await ctx.store.jobs.fail(held(a), { error: "503", code: "TK_ERR_X", retryAt: 9_000_000_000_000 });
    await ctx.store.jobs.kill(held(b), "unsendable", "TK_ERR_Y");
    await expect(
      ctx.store.transaction(async (tx) => {
        expect(await tx.makeWaitingDue(2_000)).toBe(1);
        expect(await tx.requeueDead()).toBe(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await claimAll(ctx.store, Date.now() + 1)).toEqual([]);
    const counts = await ctx.store.transaction(async (tx) => [
      await tx.makeWaitingDue(2_000),
      await tx.requeueDead(),
    ]);
    expect(counts).toEqual([1, 1]);
    expect(await ctx.store.makeWaitingDue(Date.now() + 1)).toBe(0);
    const again = await claimAll(ctx.store, Date.now() + 1);
    expect(again.map((j) => [j.id, j.attempts])).toEqual([
      [a, 1],
      [b, 0],
    ]);
    // C ran throughout, still under its first claim: the lease token the runner holds still finishes it.
    await ctx.store.jobs.complete(held(c));
    await ctx.store.jobs.flush?.();
    expect(await ctx.store.openJobs("sync_room", "C")).toEqual([]);
  });

  it("claims only the kinds asked for and skips excluded shops", async () => {
    await ctx.store.enqueue({ ...syncJob("A"), shopKey: "tiktokshop:9" }, 1_000);
    const b = await ctx.store.enqueue(syncJob("B"), 1_000);
    const opts = { now: 1_000, leaseMs: 1_000, limit: 5 };
    expect(await ctx.store.jobs.claimNext({ ...opts, kinds: ["deliver_to_kommo"] })).toEqual([]);
    const got = await ctx.store.jobs.claimNext({ ...opts, excludeShopKeys: ["tiktokshop:9"] });
    expect(got.map((j) => j.id)).toEqual([b]);
    expect(got[0]).toMatchObject({
      kind: "sync_room",
      orderingKey: "B",
      payload: { roomId: "7799" },
      refId: null,
    });
  });
}
