/**
 * The daemon prunes finished history older than `retention.days` soon after it starts (then hourly): a state file
 * holding a done job and a delivered message from 40 days ago loses them; a recent done job stays.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { openStore } from "../../src/store/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { waitFor } from "../helpers/wait.js";

const DAY = 86_400_000;
let bed: Testbed;
let daemon: RunningDaemon | undefined;

beforeAll(async () => {
  bed = await startTestbed({ mode: "poll" });
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
});

it("a started daemon prunes done jobs older than retention.days, and keeps recent ones", async () => {
  const store = openStore(bed.statePath);
  const old = Date.now() - 40 * DAY;
  const oldJob = store.jobs.enqueue({ kind: "retention_test", orderingKey: "old" }, old);
  store.jobs.complete(
    store.jobs.claimNext({ now: old, leaseMs: 1, limit: 1, kinds: ["retention_test"] })[0]!,
    old,
  );
  const recent = Date.now() - 2 * DAY;
  const recentJob = store.jobs.enqueue({ kind: "retention_test", orderingKey: "recent" }, recent);
  store.jobs.complete(
    store.jobs.claimNext({ now: recent, leaseMs: 1, limit: 1, kinds: ["retention_test"] })[0]!,
    recent,
  );
  store.close();

  const logs: string[] = [];
  daemon = await startDaemon({
    config: { ...bed.config, retention: { days: 30 } },
    port: 0,
    engine: { retentionFirstDelayMs: 0 },
    log: (_level, msg) => logs.push(msg),
  });
  await waitFor("the first pruning pass", () => logs.includes("pruned old history from the state file"));
  expect(daemon.store.jobs.get(oldJob)).toBeUndefined();
  expect(daemon.store.jobs.get(recentJob)?.state).toBe("done");
});
