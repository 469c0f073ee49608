// The bridge's own performance rows, for any state target (bench/serve-replicas.mjs): throughput, added latency at
// 50 msg/s and RSS with 200 shops. The SQLite rows and the PostgreSQL rows run these same functions, so the only
// difference between them is where the state lives and how many replicas share it.
import { openStore, startTestbed } from "../dist/index.js";
import { inCount, makeMessages, measureThroughput, percentile, postWebhook, until } from "./lib.mjs";
import { prepareServe, stateFor } from "./serve-replicas.mjs";

/** Conversations the throughput rows spread their messages over, and webhooks in flight. */
export const BUYERS = 200;
export const CONCURRENCY = 64;

/** A world with rate limits off (the Tokopedia simulator's 5 req/s per endpoint would measure itself). */
export async function world(extra = {}) {
  return startTestbed({ mode: "webhook", tokopedia: { rateLimit: null, webhookDelivery: false }, ...extra });
}

/** Inbound msg/s over `n` messages after `warmup` (bench/README.md, "inbound msg/s, whole bridge"). */
export async function bridgeThroughput(target, { n, warmup }) {
  const bed = await world();
  try {
    const serve = await prepareServe(bed, target);
    const warm = await makeMessages(bed, warmup, BUYERS, "bridge warm-up");
    const hooks = await makeMessages(bed, n, BUYERS, "bridge");
    const state = stateFor(bed, target);
    const d = await serve.start(state);
    const refusals = { count: 0 };
    try {
      const m = await measureThroughput({
        bed,
        urls: d.urls,
        pids: d.pids,
        warm,
        hooks,
        concurrency: CONCURRENCY,
        label: target.name,
        ...(state ? { probe: databaseProbe(target.cluster, state), refusals } : {}),
      }).catch(withLog(d));
      const rss = d.rss();
      return {
        msgsPerSec: n / m.secs,
        cpuMsPerMsg: m.cpuMs / n,
        ...(state ? { refused503: refusals.count } : {}),
        ...(m.probed ? databaseFigures(m.probed, n, target.cluster, state) : {}),
        // One figure per replica on PostgreSQL; the SQLite row keeps its single number.
        ...(target.cluster ? { rssAfterMb: rss } : { rssAfterMb: rss[0] }),
      };
    } finally {
      await d.stop();
    }
  } finally {
    await bed.close();
  }
}

/** Rethrows a row's failure with the daemons' last log lines (why a webhook was refused, say). */
const withLog = (d) => (err) => {
  throw new Error(`${err instanceof Error ? err.message : String(err)}\n${d.logTail()}`, { cause: err });
};

/**
 * The database's readings for measureThroughput: server CPU and the database's counters; the first reading (at
 * the start of the measured window) also forgets the statements seen so far, so the top statements are the
 * window's (BENCH_PG_STATEMENTS=1).
 */
function databaseProbe(cluster, url) {
  const db = new URL(url).pathname.slice(1);
  let first = true;
  return () => {
    if (first) cluster.resetStatements();
    first = false;
    return cluster.readings(db);
  };
}

/** Per message: the server's CPU ms, transactions, rows read and written; and the top statements when kept. */
function databaseFigures(probed, n, cluster, url) {
  const top = cluster.topStatements(new URL(url).pathname.slice(1));
  return {
    databaseCpuMsPerMsg: probed.serverCpuMs / n,
    transactionsPerMsg: probed.transactions / n,
    rowsReadPerMsg: probed.rowsRead / n,
    rowsWrittenPerMsg: probed.rowsWritten / n,
    rowsReadPerMsgByTable: perTable(probed, n),
    ...(top.length > 0 ? { topStatements: top } : {}),
  };
}

/** The tables' rows read per message (sequential scans and index fetches), the busiest first, those above 0.5. */
function perTable(probed, n) {
  const rows = Object.entries(probed)
    .filter(([k, v]) => k.includes(":") && v / n > 0.5)
    .sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows.map(([k, v]) => [k, Math.round((v / n) * 10) / 10]));
}

/**
 * Sends `count` buyer messages at 50 msg/s (one every 20 ms) over `buyers` conversations starting at buyer id
 * `firstBuyer`, each POSTed as its webhook (to `urls` in turn; a 503 sent again when `refusals` is given, its
 * latency counted from the first POST); waits until Kommo holds them and returns each one's added latency
 * (webhook POST -> the Kommo simulator's receivedAt), in send order.
 */
async function pacedLatencies(bed, urls, { count, buyers, firstBuyer, label, refusals }) {
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
    sends.push(postWebhook(`${urls[i % urls.length]}/webhooks/tokopedia/main`, hook, refusals));
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

/** Added latency p50/p99 at 50 msg/s (bench/README.md, "added latency"). */
export async function latencyAt50(target) {
  const bed = await world();
  try {
    const state = stateFor(bed, target);
    const d = await (await prepareServe(bed, target)).start(state);
    // The PostgreSQL rows send a refused webhook again (counted); the SQLite rows stop at the first refusal.
    const refusals = state ? { count: 0 } : undefined;
    try {
      // Warm-up (not counted), on 10 other conversations: the first messages after start-up pay for the JIT and
      // for opening connections (tens of ms), and with 500 samples the 5 slowest decide p99. The measured
      // messages still include each of their 50 conversations' first message (chat creation in Kommo).
      const cold = await pacedLatencies(bed, d.urls, {
        count: 100,
        buyers: 10,
        firstBuyer: 6_100_000,
        label: "warm-up",
        refusals,
      }).catch(withLog(d));
      const lat = (
        await pacedLatencies(bed, d.urls, {
          count: 500,
          buyers: 50,
          firstBuyer: 6_000_000,
          label: "latency",
          refusals,
        }).catch(withLog(d))
      ).sort((a, b) => a - b);
      return {
        p50Ms: percentile(lat, 50),
        p99Ms: percentile(lat, 99),
        maxMs: lat[lat.length - 1],
        samples: lat.length,
        warmupMessages: cold.length,
        coldFirstMs: cold[0],
        coldMaxMs: Math.max(...cold),
        ...(refusals ? { refused503: refusals.count } : {}),
      };
    } finally {
      await d.stop();
    }
  } finally {
    await bed.close();
  }
}

/**
 * VmRSS of each daemon with 200 shops and 10,000 conversations, 3 s after /healthz answers. On PostgreSQL the
 * same seeded state file is copied into the database first (`tokokommo state copy`).
 */
export async function rssWithManyShops(target) {
  const bed = await world({ shops: 200 });
  try {
    seedConversations(bed, 10_000);
    const serve = await prepareServe(bed, target, { connect: false });
    const d = await serve.start(stateFor(bed, target, { copyTestbedState: true }));
    await new Promise((r) => setTimeout(r, 3000)); // start-up sweep of 200 shops settles
    const rss = d.rss();
    await d.stop();
    return { rssMb: target.cluster ? rss : rss[0], shops: 200, conversations: 10_000 };
  } finally {
    await bed.close();
  }
}

function seedConversations(bed, count) {
  const store = openStore(bed.statePath);
  const now = Date.now();
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const shop = bed.shops[i % bed.shops.length];
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
}
