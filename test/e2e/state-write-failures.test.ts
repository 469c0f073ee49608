/**
 * Over real HTTP against the simulators: the state file stops taking writes while buyers write,
 * managers reply and sweeps run. Three real causes: another connection holding the write lock past the daemon's
 * busy timeout (SQLITE_BUSY), a full filesystem (a small tmpfs, SQLITE_FULL; needs root to mount), and SQLite's
 * own page limit on the daemon's connection (SQLITE_FULL everywhere). In each: the daemon stays up, no promise
 * rejection goes unhandled, /readyz turns not-ready, webhooks answer 503 (never 500) and store nothing, and once
 * writes work again every buyer message reaches Kommo exactly once and every acknowledged reply reaches the buyer
 * exactly once.
 */
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onUnhandled);
});
afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
});

let bed: Testbed | undefined;
let daemon: RunningDaemon | undefined;
afterEach(async () => {
  await stopDaemonAndBed(daemon, bed);
  daemon = undefined;
  bed = undefined;
});

async function get(path: string, d = daemon!): Promise<{ status: number; text: string }> {
  const res = await request(`${d.url}${path}`);
  return { status: res.statusCode, text: await res.body.text() };
}

/** The daemon's count of failed state writes in one part (intake, sweep, jobs), read from GET /metrics. */
async function stateFailures(d: RunningDaemon, part: string): Promise<number> {
  const { text } = await get("/metrics", d);
  let n = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("tokokommo_state_write_failures_total{") && line.includes(`part="${part}"`)) {
      n += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return n;
}

interface Outage {
  /** Where the daemon keeps its state (default: the testbed's folder). */
  statePath?: string;
  /** Makes the daemon's state writes fail. */
  breakWrites(d: RunningDaemon): void;
  /** Makes them work again. */
  repair(d: RunningDaemon): void;
  /** Whether every write fails while broken (a lock) or only those that need more room (a full disk). */
  allWritesFail: boolean;
  /** Default hybrid (periodic sweeps run into the failure); in webhook mode only the catch-up sweep reads rooms. */
  mode?: "hybrid" | "webhook";
}

/**
 * One outage on a testbed and daemon of its own, stopped at the end: the outage tests run concurrently (each
 * mostly waits: on sweeps, backoffs and its jobs' leases).
 */
async function runOutage(o: Outage): Promise<void> {
  const bed = await startTestbed({ mode: o.mode ?? "hybrid" });
  let daemon: RunningDaemon | undefined;
  try {
    daemon = await startOutageDaemon(bed, o);
    await outage(bed, daemon, o);
  } finally {
    await stopDaemonAndBed(daemon, bed);
  }
}

function startOutageDaemon(bed: Testbed, o: Outage): Promise<RunningDaemon> {
  return startDaemon({
    config: bed.config,
    port: 0,
    ...(o.statePath ? { statePath: o.statePath } : {}),
    engine: {
      baseRetryMs: 50,
      maxRetryMs: 500,
      // The default budget (12) spans hours with the real backoff; this test compresses the backoff to
      // milliseconds, so it raises the budget to keep about the same span of failing writes survivable.
      retryBudget: 200,
      pollIntervalMs: 200,
      // Short, so that each write waiting on the lock holds the event loop (shared by the daemons of the
      // concurrent outage tests) only briefly. Nothing but the locker competes for the file's lock.
      busyTimeoutMs: 20,
      // A job whose outcome could not be written stays leased until its lease runs out, then runs again.
      leaseMs: 2_000,
    },
  });
}

