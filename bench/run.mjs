// npm run bench: throughput, latency and memory figures, side by side in one run against the same simulators, then the "budget"
// section (what the daemon spends of the platforms' limits, bench/budget.mjs).
// Not a test: it asserts nothing; it measures, prints tables and writes bench/results/latest.json (performance)
// and bench/results/budget.json (budget). One section only: BENCH_ONLY=perf|budget, or `-- --perf` / `-- --budget`.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { openStore, signAmojoRequest, startTestbed } from "../dist/index.js";
import { runBudget } from "./budget.mjs";
import {
  BIN,
  freePort,
  inCount,
  makeMessages,
  measureThroughput,
  percentile,
  pool,
  postWebhook,
  printTable,
  ROOT,
  rssMb,
  startChild,
  until,
} from "./lib.mjs";

const N = Number(process.env.BENCH_MESSAGES ?? 3000);
/** Messages sent first and left out of the figures: JIT, connection pools, and every conversation's chat exists. */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const BUYERS = 200;
const CONCURRENCY = 64;
const results = {
  when: new Date().toISOString(),
  node: process.version,
  messages: N,
  warmupMessages: WARMUP,
  notes: [],
};
const log = (s) => process.stderr.write(`${s}\n`);

/** A world with rate limits off (the Tokopedia simulator's 5 req/s per endpoint would measure itself). */
async function world(extra = {}) {
  return startTestbed({ mode: "webhook", tokopedia: { rateLimit: null, webhookDelivery: false }, ...extra });
}

async function bridgeThroughput() {
  const bed = await world();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await bed.connectDaemon(url);
  const warm = await makeMessages(bed, WARMUP, BUYERS, "bridge warm-up");
  const hooks = await makeMessages(bed, N, BUYERS, "bridge");
  const d = await startChild(
    [BIN, "serve", "--config", bed.configPath, "--port", String(port)],
    `${url}/healthz`,
    {
      NO_COLOR: "1",
    },
  );
  const { secs, cpuMs: cpu } = await measureThroughput({
    bed,
    url,
    pid: d.child.pid,
    warm,
    hooks,
    concurrency: CONCURRENCY,
    label: "bridge",
  });
  const rss = rssMb(d.child.pid);
  await d.stop();
  await bed.close();
  return { msgsPerSec: N / secs, cpuMsPerMsg: cpu / N, rssAfterMb: rss };
}

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

/**
 * Sends `count` buyer messages at 50 msg/s (one every 20 ms) over `buyers` conversations starting at buyer id
 * `firstBuyer`, each POSTed as its webhook; waits until Kommo holds them and returns each one's added latency
 * (webhook POST -> the Kommo simulator's receivedAt), in send order.
 */
async function pacedLatencies(bed, url, { count, buyers, firstBuyer, label }) {
  const shopId = bed.shops[0].shopId;
  const before = inCount(bed);
  const sentAt = new Map();
  const started = performance.now();
  const sends = [];
  for (let i = 0; i < count; i++) {
    const due = started + i * 20;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const buyer = firstBuyer + (i % buyers);
    const sent = await bed.tokopedia.buyerSends(shopId, buyer, `${label} ${i}`, { buyerName: `L${buyer}` });
    const hook = bed.tokopedia.webhookFor(sent.msgId);
    sentAt.set(`tkp:${shopId}:${sent.msgId}:${sent.replyId}`, Date.now());
    sends.push(postWebhook(`${url}/webhooks/tokopedia/main`, hook));
  }
  await Promise.all(sends);
  await until(() => inCount(bed) >= before + count, 30_000, `${label} deliveries`);
  const arrived = new Map(
    bed.kommo
      .received(bed.scopeId)
      .filter((m) => m.msgid && sentAt.has(m.msgid))
      .map((m) => [m.msgid, m.receivedAt - sentAt.get(m.msgid)]),
  );
  return [...sentAt.keys()].map((id) => {
    const ms = arrived.get(id);
    if (ms === undefined) throw new Error(`${label}: ${id} never reached Kommo`);
    return ms;
  });
}

