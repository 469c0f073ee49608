// Dev helper (not part of npm run bench): the bridge-throughput phase alone, optionally under --cpu-prof.
// PROFILE_DIR=/tmp/prof node bench/profile-bridge.mjs
import { startTestbed } from "../dist/index.js";
import { BIN, cpuMs, freePort, pool, postWebhook, startChild, until } from "./lib.mjs";

const N = Number(process.env.BENCH_MESSAGES ?? 3000);
const bed = await startTestbed({ mode: "webhook", tokopedia: { rateLimit: null, webhookDelivery: false } });
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
await bed.connectDaemon(url);
const shopId = bed.shops[0].shopId;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const hooks = [];
for (let i = 0; i < WARMUP + N; i++) {
  const buyer = 5_000_000 + (i % 200);
  const sent = await bed.tokopedia.buyerSends(shopId, buyer, `m ${i}`, { buyerName: `B${buyer}` });
  hooks.push(bed.tokopedia.webhookFor(sent.msgId));
}
const prof = process.env.PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
const d = await startChild(
  [...prof, BIN, "serve", "--config", bed.configPath, "--port", String(port)],
  `${url}/healthz`,
  { NO_COLOR: "1" },
);
const inCount = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in").length;
await pool(hooks.splice(0, WARMUP), 64, (h) => postWebhook(`${url}/webhooks/tokopedia/main`, h));
await until(() => inCount() >= WARMUP, 120_000, "warm-up");
const cpu0 = cpuMs(d.child.pid);
const self0 = process.cpuUsage();
const t0 = performance.now();
let intakeDone = 0;
await pool(hooks, 64, (h) => postWebhook(`${url}/webhooks/tokopedia/main`, h));
intakeDone = performance.now() - t0;
await until(() => inCount() >= WARMUP + N, 120_000, "deliveries");
const secs = (performance.now() - t0) / 1000;
const cpu = cpuMs(d.child.pid) - cpu0;
const self = process.cpuUsage(self0);
const tkReq = bed.tokopedia.requests();
const byPath = {};
for (const r of tkReq) {
  const k = (r.path ?? r.url ?? "").replace(/[0-9]+/g, "N").split("?")[0];
  byPath[k] = (byPath[k] ?? 0) + 1;
}
console.log(JSON.stringify(byPath));
console.log(
  JSON.stringify({
    msgsPerSec: Math.round(N / secs),
    intakeMs: Math.round(intakeDone),
    cpuMsPerMsg: +(cpu / N).toFixed(3),
    simCpuMsPerMsg: +((self.user + self.system) / 1000 / N).toFixed(3),
    kommoRequests: bed.kommo.received(bed.scopeId).length,
  }),
);
await d.stop();
await bed.close();
