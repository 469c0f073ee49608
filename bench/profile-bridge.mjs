// Dev helper (not part of npm run bench): the bridge-throughput phase alone, optionally under --cpu-prof.
// BENCH_MESSAGES=6000 PROFILE_DIR=/tmp/prof node bench/profile-bridge.mjs
import { startTestbed } from "../dist/index.js";
import { BIN, freePort, makeMessages, measureThroughput, startChild } from "./lib.mjs";

const N = Number(process.env.BENCH_MESSAGES ?? 3000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000);
const bed = await startTestbed({ mode: "webhook", tokopedia: { rateLimit: null, webhookDelivery: false } });
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
await bed.connectDaemon(url);
const warm = await makeMessages(bed, WARMUP, 200, "warm-up");
const hooks = await makeMessages(bed, N, 200, "profiled");
const prof = process.env.PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROFILE_DIR}`] : [];
const d = await startChild(
  [...prof, BIN, "serve", "--config", bed.configPath, "--port", String(port)],
  `${url}/healthz`,
  { NO_COLOR: "1" },
);
const m = await measureThroughput({
  bed,
  url,
  pid: d.child.pid,
  warm,
  hooks,
  concurrency: 64,
  label: "bridge",
});
const byPath = {};
for (const r of bed.tokopedia.requests()) {
  const k = r.path.replace(/[0-9]+/g, "N").split("?")[0];
  byPath[k] = (byPath[k] ?? 0) + 1;
}
console.log(JSON.stringify(byPath));
console.log(
  JSON.stringify({
    msgsPerSec: Math.round(N / m.secs),
    intakeMs: Math.round(m.intakeMs),
    cpuMsPerMsg: +(m.cpuMs / N).toFixed(3),
    simCpuMsPerMsg: +(m.simCpuMs / N).toFixed(3),
    writtenKbPerMsg: +(m.writtenBytes / 1024 / N).toFixed(1),
  }),
);
await d.stop();
await bed.close();
