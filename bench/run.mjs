// npm run bench: throughput, latency and memory figures, side by side in one run against the same simulators, then
// the same rows with the state in PostgreSQL (one replica, two replicas; bench/pg-rows.mjs), then the "budget"
// section (what the daemon spends of the platforms' limits, bench/budget.mjs).
// Not a test: it asserts nothing; it measures, prints tables and writes bench/results/latest.json (performance,
// PostgreSQL rows included) and bench/results/budget.json (budget). Sections: perf, pg, budget; pick with
// BENCH_ONLY=perf,pg (or `-- --perf --pg`), leave out with BENCH_SKIP=pg. The pg rows stand beside the perf rows
// of the same run, so choosing pg runs perf too.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { signAmojoRequest } from "../dist/index.js";
import {
  BUYERS,
  bridgeThroughput,
  CONCURRENCY,
  latencyAt50,
  rssWithManyShops,
  world,
} from "./bridge-rows.mjs";
import { runBudget } from "./budget.mjs";
import {
  BIN,
  freePort,
  inCount,
  makeMessages,
  measureThroughput,
  pool,
  printTable,
  ROOT,
  startChild,
} from "./lib.mjs";
import { runPostgresRows } from "./pg-rows.mjs";
import { sqliteTarget } from "./serve-replicas.mjs";

const N = Number(process.env.BENCH_MESSAGES ?? 3000);
/** Messages sent first and left out of the figures: JIT, connection pools, and every conversation's chat exists. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const results = {
  when: new Date().toISOString(),
  node: process.version,
  messages: N,
  warmupMessages: WARMUP,
  notes: [],
};
const log = (s) => process.stderr.write(`${s}\n`);

async function forwarderThroughput() {
  const bed = await world();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const acc = bed.config.kommo.accounts[0];
  const app = bed.config.tokopedia.apps[0];
  await bed.connectDaemon(url); // registers the forwarder's URL the same way
  const warm = await makeMessages(bed, WARMUP, BUYERS, "forwarder warm-up");
  const hooks = await makeMessages(bed, N, BUYERS, "forwarder");
  const opts = {
    scopeId: acc.scopeId,
    kommo: { baseUrl: bed.kommo.url, channelId: acc.channel.id, channelSecret: acc.channel.secret },
    tokopedia: {
      appName: "main",
      fsId: app.fsId,
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      authBaseUrl: bed.config.endpoints.tokopediaAuth,
      apiBaseUrl: bed.config.endpoints.tokopediaApi,
      // The simulator's limits are off here; pace no lower than the bridge does against it (testbed config).
      requestsPerSecond: app.requestsPerSecond,
    },
  };
  const f = await startChild([join(ROOT, "bench/forwarder.mjs"), String(port), JSON.stringify(opts)], url);
  const { secs, cpuMs: cpu } = await measureThroughput({
    bed,
    url,
    pid: f.child.pid,
    warm,
    hooks,
    concurrency: CONCURRENCY,
    label: "forwarder",
  });
  await f.stop();
  await bed.close();
  return { msgsPerSec: N / secs, cpuMsPerMsg: cpu / N };
}

async function rawCeiling() {
  const bed = await world();
  const acc = bed.config.kommo.accounts[0];
  const path = `/v2/origin/custom/${acc.scopeId}`;
  const bodies = Array.from({ length: N }, (_, i) => {
    const now = Date.now();
    return JSON.stringify({
      event_type: "new_message",
      payload: {
        timestamp: Math.floor(now / 1000),
        msec_timestamp: now,
        msgid: `raw:${i}`,
        conversation_id: `raw:${i % BUYERS}`,
        silent: false,
        sender: { id: `raw:user:${i % BUYERS}`, name: "Raw" },
        message: { type: "text", text: `raw ${i}` },
      },
    });
  });
  const t0 = performance.now();
  await pool(bodies, CONCURRENCY, async (body) => {
    const headers = signAmojoRequest({
      secret: acc.channel.secret,
      method: "POST",
      path,
      body,
      date: new Date(),
    });
    const r = await request(`${bed.kommo.url}${path}`, { method: "POST", headers, body });
    await r.body.dump();
  });
  const secs = (performance.now() - t0) / 1000;
  const ok = inCount(bed);
  await bed.close();
  return { msgsPerSec: N / secs, accepted: ok };
}

function helpWallTime() {
  const times = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, [BIN, "--help"], { stdio: "ignore" });
    times.push(performance.now() - t0);
  }
  const base = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    spawnSync(process.execPath, ["-e", ""], { stdio: "ignore" });
    base.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  return { medianMs: (times[4] + times[5]) / 2, nodeEmptyMedianMs: (base[4] + base[5]) / 2 };
}

const SECTIONS = ["perf", "pg", "budget"];

/**
 * Which sections run: all by default; BENCH_ONLY=perf,pg or --perf / --pg / --budget picks some, BENCH_SKIP=pg
 * leaves some out. pg stands beside perf's rows of the same run, so it brings perf along.
 */
