// The "budget" section of `npm run bench`: what the daemon spends of the platforms' limits, measured by running
// the built binary against the simulators with every limit on and counting calls in the simulators' request logs.
// Compared with the targets only (see bench/README.md for how each row is measured).
import {
  budgetWorld,
  csCalls,
  peakInWindow,
  quiet,
  stampTokopediaRequests,
  tokopediaEndpoint,
} from "./budget-world.mjs";
import { inCount, until } from "./lib.mjs";

const DAY_S = 86_400;
/** Idle polling is counted over whole cycles spanning at least this long, then scaled to a day (see below). */
const IDLE_SPAN_S = Number(process.env.BENCH_IDLE_SPAN_S ?? 30);
/**
 * A daemon that polls less often than this is measured over this much at most: its figure is then an upper bound
 * (shown as such), which BENCH_IDLE_MAX_WAIT_S (say 900) makes exact again.
 */
const IDLE_MAX_WAIT_S = Number(process.env.BENCH_IDLE_MAX_WAIT_S ?? 150);
/** The 200-shop Tokopedia run lasts this long in real time (the figure is 5 minutes; see the README). */
const TOKOPEDIA_RUN_S = Number(process.env.BENCH_TOKOPEDIA_RUN_S ?? 60);
/** Tokopedia's documented limit and the simulator's bucket: 5 requests/s per (app, endpoint), burst 5. */
const TKP_RATE = 5;
const TKP_BURST = 5;
/** TikTok Shop's limit as the simulator enforces it: 50 requests/s per (app, shop, API). */
const TTS_QPS = 50;