async function latencyAt50() {
  const bed = await world();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await bed.connectDaemon(url);
  const d = await startChild(
    [BIN, "serve", "--config", bed.configPath, "--port", String(port)],
    `${url}/healthz`,
  );
  // Warm-up (not counted), on 10 other conversations: the first messages after start-up pay for the JIT and for
  // opening connections (tens of ms), and with 500 samples the 5 slowest decide p99. The measured messages still
  // include each of their 50 conversations' first message (chat creation in Kommo), as before.
  const cold = await pacedLatencies(bed, url, {
    count: 100,
    buyers: 10,
    firstBuyer: 6_100_000,
    label: "warm-up",
  });
  const lat = (
    await pacedLatencies(bed, url, { count: 500, buyers: 50, firstBuyer: 6_000_000, label: "latency" })
  ).sort((a, b) => a - b);
  await d.stop();
  await bed.close();
  return {
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    maxMs: lat[lat.length - 1],
    samples: lat.length,
    warmupMessages: cold.length,
    coldFirstMs: cold[0],
    coldMaxMs: Math.max(...cold),
  };
}

async function rssWithManyShops() {
  const bed = await startTestbed({
    mode: "webhook",
    shops: 200,
    tokopedia: { rateLimit: null, webhookDelivery: false },
  });
  const store = openStore(bed.statePath);
  const now = Date.now();
  store.transaction(() => {
    for (let i = 0; i < 10_000; i++) {
      const shop = bed.shops[i % 200];
      const ref = { source: "tokopedia", shopId: shop.shopId, roomId: String(3_000_000_000 + i) };
      store.rooms.upsertRoom(
        {
          ...ref,
          conversationId: `tkp:${shop.shopId}:${ref.roomId}`,
          buyer: { id: String(i), name: `Buyer ${i}` },
        },
        now,
      );
      store.rooms.advanceCursor(ref, { messageId: "1", time: now - 1000 }, { now });
    }
  });
  store.close();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const d = await startChild(
    [BIN, "serve", "--config", bed.configPath, "--port", String(port)],
    `${url}/healthz`,
  );
  await new Promise((r) => setTimeout(r, 3000)); // start-up sweep of 200 shops settles
  const rss = rssMb(d.child.pid);
  await d.stop();
  await bed.close();
  return { rssMb: rss, shops: 200, conversations: 10_000 };
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

/** Which sections run: both by default; BENCH_ONLY=perf|budget or --perf / --budget picks one. */
function chosenSections() {
  const flags = process.argv
    .slice(2)
    .filter((a) => a === "--perf" || a === "--budget")
    .map((a) => a.slice(2));
  const env = (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  const chosen = new Set([...flags, ...env]);
  for (const c of chosen)
    if (c !== "perf" && c !== "budget") throw new Error(`unknown bench section "${c}" (perf, budget)`);
  return chosen.size === 0 ? new Set(["perf", "budget"]) : chosen;
}

async function perfSection() {
  log(
    `tokokommo bench: ${N} messages over ${BUYERS} conversations (after ${WARMUP} warm-up), ${CONCURRENCY} webhooks in flight`,
  );
  log("  bridge throughput (daemon in a child process) ...");
  results.bridge = await bridgeThroughput();
  log("  forwarder baseline (child process) ...");
  results.forwarder = await forwarderThroughput();
  log("  raw ceiling (undici straight to the Kommo simulator) ...");
  results.raw = await rawCeiling();
  log("  latency at 50 msg/s for 10 s ...");
  results.latency = await latencyAt50();
  log("  RSS with 200 shops and 10,000 conversations ...");
  results.rss = await rssWithManyShops();
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
  mkdirSync(join(ROOT, "bench/results"), { recursive: true });
  writeFileSync(join(ROOT, "bench/results/latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log("\nwritten: bench/results/latest.json");
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
if (sections.has("budget")) await budgetSection();
