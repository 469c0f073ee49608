/**
 * GET /metrics on a running daemon: the process defaults of prom-client (CPU, memory, event-loop
 * lag, which would have shown a stalled main thread) and a histogram of job durations by kind and outcome. On
 * both state backends (the gauges read the job queue of either).
 */
import { describe, expect, it } from "vitest";
import { startTestbed } from "../../src/testbed/tokopedia.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("metrics, state in $name", (backend) => {
  const block = connectedDaemonPerBlock(backend, () => startTestbed({ mode: "webhook" }), {
    engine: { baseRetryMs: 20, maxRetryMs: 100 },
  });

  async function scrape(): Promise<string> {
    const res = await fetch(`${block.daemon.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    return res.text();
  }

  /** Scrapes until `ready` holds for the text (the runner records a job just after Kommo answered). */
  async function scrapeUntil(ready: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await scrape();
      if (ready(text) || Date.now() > deadline) return text;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The value of the sample whose name and labels start with `prefix`, summed over matching series. */
  function sample(text: string, prefix: string): number {
    let sum = 0;
    for (const line of text.split("\n")) if (line.startsWith(prefix)) sum += Number(line.split(" ").at(-1));
    return sum;
  }

  it("exposes the process defaults, event-loop lag included", async () => {
    const text = await scrape();
    for (const name of [
      "process_cpu_user_seconds_total",
      "process_resident_memory_bytes",
      "nodejs_eventloop_lag_seconds",
      "nodejs_eventloop_lag_p99_seconds",
      "nodejs_heap_size_used_bytes",
    ]) {
      expect(text, name).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? `, "m"));
    }
  });

  it("counts job durations by kind and outcome (done and retry)", async () => {
    const shopId = block.bed.shops[0]!.shopId;
    block.bed.kommo.failNext(1, { host: "amojo", status: 500 }); // the first delivery to Kommo fails once and is retried
    await block.bed.tokopedia.buyerSends(shopId, "metrics-buyer", "halo metrics");
    await waitFor("the message in Kommo", () =>
      block.bed.kommo.received(block.bed.scopeId).some((m) => m.text === "halo metrics"),
    );
    const done = 'tokokommo_job_duration_seconds_count{kind="deliver_to_kommo",outcome="done"}';
    const scraped = await scrapeUntil((t) => sample(t, done) >= 1);
    expect(scraped).toContain("# TYPE tokokommo_job_duration_seconds histogram");
    expect(sample(scraped, done)).toBeGreaterThanOrEqual(1);
    expect(
      sample(scraped, 'tokokommo_job_duration_seconds_count{kind="deliver_to_kommo",outcome="retry"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(
        scraped,
        'tokokommo_job_duration_seconds_bucket{le="+Inf",kind="deliver_to_kommo",outcome="done"}',
      ),
    ).toBe(sample(scraped, 'tokokommo_job_duration_seconds_count{kind="deliver_to_kommo",outcome="done"}'));
  });
});