async function outage(bed: Testbed, daemon: RunningDaemon, o: Outage): Promise<void> {
  const mode = o.mode ?? "hybrid";
  await bed.connectDaemon(daemon.url);
  const shopId = bed.shops[0]!.shopId;
  const tkp = bed.tokopedia;
  const kommo = bed.kommo;
  const scope = bed.scopeId;
  const inKommo = () => kommo.received(scope).filter((m) => m.direction === "in" && m.text.startsWith("m-"));
  const texts: string[] = [];
  const buyerSends = async (buyer: string, text: string) => {
    texts.push(text);
    const sent = await tkp.buyerSends(shopId, buyer, text);
    return { ...sent, status: sent.deliveries[0]?.status };
  };

  // Before: three conversations, all in Kommo.
  const conv: string[] = [];
  for (let i = 0; i < 3; i++) {
    const sent = await buyerSends(`wf-${i}`, `m-before-${i}`);
    expect(sent.status).toBe(200);
    conv.push(`tkp:${shopId}:${sent.msgId}`);
  }
  await waitFor("the first messages in Kommo", () => inKommo().length === 3);
  // Acknowledged just before the outage: their jobs may still be pending when writes start failing.
  const acked = [await buyerSends("wf-0", "m-acked-0"), await buyerSends("wf-9", "m-acked-new")];
  expect(acked.map((a) => a.status)).toEqual([200, 200]);
  const replies: { amojoId: string; text: string; room: string; acked: boolean }[] = [];
  const reply = async (i: number, text: string) => {
    const amojoId = await kommo.managerReplies(scope, conv[i]!, { type: "text", text });
    const status = kommo.webhookDeliveries().find((d) => d.amojoMessageId === amojoId)?.status;
    expect([200, 503], `the reply webhook was answered ${status}`).toContain(status);
    replies.push({ amojoId, text, room: conv[i]!.split(":")[2]!, acked: status === 200 });
    return status;
  };
  expect(await reply(1, "r-acked-before")).toBe(200);

  o.breakWrites(daemon);
  const sweepFailuresBefore = await stateFailures(daemon, "sweep");
  const during: (number | undefined)[] = [];
  // Fill until a webhook is refused (a full disk still takes writes that fit in free pages).
  for (let i = 0; i < 150 && !during.includes(503); i++) {
    during.push((await buyerSends(`wf-full-${i}`, `m-during-new-${i} ${"isi ".repeat(800)}`)).status);
  }
  for (let i = 0; i < 3; i++) during.push((await buyerSends(`wf-${i}`, `m-during-${i}`)).status);
  const replyStatuses = [await reply(0, "r-during-0"), await reply(2, "r-during-2")];

  // Refused, not failed: 503 tells the platforms to retry; a 500 (or no answer) would mean the handler broke.
  expect(during).toContain(503);
  expect(during.every((s) => s === 200 || s === 503)).toBe(true);
  if (o.allWritesFail) {
    expect(during.every((s) => s === 503)).toBe(true);
    expect(replyStatuses).toEqual([503, 503]);
  }
  const notReady = await waitForAsync("/readyz not ready", async () => {
    const r = await get("/readyz", daemon);
    return r.status === 503 ? r : undefined;
  });
  const check = (JSON.parse(notReady.text) as { checks: { name: string; ok: boolean; detail?: string }[] })
    .checks;
  expect(check.find((c) => c.name === "state writable")?.ok).toBe(false);
  if (mode === "hybrid") {
    // Sweeps keep running into the failure, and the loop survives each one.
    await waitForAsync(
      "two failed sweeps",
      async () => (await stateFailures(daemon, "sweep")) >= sweepFailuresBefore + 2,
    );
  }
  expect((await get("/healthz", daemon)).status).toBe(200);

  o.repair(daemon);
  await waitForAsync(
    "/readyz ready again",
    async () => (await get("/readyz", daemon)).status === 200,
    15_000,
  );
  // Every buyer message, acknowledged or refused: a refused webhook's message is found by the next sweep.
  await waitFor("every buyer message in Kommo", () => inKommo().length >= texts.length, 30_000);
  const ackedReplies = replies.filter((r) => r.acked);
  await waitFor(
    "every acknowledged reply at Tokopedia",
    () => ackedReplies.every((r) => tkp.shopReplies(r.room).includes(r.text)),
    15_000,
  );
  // Let anything that would arrive twice do so.
  await waitFor("an idle queue", () => daemon.engine.runner.inFlight === 0 && pendingJobs(daemon) === 0);

  const got = inKommo().map((m) => m.text);
  expect([...got].sort()).toEqual([...texts].sort());
  expect(new Set(inKommo().map((m) => m.msgid)).size).toBe(texts.length);
  for (const r of replies) {
    const times = tkp.shopReplies(r.room).filter((t) => t === r.text).length;
    // An acknowledged reply is delivered once; a refused one was stored nowhere (Kommo does not retry it).
    expect(times).toBe(r.acked ? 1 : 0);
  }
  expect(daemon.store.jobs.listDead()).toEqual([]);
  expect(unhandled).toEqual([]);
}

