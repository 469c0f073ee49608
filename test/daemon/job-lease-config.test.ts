/**
 * The job lease comes from the config (`jobs.leaseSeconds`): a job the daemon claims is leased for that long (and
 * renewed while it runs), which is how soon the jobs of a process that died are taken over. The in-process tuning
 * `engine.leaseMs` (tests) still wins over it.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import type { Config } from "../../src/config/index.js";
import type { DaemonOptions } from "../../src/daemon/daemon.js";
import { startTestbed } from "../../src/testbed/tokopedia.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { waitFor } from "../helpers/wait.js";

describe("job lease from the config", () => {
  /**
   * Starts a daemon whose config sets `jobs.leaseSeconds` to `leaseSeconds`, makes a buyer message's job run slowly
   * (Tokopedia answers after 1 s) and returns how long the running job's lease still has, in ms. Both are
   * stopped when the test finishes.
   */
  async function leaseLeftOfARunningJob(
    leaseSeconds: number,
    engine?: DaemonOptions["engine"],
  ): Promise<number> {
    const bed = await startTestbed({ mode: "webhook" });
    onTestFinished(() => bed.close());
    const config: Config = { ...bed.config, jobs: { leaseSeconds } };
    const daemon = await startConnectedDaemon(
      { config, connectDaemon: (url) => bed.connectDaemon(url) },
      engine ? { engine } : {},
    );
    onTestFinished(() => daemon.stop());
    const store = daemon.store;
    bed.tokopedia.latency(1_000);
    await bed.tokopedia.buyerSends(bed.shops[0]!.shopId, "lease-buyer", "Halo, masih ada?");
    const row = await waitFor(
      "a running job",
      () =>
        store.db.prepare("SELECT lease_until FROM jobs WHERE state = 'running' LIMIT 1").get() as
          | { lease_until: number }
          | undefined,
    );
    // Read after the row: the lease was set (claimed or renewed) before this instant.
    return row.lease_until - Date.now();
  }

  it("a claimed job is leased for jobs.leaseSeconds, not the 10 s default", async () => {
    const left = await leaseLeftOfARunningJob(2);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(2_000);
  });

  it("the daemon's engine.leaseMs tuning wins over the config key", async () => {
    expect(await leaseLeftOfARunningJob(2, { leaseMs: 400 })).toBeLessThanOrEqual(400);
  });
});
