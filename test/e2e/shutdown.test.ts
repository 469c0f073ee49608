/**
 * The built daemon under signals: SIGTERM with work in flight exits 0 within 10 s and loses nothing
 * it acknowledged; SIGKILL while a reply is on its way to Tokopedia does not make the restarted daemon post it
 * a second time (the resend check finds the first attempt's message in the room). Both state backends
 * (test/helpers/state-backends.ts): the config file names the state file or the PostgreSQL database, and the job
 * queue is read there after the exit; on PostgreSQL a clean stop also removes the replica's heartbeat and gives
 * its shop leases up.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import {
  type DaemonProcess,
  freePort,
  KILL_TEST_JOB_LEASE_SECONDS,
  killDaemonDropCardAndCloseBed,
  spawnDaemon,
} from "../helpers/daemon-process.js";
import { marketplaceJobsIn, waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { queryOnce } from "../helpers/postgres.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

/** The jobs still running in the daemon's state (file read-only, or database), counted per kind. */
async function runningJobs(statePath: string): Promise<unknown[]> {
  const jobs = await marketplaceJobsIn(statePath);
  try {
    return (await jobs.summary()).filter((row) => (row as { state: string }).state === "running");
  } finally {
    await jobs.close();
  }
}

/** The id of the replica that process `pid` runs, from its heartbeat row in the PostgreSQL database. */
async function replicaOf(url: string, pid: number | undefined): Promise<string> {
  const rows = await queryOnce<{ id: string }>(url, "SELECT id FROM cluster_replicas WHERE pid = $1", [pid]);
  expect(rows).toHaveLength(1);
  return rows[0]!.id;
}

/** A replica's heartbeat rows and the leases it holds, in the PostgreSQL database. */
async function replicaRows(statePath: string, id: string): Promise<{ heartbeats: number; leases: string[] }> {
  const beats = await queryOnce(statePath, "SELECT id FROM cluster_replicas WHERE id = $1", [id]);
  const leases = await queryOnce<{ name: string }>(
    statePath,
    "SELECT name FROM cluster_leases WHERE holder = $1 ORDER BY name",
    [id],
  );
  return { heartbeats: beats.length, leases: leases.map((l) => l.name) };
}

/** Log lines (pino JSON) at error level or above written after the line whose message is `after`. */
function errorsAfter(output: string, after: string): unknown[] {
  const lines = output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
  const from = lines.findIndex((l) => l.msg === after);
  return from < 0 ? [] : lines.slice(from).filter((l) => l.level >= 50);
}