function pendingJobs(d: RunningDaemon): number {
  return d.store.jobs.counts().reduce((n, c) => n + c.pending + c.running, 0);
}

/** An outage where another connection holds the state file's write lock (BEGIN IMMEDIATE) until the repair. */
async function lockedOutage(mode?: "webhook"): Promise<void> {
  let locker: BetterSqlite3.Database | undefined;
  try {
    await runOutage({
      ...(mode ? { mode } : {}),
      allWritesFail: true,
      breakWrites: (d) => {
        locker = new BetterSqlite3(d.store.path);
        locker.exec("BEGIN IMMEDIATE");
      },
      repair: () => {
        locker?.exec("ROLLBACK");
        locker?.close();
        locker = undefined;
      },
    });
  } finally {
    if (locker?.inTransaction) locker.exec("ROLLBACK");
    locker?.close();
  }
}

it.concurrent("another process holding the state file's write lock past the busy timeout: the daemon refuses, then catches up", async () => {
  await lockedOutage();
}, 60_000);

it.concurrent("webhook mode, state file locked: messages behind refused webhooks are read by the catch-up sweep", async () => {
  await lockedOutage("webhook");
}, 60_000);

it.concurrent("SQLite's page limit reached on the daemon's connection (SQLITE_FULL): the daemon refuses, then catches up", async () => {
  await runOutage({
    allWritesFail: false,
    // A limit below the current size is raised to the current size: no more pages than the file has now.
    breakWrites: (d) => {
      d.store.db.pragma("max_page_count = 1");
    },
    repair: (d) => {
      d.store.db.pragma("max_page_count = 4294967294");
    },
  });
}, 60_000);

/** Whether this machine lets the test mount a small tmpfs (root, and a sandbox that allows mount). */
function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const mountDir = mkdtempSync(join(tmpdir(), "tokokommo-smallfs-"));
const canMount = process.platform === "linux" && process.getuid?.() === 0 && tryMount(mountDir, "4m");
afterAll(() => {
  if (canMount) execFileSync("umount", ["-l", mountDir]);
  rmSync(mountDir, { recursive: true, force: true });
});

// Mounting needs root and a sandbox that allows it (not GitHub's hosted runners without sudo): skipped only then.
// The page-limit test above covers the same SQLITE_FULL path on every machine.
it.skipIf(!canMount).concurrent(
  "the state file on a full filesystem (4 MiB tmpfs): the daemon refuses, then catches up once space is freed",
  async () => {
    const dir = join(mountDir, "state");
    mkdirSync(dir);
    const filler = join(mountDir, "filler");
    await runOutage({
      statePath: join(dir, "state.db"),
      allWritesFail: false,
      breakWrites: () => {
        const fd = openSync(filler, "w");
        const chunk = Buffer.alloc(64 * 1024, 1);
        try {
          for (;;) writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
          // The last pages: a chunk no longer fits, a smaller write may.
          try {
            for (;;) writeSync(fd, Buffer.alloc(512, 1));
          } catch {}
        } finally {
          closeSync(fd);
        }
      },
      repair: () => unlinkSync(filler),
    });
  },
  60_000,
);