function chosenSections() {
  const list = (v) =>
    (v ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const flags = process.argv
    .slice(2)
    .filter((a) => SECTIONS.includes(a.slice(2)) && a.startsWith("--"))
    .map((a) => a.slice(2));
  const only = new Set([...flags, ...list(process.env.BENCH_ONLY)]);
  const skip = new Set(list(process.env.BENCH_SKIP));
  for (const c of [...only, ...skip])
    if (!SECTIONS.includes(c)) throw new Error(`unknown bench section "${c}" (${SECTIONS.join(", ")})`);
  const chosen = new Set([...(only.size === 0 ? SECTIONS : only)].filter((c) => !skip.has(c)));
  if (chosen.has("pg")) chosen.add("perf");
  return chosen;
}

async function perfSection() {
  log(
    `tokokommo bench: ${N} messages over ${BUYERS} conversations (after ${WARMUP} warm-up), ${CONCURRENCY} webhooks in flight`,
  );
  log("  bridge throughput (daemon in a child process) ...");
  results.bridge = await bridgeThroughput(sqliteTarget(), { n: N, warmup: WARMUP });
  log("  forwarder baseline (child process) ...");
  results.forwarder = await forwarderThroughput();
  log("  raw ceiling (undici straight to the Kommo simulator) ...");
  results.raw = await rawCeiling();
  log("  latency at 50 msg/s for 10 s ...");
  results.latency = await latencyAt50(sqliteTarget());
  log("  RSS with 200 shops and 10,000 conversations ...");
  results.rss = await rssWithManyShops(sqliteTarget());
  log("  tokokommo --help ...");
  results.help = helpWallTime();
  results.ratio = results.bridge.msgsPerSec / results.forwarder.msgsPerSec;
  const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
  results.notes.push(
    `throughput rows: ${WARMUP} warm-up messages over the same conversations first, not counted (same for both)`,
  );
  results.notes.push(
    `latency rows: after 100 warm-up messages on other conversations (not counted); the very first message took ${f(results.latency.coldFirstMs, 0)} ms, the warm-up's slowest ${f(results.latency.coldMaxMs, 0)} ms`,
  );
  results.notes.push(
    "simulator rate limits off (Tokopedia 5 req/s per endpoint would cap every row equally)",
  );
  results.notes.push(
    "the simulators and the load generator share one process; bridge and forwarder each run in a child",
  );

  const rows = [
    [
      "inbound msg/s, whole bridge",
      f(results.bridge.msgsPerSec, 0),
      "≥ 1000",
      results.bridge.msgsPerSec >= 1000,
    ],
    ["inbound msg/s, forwarder baseline", f(results.forwarder.msgsPerSec, 0), "", null],
    ["bridge / forwarder", f(results.ratio, 2), "≥ 0.5", results.ratio >= 0.5],
    ["raw ceiling msg/s (undici → Kommo sim)", f(results.raw.msgsPerSec, 0), "", null],
    ["added latency p50 ms @ 50 msg/s", f(results.latency.p50Ms), "", null],
    ["added latency p99 ms @ 50 msg/s", f(results.latency.p99Ms), "≤ 25", results.latency.p99Ms <= 25],
    ["bridge CPU ms per message", f(results.bridge.cpuMsPerMsg, 2), "", null],
    ["forwarder CPU ms per message", f(results.forwarder.cpuMsPerMsg, 2), "", null],
    ["daemon RSS MB, 200 shops + 10k conversations", f(results.rss.rssMb), "≤ 120", results.rss.rssMb <= 120],
    ["tokokommo --help wall ms (median of 10)", f(results.help.medianMs), "", null],
    ["node -e '' wall ms (median of 10)", f(results.help.nodeEmptyMedianMs), "", null],
  ];
  printTable(rows);
  for (const n of results.notes) console.log(`note: ${n}`);
  writeLatest();
}

function writeLatest() {
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log("\nwritten: bench/results/latest.json");
}

/** The rows above again with the state in PostgreSQL, beside the SQLite column of this run. */
async function pgSection() {
  log("tokokommo bench, PostgreSQL: the bridge rows with the state in a database (one replica, then two)");
  const pg = await runPostgresRows({ sqlite: results, n: N, warmup: WARMUP, log });
  results.postgres = pg.skipped ? { skipped: pg.skipped } : pg.results;
  console.log("\nPostgreSQL state, beside the SQLite rows above (same simulators, same load)");
  if (pg.lines.length > 0) console.log(`\n${pg.lines.join("\n")}`);
  for (const n of pg.notes) console.log(`note: ${n}`);
  writeLatest();
}

async function budgetSection() {
  log("tokokommo bench, budget: every simulator's limits on, the built daemon in a child process");
  const { results: budget, rows } = await runBudget(log);
  console.log("\nbudget (what the daemon spends of the platforms' limits)");
  printTable(rows);
  console.log(
    `note: budget section took ${budget.wallSeconds.toFixed(0)} s; how each row is measured: bench/README.md`,
  );
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/budget.json"), `${JSON.stringify(budget, null, 2)}\n`);
  console.log("\nwritten: bench/results/budget.json");
}

const sections = chosenSections();
if (sections.has("perf")) await perfSection();
if (sections.has("pg")) await pgSection();
if (sections.has("budget")) await budgetSection();
