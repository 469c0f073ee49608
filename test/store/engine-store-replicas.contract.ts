/**
 * The replica part of the engine store contract (see engine-store.contract.ts): two stores ("replicas") on one
 * database claiming concurrently never run a job twice, nor two jobs of one key at once, and keep each key's order.
 */
import { expect, it } from "vitest";
import type { EngineStore } from "../../src/bridge/store-port.js";
import type { ContractContext } from "./engine-store.contract.js";
import { syncJob } from "./engine-store.contract.js";

const KEYS = 12;
const JOBS = 240;

export function describeReplicas(ctx: ContractContext): void {
  it("two replicas claiming at once: every job once, one job per key at a time, each key in order", async () => {
    const other = await ctx.harness.open();
    const ids: number[] = [];
    for (let i = 0; i < JOBS; i++) ids.push(await ctx.store.enqueue(syncJob(`k${i % KEYS}`), 0));
    const runs: { id: number; key: string }[] = [];
    const running = new Map<string, number>();
    const overlaps: string[] = [];
    const worker = async (store: EngineStore) => {
      let idle = 0;
      while (runs.length < JOBS && idle < 200) {
        const jobs = await store.jobs.claimNext({ now: Date.now(), leaseMs: 60_000, limit: 4 });
        idle = jobs.length === 0 ? idle + 1 : 0;
        await Promise.all(
          jobs.map(async (job) => {
            if (running.has(job.orderingKey))
              overlaps.push(`${job.orderingKey}: ${job.id} beside ${running.get(job.orderingKey)}`);
            running.set(job.orderingKey, job.id);
            runs.push({ id: job.id, key: job.orderingKey });
            await new Promise((r) => setImmediate(r));
            running.delete(job.orderingKey);
            await store.jobs.complete(job);
          }),
        );
        if (jobs.length === 0) await new Promise((r) => setTimeout(r, 5));
      }
      await store.jobs.flush?.();
    };
    await Promise.all([worker(ctx.store), worker(other), worker(ctx.store), worker(other)]);
    expect(overlaps).toEqual([]);
    expect(runs.map((r) => r.id).sort((a, b) => a - b)).toEqual(ids);
    for (let k = 0; k < KEYS; k++) {
      const order = runs.filter((r) => r.key === `k${k}`).map((r) => r.id);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(await ctx.store.jobCounts()).toEqual([]);
  });
}