it("a shutdown while the state file is locked still closes it; the next start delivers what was in flight, once", async () => {
  bed = await startTestbed({ mode: "webhook" });
  const engine = { baseRetryMs: 50, maxRetryMs: 500, busyTimeoutMs: 100, leaseMs: 1_000 };
  daemon = await startDaemon({ config: bed.config, port: 0, engine });
  await bed.connectDaemon(daemon.url);
  const shopId = bed.shops[0]!.shopId;
  const inKommo = () => bed!.kommo.received(bed!.scopeId).filter((m) => m.direction === "in");
  bed.kommo.latency(1_000, "amojo");
  await bed.tokopedia.buyerSends(shopId, "stop-0", "m-in-flight");
  const d = daemon;
  // The delivery to Kommo is on its way (slow Kommo) when the state file gets locked and SIGTERM comes.
  const running = d.store.db.prepare(
    "SELECT 1 FROM jobs WHERE kind = 'deliver_to_kommo' AND state = 'running'",
  );
  await waitFor("a delivery in flight", () => running.get() !== undefined && d.engine.runner.inFlight > 0);
  const locker = new BetterSqlite3(bed.statePath);
  try {
    locker.exec("BEGIN IMMEDIATE");
    await d.stop(50);
    expect(d.store.db.open).toBe(false);
  } finally {
    if (locker.inTransaction) locker.exec("ROLLBACK");
    locker.close();
  }
  bed.kommo.latency(0, "amojo");
  daemon = await startDaemon({ config: bed.config, port: 0, engine });
  await waitFor("the message in Kommo", () => inKommo().length >= 1, 15_000);
  await waitFor(
    "an idle queue",
    () => daemon!.engine.runner.inFlight === 0 && pendingJobs(daemon!) === 0,
    15_000,
  );
  expect(inKommo().map((m) => m.text)).toEqual(["m-in-flight"]);
  expect(unhandled).toEqual([]);
}, 60_000);

it("while a lock lasts, only the first write waits out the busy timeout: later webhooks are refused quickly", async () => {
  // The simulator waits 10 s for the daemon's answer (3 s by default): the first webhook's answer comes after the
  // whole busy timeout, and a loaded CI machine adds to it.
  bed = await startTestbed({ mode: "webhook", tokopedia: { webhookTimeoutMs: 10_000 } });
  // Long enough that "waited the full timeout" and "refused after the short one (200 ms), behind a few other
  // writes of the main thread that each wait it too" stay apart on a loaded CI machine.
  const busyTimeoutMs = 3_000;
  daemon = await startDaemon({
    config: bed.config,
    port: 0,
    engine: { baseRetryMs: 50, maxRetryMs: 500, busyTimeoutMs, leaseMs: 2_000, pollIntervalMs: 200 },
  });
  await bed.connectDaemon(daemon.url);
  const shopId = bed.shops[0]!.shopId;
  const inKommo = () => bed!.kommo.received(bed!.scopeId).filter((m) => m.direction === "in");
  await bed.tokopedia.buyerSends(shopId, "quick-0", "m-first");
  await waitFor("the first message in Kommo", () => inKommo().length === 1);
  const locker = new BetterSqlite3(bed.statePath);
  const answered: number[] = [];
  try {
    locker.exec("BEGIN IMMEDIATE");
    const first = await bed.tokopedia.buyerSends(shopId, "quick-1", "m-locked-1");
    expect(first.deliveries[0]?.status).toBe(503);
    for (let i = 2; i <= 4; i++) {
      const started = Date.now();
      const sent = await bed.tokopedia.buyerSends(shopId, `quick-${i}`, `m-locked-${i}`);
      expect(sent.deliveries[0]?.status).toBe(503);
      answered.push(Date.now() - started);
    }
  } finally {
    locker.exec("ROLLBACK");
    locker.close();
  }
  // Each refusal after the first comes well within the busy timeout (with it, each would take 3 s or more).
  expect(Math.max(...answered)).toBeLessThan(busyTimeoutMs * 0.6);
  // And once the lock is gone, the full timeout is back and everything is caught up.
  // Nothing is pending and no webhook comes: the catch-up sweep is the write that finds the file writable again.
  await waitForAsync("/readyz ready again", async () => (await get("/readyz")).status === 200, 15_000);
  await waitFor("every message in Kommo", () => inKommo().length === 5, 15_000);
  expect(daemon.store.db.pragma("busy_timeout", { simple: true })).toBe(busyTimeoutMs);
  expect(unhandled).toEqual([]);
}, 60_000);

it("/readyz answers 503, not 500, when even reading the state file fails", async () => {
  bed = await startTestbed({ mode: "webhook" });
  daemon = await startDaemon({ config: bed.config, port: 0 });
  expect((await get("/readyz")).status).toBe(200);
  daemon.store.db.close(); // every read now throws, as on a failing disk
  const r = await get("/readyz");
  expect(r.status).toBe(503);
  expect(JSON.parse(r.text)).toMatchObject({ ok: false, checks: [{ name: "state", ok: false }] });
  expect((await get("/healthz")).status).toBe(200);
});