// The backends' blocks run side by side (each on its own testbed, port and state), their tests in order: most of
// this file's time is waiting (for a job lease to run out, for slow deliveries), which overlaps.
describe.concurrent.each(STATE_BACKENDS)("signals (built binary), state in $name", (backend) => {
  const statePathFor = backend.use();
  let bed: Testbed;
  let daemon: DaemonProcess | undefined;
  let port: number;
  /** The daemon's state location, as the config file names it: the testbed's file or a PostgreSQL database. */
  let statePath: string;
  const incoming = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");

  beforeAll(async () => {
    // After the SIGKILL the restarted daemon takes over the reply job the killed one held once its lease has run out.
    bed = await startTestbed({ mode: "hybrid", jobLeaseSeconds: KILL_TEST_JOB_LEASE_SECONDS });
    port = await freePort();
    statePath = await statePathFor(bed);
    const raw = JSON.parse(readFileSync(bed.configPath, "utf8")) as Record<string, unknown>;
    writeFileSync(bed.configPath, `${JSON.stringify({ ...raw, statePath }, null, 2)}\n`, { mode: 0o600 });
  });

  afterAll(async () => {
    await killDaemonDropCardAndCloseBed(daemon, statePath, bed);
    daemon = undefined;
  });

  it.sequential("SIGTERM with deliveries in flight: exit 0 within 10 s; after a restart every acknowledged message arrives once", async () => {
    const shopId = bed.shops[0]!.shopId;
    daemon = await spawnDaemon(bed.configPath, port);
    await bed.connectDaemon(daemon.url);
    const amojoBefore = bed.kommo.requestLog().length;
    bed.kommo.latency(1_500, "amojo"); // every delivery to Kommo is slow: jobs are mid-flight at SIGTERM
    const texts: string[] = [];
    for (let i = 0; i < 30; i++) {
      const text = `sigterm ${i}`;
      const sent = await bed.tokopedia.buyerSends(shopId, `term-buyer-${i % 6}`, text);
      expect(sent.deliveries.map((d) => d.status)).toEqual([200]); // acknowledged
      texts.push(text);
    }
    await waitFor("a delivery in flight", () =>
      bed.kommo
        .requestLog()
        .slice(amojoBefore)
        .some((r) => r.host === "amojo"),
    );
    // PostgreSQL: the replica's heartbeat row and its shop's lease, which a clean stop must remove at once.
    const replica = backend.name === "postgres" ? await replicaOf(statePath, daemon.child.pid) : undefined;
    if (replica)
      expect(await replicaRows(statePath, replica)).toEqual({
        heartbeats: 1,
        leases: [`shop:tokopedia:${shopId}`],
      });
    const started = Date.now();
    daemon.child.kill("SIGTERM");
    const end = await daemon.exited;
    const ms = Date.now() - started;
    expect(end).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(10_000);
    expect(daemon.output()).toContain("shutting down");
    // The state was closed before the exit (the daemon's stop returned), with no error on the way.
    expect(daemon.output()).toContain('"msg":"stopped"');
    expect(errorsAfter(daemon.output(), "shutting down")).toEqual([]);
    expect(incoming().length).toBeLessThan(texts.length); // work really was cut short
    // What was in flight finished or went back to the queue: nothing is left running in the state.
    expect(await runningJobs(statePath)).toEqual([]);
    if (replica) expect(await replicaRows(statePath, replica)).toEqual({ heartbeats: 0, leases: [] });

    bed.kommo.latency(0, "amojo");
    daemon = await spawnDaemon(bed.configPath, port);
    await waitFor("every acknowledged message", () => incoming().length >= texts.length, 20_000);
    // Count once no sync or delivery is left in the queue: a duplicate would come from one of them.
    await waitForMarketplaceJobsDoneIn(statePath, 20_000);
    expect(
      incoming()
        .map((m) => m.text)
        .sort(),
    ).toEqual([...texts].sort());
  }, 40_000);

  it.sequential("SIGKILL while a reply is being posted: the restarted daemon does not post it twice", async () => {
    const shopId = bed.shops[0]!.shopId;
    const sent = await bed.tokopedia.buyerSends(shopId, "kill-reply-buyer", "Ready stok?");
    const conv = `tkp:${shopId}:${sent.msgId}`;
    await waitFor("buyer message", () => incoming().find((m) => m.conversationId === conv), 15_000);
    bed.tokopedia.latency(1_000);
    const before = bed.tokopedia.requests().length;
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, conv, {
      type: "text",
      text: "Ready kak, silakan order",
    });
    await waitFor("the reply request reached Tokopedia", () =>
      bed.tokopedia
        .requests()
        .slice(before)
        .some((r) => /\/reply$/.test(r.path)),
    );
    daemon!.child.kill("SIGKILL");
    await daemon!.exited;
    // Tokopedia still processes the request it received: the reply is in the room, unrecorded by the bridge.
    await waitFor("reply in the room", () => bed.tokopedia.shopReplies(sent.msgId).length === 1);
    bed.tokopedia.latency(0);
    daemon = await spawnDaemon(bed.configPath, port);
    // Within 15 s of the restart (25 s with the default lease): the reply job is back within 5 s of the kill (its
    // lease, then the next lease sweep).
    await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0], 15_000);
    expect(bed.kommo.deliveryStatuses(amojoId).map((s) => s.status)).toEqual([1]);
    expect(bed.tokopedia.shopReplies(sent.msgId)).toEqual(["Ready kak, silakan order"]);
  }, 45_000);

  it.sequential("SIGTERM while something else holds the event loop (a leaked handle): still exit 0 within 10 s", async () => {
    // A preload that leaves an interval running forever: the daemon closes everything it owns, but the process
    // would stay up after "stopped" unless serve's shutdown promise is enforced.
    const leak = "--import=data:text/javascript,setInterval(()=>{},60000)";
    daemon?.child.kill("SIGKILL"); // the previous test's daemon holds the port and the state file
    await daemon?.exited;
    daemon = await spawnDaemon(bed.configPath, port, [], { NODE_OPTIONS: leak });
    const started = Date.now();
    daemon.child.kill("SIGTERM");
    const end = await Promise.race([
      daemon.exited,
      new Promise<"still running">((r) => setTimeout(() => r("still running"), 12_000).unref()),
    ]);
    expect(end).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(daemon.output()).toContain('"msg":"stopped"');
  }, 20_000);
});
