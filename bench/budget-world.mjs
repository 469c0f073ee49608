// Worlds for the budget benchmarks: the Kommo and Tokopedia simulators of the ordinary testbed, plus (when asked)
// the TikTok Shop simulator with one seller owning `ttsShops` shops, all in one config the real daemon reads.
// Every simulator keeps its limits on: Tokopedia 5 requests/s per (app, endpoint), TikTok Shop 50 requests/s
// per (app, shop, API) and 10,000 Customer Service calls per shop per day, Kommo REST 7 requests/s per account.
import { readFileSync } from "node:fs";
import {
  openStore,
  saveConfig,
  startTestbed,
  startTikTokShopSim,
  TikTokShopClient,
  validateConfig,
} from "../dist/index.js";
import { BIN, freePort, startChild } from "./lib.mjs";

const TTS_APP = "tts";
/**
 * A failed TikTok Shop webhook (the seeded history's, sent before the daemon existed) is retried after a day: never
 * within a benchmark run, even a long idle-polling run (BENCH_IDLE_MAX_WAIT_S), as after real downtime. With 10
 * minutes, a 25-minute run imported the 500 seeded conversations when their webhooks came again.
 */
const TTS_RETRY_MS = [86_400_000];

/**
 * Starts the simulators and writes the config. `tokopediaShops` (0 or more) Tokopedia shops on one app;
 * `ttsShops` (0 or more) TikTok Shop shops of one seller, authorized through the real client. `seedTts(sim,
 * seller)` runs before the authorization, with the TikTok Shop clock two days behind: whatever it creates is
 * older than the daemon's first look-back (24 h), so the daemon lists it but imports nothing.
 */
export async function budgetWorld({
  tokopediaShops = 0,
  ttsShops = 0,
  mode = "hybrid",
  pollIntervalSeconds = 30,
  seedTts,
} = {}) {
  // The ordinary testbed needs one shop for a valid config; a world without Tokopedia shops drops it below.
  const bed = await startTestbed({ mode, pollIntervalSeconds, shops: Math.max(1, tokopediaShops) });
  const raw = JSON.parse(readFileSync(bed.configPath, "utf8"));
  if (tokopediaShops === 0) raw.shops = [];
  let tts;
  const ttsShopIds = [];
  if (ttsShops > 0) {
    tts = await startTikTokShopSim({ webhookRetryDelaysMs: TTS_RETRY_MS });
    const seller = tts.createSeller({
      name: "toko-tts",
      shops: Array.from({ length: ttsShops }, (_, i) => ({ name: `toko-tts-${i + 1}` })),
    });
    if (seedTts) {
      tts.advanceClock(-2 * 86_400_000);
      await seedTts(tts, seller);
      tts.advanceClock(2 * 86_400_000);
    }
    const store = openStore(bed.statePath);
    try {
      const client = new TikTokShopClient({
        appName: TTS_APP,
        appKey: tts.appKey,
        appSecret: tts.appSecret,
        authBaseUrl: tts.url,
        apiBaseUrl: tts.url,
        tokenStore: store.tokens,
      });
      await client.authorize(tts.authorize(seller.openId));
    } finally {
      store.close();
    }
    raw.tiktokshop = {
      apps: [{ name: TTS_APP, appKey: tts.appKey, appSecret: tts.appSecret, serviceId: tts.serviceId }],
    };
    for (const s of seller.shops) {
      ttsShopIds.push(s.id);
      raw.shops.push({
        source: "tiktokshop",
        shopId: s.id,
        app: TTS_APP,
        kommoAccount: "acme",
        name: s.name,
      });
    }
    raw.endpoints.tiktokshopAuth = tts.url;
    raw.endpoints.tiktokshopApi = tts.url;
  }
  const config = validateConfig(raw, {}, { configPath: bed.configPath });
  saveConfig(bed.configPath, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  await bed.connectDaemon(url);
  if (tts) tts.setWebhookUrl(`${url}/webhooks/tiktokshop/${TTS_APP}`);

  return {
    bed,
    tts,
    ttsShopIds,
    url,
    /** Starts `tokokommo serve` (the built binary) on the world's port; resolves once /healthz answers. */
    serve: () =>
      startChild([BIN, "serve", "--config", bed.configPath, "--port", String(port)], `${url}/healthz`),
    async close() {
      await Promise.allSettled([bed.close(), tts?.close()]);
    },
  };
}

/** Customer Service calls the TikTok Shop simulator has answered so far (reads and writes, every shop). */
export const csCalls = (tts) =>
  tts.calls().filter((c) => c.host === "api" && c.path.startsWith("/customer_service/"));

/** The Seller API endpoint a Tokopedia request went to, as the simulator's rate-limit buckets name them. */
export function tokopediaEndpoint(method, path) {
  if (path === "/token") return "token";
  if (/^\/v1\/chat\/fs\/\d+\/messages$/.test(path)) return "list-messages";
  if (/^\/v1\/chat\/fs\/\d+\/messages\/\d+\/replies$/.test(path)) return "list-replies";
  if (method === "POST" && /\/reply$/.test(path)) return "send-reply";
  if (/\/shop-info$/.test(path)) return "shop-info";
  if (/\/whitelist$/.test(path)) return "whitelist";
  if (/\/register$/.test(path)) return "webhook-register";
  return "other";
}

/**
 * Stamps each request the Tokopedia simulator logs from now on with its arrival time (`at`, ms), for rates.
 * The simulator's log has no times; its requests() hands out the live array, so the bench wraps its push.
 */
export function stampTokopediaRequests(sim) {
  const log = sim.requests();
  if (log !== sim.requests())
    throw new Error("the Tokopedia simulator's requests() no longer returns its live log");
  const push = log.push;
  log.push = function stamped(...entries) {
    const at = Date.now();
    for (const e of entries) e.at = at;
    return push.apply(this, entries);
  };
  return log;
}

/**
 * The largest number of `times` (ms, any order) inside any window of `windowMs` (a sliding window, as the
 * simulators' limits count).
 */
export function peakInWindow(times, windowMs) {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let lo = 0;
  for (let hi = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/** Resolves once `count()` has not changed for `quietMs` (the daemon has stopped calling), or after `maxMs`. */
export async function quiet(count, quietMs, maxMs = 30_000) {
  const deadline = Date.now() + maxMs;
  let last = count();
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    const n = count();
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
}