const isRead = (c) => c.method === "GET";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Resolves true once `probe()` holds, false if it has not within `ms`. */
async function within(probe, ms) {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/**
 * TikTok Shop Customer Service calls per inbound message and per text reply, hybrid mode. The shop already has
 * 60 listed conversations (older than the daemon's first look-back). Sweeps are kept out of these rows (poll
 * interval 1 h; polling has its own rows): every call counted here is caused by the message or the reply.
 */
export async function ttsPerMessage(log) {
  const w = await budgetWorld({
    ttsShops: 1,
    pollIntervalSeconds: 3600,
    seedTts: (tts, seller) => {
      for (let i = 0; i < 60; i++)
        tts.buyerSends(seller.shops[0].id, { id: `900${i}`, name: `Lama ${i}` }, "lama");
    },
  });
  const { tts, bed } = w;
  const shop = w.ttsShopIds[0];
  const d = await w.serve();
  try {
    await quiet(() => tts.calls().length, 1000);
    const measuredFrom = csCalls(tts).length;
    /** Runs `act`, waits for `expectIn` more buyer messages in Kommo (and `done`), then for the calls to stop. */
    const step = async (act, expectIn, done = () => true) => {
      const c0 = csCalls(tts).length;
      const k0 = inCount(bed);
      const r = await act();
      await until(() => inCount(bed) >= k0 + expectIn && done(r), 60_000, "messages in Kommo");
      await quiet(() => tts.calls().length, 700);
      return csCalls(tts).slice(c0);
    };
    const convs = [];
    const newChat = [];
    log("    new chats ...");
    for (let i = 0; i < 5; i++) {
      const calls = await step(async () => {
        const s = tts.buyerSends(shop, { id: `7100${i}`, name: `Baru ${i}` }, `halo kak ${i}`);
        convs.push(s.conversationId);
      }, 1);
      newChat.push(calls);
    }
    log("    follow-ups announced by webhook ...");
    const follow = [];
    for (let i = 0; i < 10; i++) {
      follow.push(
        await step(() => tts.buyerSends(shop, { id: `7100${i % 5}`, name: `Baru ${i % 5}` }, `lagi ${i}`), 1),
      );
    }
    log("    a burst of 20 in 2 s ...");
    const burst = await step(async () => {
      for (let i = 0; i < 20; i++) {
        tts.buyerSends(shop, { id: "71000", name: "Baru 0" }, `burst ${i}`);
        await sleep(100);
      }
    }, 20);
    log("    text replies ...");
    const replies = [];
    for (let i = 0; i < 5; i++) {
      const conv = `tts:${shop}:${convs[i]}`;
      replies.push(
        await step(
          () =>
            bed.kommo.managerReplies(bed.scopeId, conv, {
              type: "text",
              text: `Siap kak, dikirim hari ini (${i})`,
            }),
          0,
          (amojoId) => bed.kommo.deliveryStatuses(amojoId).length > 0,
        ),
      );
    }
    // Calls that came later than a step's quiet period would be missed: count what arrives in the next 3 s.
    const attributed = csCalls(tts).length - measuredFrom;
    await sleep(3000);
    const late = csCalls(tts).length - measuredFrom - attributed;
    const per = (groups, pick = () => true) =>
      groups.reduce((n, g) => n + g.filter(pick).length, 0) / groups.length;
    const byPath = (groups) => {
      const m = {};
      for (const c of groups.flat()) {
        const k = `${c.method} ${c.path.replace(/\/\d+/g, "/{id}")}`;
        m[k] = (m[k] ?? 0) + 1;
      }
      return m;
    };
    return {
      listedConversations: 60,
      callsAfterLastStep: late,
      newChat: {
        samples: newChat.length,
        callsPerMessage: per(newChat),
        readsPerMessage: per(newChat, isRead),
        calls: byPath(newChat),
      },
      followUp: {
        samples: follow.length,
        callsPerMessage: per(follow),
        readsPerMessage: per(follow, isRead),
        calls: byPath(follow),
      },
      burst: {
        messages: 20,
        calls: burst.length,
        reads: burst.filter(isRead).length,
        readsPerMessage: burst.filter(isRead).length / 20,
        byPath: byPath([burst]),
      },
      reply: {
        samples: replies.length,
        callsPerReply: per(replies),
        readsPerReply: per(replies, isRead),
        calls: byPath(replies),
      },
    };
  } finally {
    await d.stop();
    await w.close();
  }
}

/**
 * TikTok Shop idle polling at 20, 100 and 500 conversations (one shop each, the three run side by side), default
 * mode and poll interval (hybrid, 30 s). The conversations are older than the first look-back, so nothing is
 * imported: every call is polling. After the start-up sweep has gone quiet, the window opens at the next call and
 * closes at the first call that comes IDLE_SPAN_S or more later (not counted): it spans whole polling cycles, so
 * calls in it ÷ its length × 86,400 is a day's polling whether the sweeps come as bursts or one page at a time.
 */
export async function ttsIdlePolling(log, sizes = [20, 100, 500]) {
  const runOne = async (n) => {
    const w = await budgetWorld({
      ttsShops: 1,
      seedTts: (tts, seller) => {
        for (let i = 0; i < n; i++)
          tts.buyerSends(seller.shops[0].id, { id: `800${i}`, name: `Diam ${i}` }, "halo");
      },
    });
    const d = await w.serve();
    // The simulator's call log has no times: stamp each call when it shows up (every 20 ms).
    const times = [];
    const sampler = setInterval(() => {
      const now = Date.now();
      for (let k = csCalls(w.tts).length - times.length; k > 0; k--) times.push(now);
    }, 20);
    try {
      await quiet(() => w.tts.calls().length, 1000);
      const startup = csCalls(w.tts).length;
      const t0 = Date.now();
      if (!(await within(() => times.length > startup, IDLE_MAX_WAIT_S * 1000))) {
        // No call since the start-up sweep: if the next sweep costs what that one did, it comes later than this.
        return {
          ...idleFigures(n, w, startup, (Date.now() - t0) / 1000, csCalls(w.tts).slice(0, startup)),
          upperBound: true,
        };
      }
      const opened = times[startup];
      const spanned = await within(
        () => times[times.length - 1] >= opened + IDLE_SPAN_S * 1000,
        IDLE_MAX_WAIT_S * 1000,
      );
      // Polling rarer than the longest wait: count up to now (an upper bound of a day's polling).
      const closedAt = spanned ? times.findIndex((t) => t >= opened + IDLE_SPAN_S * 1000) : times.length;
      const seconds = ((spanned ? times[closedAt] : Date.now()) - opened) / 1000;
      return {
        ...idleFigures(n, w, startup, seconds, csCalls(w.tts).slice(startup, closedAt)),
        upperBound: !spanned,
      };
    } finally {
      clearInterval(sampler);
      await d.stop();
      await w.close();
    }
  };
  const idleFigures = (n, w, startup, seconds, window) => ({
    conversations: n,
    pollIntervalSeconds: w.bed.config.sync.pollIntervalSeconds,
    startupSweepCalls: startup,
    windowSeconds: seconds,
    callsInWindow: window.length,
    errorsInWindow: window.filter((c) => c.code !== 0).length,
    callsPerDay: Math.round((window.length / seconds) * DAY_S),
    importedToKommo: inCount(w.bed),
  });
  log(`    ${sizes.join(", ")} conversations side by side, whole cycles of at least ${IDLE_SPAN_S} s ...`);
  return Promise.all(sizes.map(runOne));
}

/**
 * 200 Tokopedia shops on one app, idle (no conversations), default mode and interval, for TOKOPEDIA_RUN_S of real
 * time from the daemon's start: 429 answers and the per-endpoint request rate (all shops share the app's bucket).
 */
export async function tokopediaIdle(log) {
  log(`    200 shops, ${TOKOPEDIA_RUN_S} s from start-up ...`);
  const w = await budgetWorld({ tokopediaShops: 200 });
  const reqs = stampTokopediaRequests(w.bed.tokopedia);
  const r0 = reqs.length;
  const t0 = Date.now();
  const d = await w.serve();
  try {
    await sleep(Math.max(0, TOKOPEDIA_RUN_S * 1000 - (Date.now() - t0)));
  } finally {
    await d.stop();
  }
  const run = reqs.slice(r0).filter((r) => r.at - t0 <= TOKOPEDIA_RUN_S * 1000);
  const byEndpoint = {};
  for (const r of run) {
    const e = tokopediaEndpoint(r.method, r.path);
    byEndpoint[e] ??= { requests: 0, answered429: 0, times: [] };
    byEndpoint[e].requests++;
    if (r.status === 429) byEndpoint[e].answered429++;
    byEndpoint[e].times.push(r.at);
  }
  const endpoints = {};
  let peak1 = 0;
  let peak5 = 0;
  for (const [e, v] of Object.entries(byEndpoint)) {
    if (e === "token") continue;
    const p1 = peakInWindow(v.times, 1000);
    const p5 = peakInWindow(v.times, 5000) / 5;
    endpoints[e] = { requests: v.requests, answered429: v.answered429, peak1s: p1, peak5sPerSecond: p5 };
    peak1 = Math.max(peak1, p1);
    peak5 = Math.max(peak5, p5);
  }
  const out = {
    shops: 200,
    runSeconds: TOKOPEDIA_RUN_S,
    requests: run.length,
    answered429: run.filter((r) => r.status === 429).length,
    peakPerEndpoint1s: peak1,
    peakPerEndpoint5sPerSecond: peak5,
    endpoints,
  };
  await w.close();
  return out;
}

/**
 * One world with both sources (10 Tokopedia shops, 10 TikTok Shop shops, 5 conversations each):
 * 1. Kommo REST across a crash: the 100 conversations' first messages arrive (100 new chats, leads to tag over
 *    REST); once 30 are in Kommo, right after a REST request, the daemon is SIGKILLed and started again at once.
 *    Peak REST requests in any one-second window (sliding), from the first start until REST is quiet.
 * 2. Catch-up: the daemon stops (SIGTERM); meanwhile 5 messages arrive in each conversation (250 per source;
 *    their webhooks find nobody and are not redelivered within the run). Time from the restart (spawn) until
 *    Kommo holds all 500, and the calls each source answered, beside the rate-bound optimum.
 */
export async function restartAndCatchUp(log) {
  const SHOPS = 10;
  const CONVS = 5;
  const MSGS = 5;
  const w = await budgetWorld({ tokopediaShops: SHOPS, ttsShops: SHOPS });
  const { bed, tts } = w;
  const reqs = stampTokopediaRequests(bed.tokopedia);
  const restLog = () => bed.kommo.requestLog().filter((r) => r.host === "rest");
  const ttsConv = new Map();
  const firstMessages = async (label) => {
    for (const s of bed.shops) {
      for (let b = 0; b < CONVS; b++) {
        await bed.tokopedia.buyerSends(s.shopId, 6_000_000 + b, `${label} tkp ${b}`, { buyerName: `T${b}` });
      }
    }
    for (const shopId of w.ttsShopIds) {
      for (let b = 0; b < CONVS; b++) {
        const sent = tts.buyerSends(shopId, { id: `6100${b}`, name: `S${b}` }, `${label} tts ${b}`);
        ttsConv.set(`${shopId}:${b}`, sent.conversationId);
      }
    }
  };

  log("    Kommo REST across a SIGKILL and restart ...");
  const tStart = Date.now();
  let d = await w.serve();
  const k0 = inCount(bed);
  const total = 2 * SHOPS * CONVS;
  await firstMessages("first");
  await until(() => inCount(bed) >= k0 + 30, 60_000, "30 first messages in Kommo");
  // The worst moment to crash: right after a REST request (the previous second's are still in the window).
  const restBefore = restLog().length;
  await within(() => restLog().length > restBefore, 5000);
  const inAtKill = inCount(bed) - k0;
  await new Promise((res) => {
    d.child.once("exit", res);
    d.child.kill("SIGKILL");
  });
  const tKill = Date.now();
  d = await w.serve();
  await until(() => inCount(bed) >= k0 + total, 90_000, "first messages in Kommo after the restart");
  await quiet(() => restLog().length, 1500, 60_000);
  const rest = restLog().filter((r) => r.at >= tStart);
  const afterRestart = rest.filter((r) => r.at >= tKill);
  const beforeKill = rest.filter((r) => r.at < tKill);
  const restart = {
    newChats: total,
    inKommoAtKill: inAtKill,
    restRequests: rest.length,
    answered429: rest.filter((r) => r.status === 429).length,
    answered403: rest.filter((r) => r.status === 403).length,
    peakPerSecond: peakInWindow(
      rest.map((r) => r.at),
      1000,
    ),
    // How close the two processes' REST calls came: a gap under 1 s puts both in one window.
    restInLastSecondBeforeKill: beforeKill.filter((r) => r.at >= tKill - 1000).length,
    gapAcrossRestartMs:
      beforeKill.length > 0 && afterRestart.length > 0 ? afterRestart[0].at - beforeKill.at(-1).at : null,
    peakPerSecondAfterRestart: peakInWindow(
      afterRestart.map((r) => r.at),
      1000,
    ),
  };

  log("    catch-up after downtime, 10 + 10 shops × 5 conversations × 5 messages ...");
  await d.stop();
  for (let m = 0; m < MSGS; m++) {
    for (const s of bed.shops) {
      for (let b = 0; b < CONVS; b++) {
        await bed.tokopedia.buyerSends(s.shopId, 6_000_000 + b, `down ${m} tkp ${b}`, { buyerName: `T${b}` });
      }
    }
    for (const shopId of w.ttsShopIds) {
      for (let b = 0; b < CONVS; b++)
        tts.buyerSends(shopId, { id: `6100${b}`, name: `S${b}` }, `down ${m} tts ${b}`);
    }
  }
  const kBefore = inCount(bed);
  const tkpInBefore = bed.kommo
    .received(bed.scopeId)
    .filter((m) => m.direction === "in" && m.conversationId.startsWith("tkp:")).length;
  const r0 = reqs.length;
  const c0 = csCalls(tts).length;
  const per = SHOPS * CONVS * MSGS;
  const t0 = performance.now();
  let tkpDone;
  let ttsDone;
  // Each source's calls are counted until 1 s after its own last message reached Kommo: the other source may take
  // longer, and the ordinary sweeps that come meanwhile are not catch-up.
  const snapshots = {};
  const snapshotSoon = (key, count) => setTimeout(() => (snapshots[key] = count()), 1000);
  d = await w.serve();
  await until(
    () => {
      const received = bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
      const tkp = received.filter((m) => m.conversationId.startsWith("tkp:")).length - tkpInBefore;
      const ttsIn = received.length - kBefore - tkp;
      const now = performance.now();
      if (tkpDone === undefined && tkp >= per) {
        tkpDone = now - t0;
        snapshotSoon("tkp", () => reqs.length);
      }
      if (ttsDone === undefined && ttsIn >= per) {
        ttsDone = now - t0;
        snapshotSoon("tts", () => csCalls(tts).length);
      }
      return tkpDone !== undefined && ttsDone !== undefined;
    },
    180_000,
    "catch-up messages in Kommo",
  );
  const secs = (performance.now() - t0) / 1000;
  await within(() => snapshots.tkp !== undefined && snapshots.tts !== undefined, 5000);
  await d.stop();
  const tkpCalls = reqs
    .slice(r0, snapshots.tkp)
    .filter((r) => tokopediaEndpoint(r.method, r.path) !== "token");
  const tkpByEndpoint = {};
  for (const r of tkpCalls) {
    const e = tokopediaEndpoint(r.method, r.path);
    tkpByEndpoint[e] = (tkpByEndpoint[e] ?? 0) + 1;
  }
  const ttsCalls = csCalls(tts).slice(c0, snapshots.tts);
  // The optimum: per shop one page of its 5 conversations, per conversation one page of its 5 new messages.
  const optimumCalls = SHOPS + SHOPS * CONVS;
  // Tokopedia: the busiest endpoint (list-replies, 50 calls) at 5/s after the bucket's burst of 5.
  const tkpOptimumS = Math.max(0, SHOPS * CONVS - TKP_BURST) / TKP_RATE;
  // TikTok Shop: 5 reads per shop at 50/s per (shop, API).
  const ttsOptimumS = CONVS / TTS_QPS;
  const catchUp = {
    shopsPerSource: SHOPS,
    conversationsPerShop: CONVS,
    messagesPerConversation: MSGS,
    seconds: secs,
    optimumSeconds: Math.max(tkpOptimumS, ttsOptimumS),
    tokopedia: {
      calls: tkpCalls.length,
      answered429: tkpCalls.filter((r) => r.status === 429).length,
      byEndpoint: tkpByEndpoint,
      seconds: tkpDone / 1000,
      optimumCalls,
      optimumSeconds: tkpOptimumS,
    },
    tiktokshop: {
      calls: ttsCalls.length,
      errors: ttsCalls.filter((c) => c.code !== 0).length,
      seconds: ttsDone / 1000,
      optimumCalls,
      optimumSeconds: ttsOptimumS,
    },
  };
  await w.close();
  return { restart, catchUp };
}

/** Runs every budget scenario; returns the results (for JSON) and the table rows [name, value, target, met]. */
export async function runBudget(log) {
  const t0 = performance.now();
  const results = { when: new Date().toISOString(), node: process.version };
  log("  budget: TikTok Shop calls per message (hybrid) ...");
  results.ttsPerMessage = await ttsPerMessage(log);
  // Both idle scenarios mostly wait on the daemons' poll timers: they run side by side to keep the section short.
  log("  budget: TikTok Shop idle polling and 200 idle Tokopedia shops, side by side ...");
  [results.ttsIdle, results.tokopediaIdle] = await Promise.all([ttsIdlePolling(log), tokopediaIdle(log)]);
  log("  budget: restart and catch-up (both sources) ...");
  Object.assign(results, await restartAndCatchUp(log));
  results.wallSeconds = (performance.now() - t0) / 1000;
  return { results, rows: budgetRows(results) };
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const n0 = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "n/a");

function budgetRows(r) {
  const m = r.ttsPerMessage;
  const c = r.catchUp;
  const rows = [
    [
      "TikTok Shop CS calls per new chat",
      f(m.newChat.callsPerMessage),
      "≤ 3",
      m.newChat.callsPerMessage <= 3,
    ],
    [
      "TikTok Shop reads per follow-up (webhook)",
      f(m.followUp.readsPerMessage, 2),
      "≤ 0.2",
      m.followUp.readsPerMessage <= 0.2,
    ],
    [
      "TikTok Shop reads per message, burst of 20 in 2 s",
      f(m.burst.readsPerMessage, 2),
      "≤ 0.2",
      m.burst.readsPerMessage <= 0.2,
    ],
    ["TikTok Shop CS calls per text reply", f(m.reply.callsPerReply), "≤ 2", m.reply.callsPerReply <= 2],
  ];
  for (const s of r.ttsIdle) {
    rows.push([
      `TikTok Shop idle CS calls/day, ${s.conversations} conversations`,
      `${s.upperBound ? "≤ " : ""}${n0(s.callsPerDay)}`,
      "≤ 3,000",
      s.callsPerDay <= 3000,
    ]);
  }
  const t = r.tokopediaIdle;
  rows.push(
    [
      `Tokopedia 200 idle shops: 429 answers in ${t.runSeconds} s`,
      n0(t.answered429),
      "0",
      t.answered429 === 0,
    ],
    [
      "Tokopedia 200 idle shops: peak req in any 1 s, per endpoint",
      n0(t.peakPerEndpoint1s),
      "≤ 10 (5/s + burst 5)",
      t.peakPerEndpoint1s <= 10,
    ],
    [
      "catch-up Tokopedia calls / of them 429",
      `${n0(c.tokopedia.calls)} / ${n0(c.tokopedia.answered429)}`,
      `optimum ${c.tokopedia.optimumCalls}`,
      null,
    ],
    ["catch-up TikTok Shop CS calls", n0(c.tiktokshop.calls), `optimum ${c.tiktokshop.optimumCalls}`, null],
    [
      "catch-up s, both sources (to the last message in Kommo)",
      f(c.seconds),
      `≤ ${f(1.5 * c.optimumSeconds)} (1.5 × optimum ${f(c.optimumSeconds)})`,
      c.seconds <= 1.5 * c.optimumSeconds,
    ],
    [
      "Kommo REST peak req in 1 s, SIGKILL + restart",
      n0(r.restart.peakPerSecond),
      "≤ 7",
      r.restart.peakPerSecond <= 7,
    ],
  );
  return rows;
}
