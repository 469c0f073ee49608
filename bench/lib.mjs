// Shared helpers for the benchmarks: child processes, /proc readings, concurrency, percentiles.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { request } from "undici";

export const ROOT = resolve(import.meta.dirname, "..");
export const BIN = resolve(ROOT, "bin/tokokommo.js");
const TICK_MS = 10; // Linux USER_HZ = 100

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

/** CPU time (user + system) of a process, in ms, from /proc/<pid>/stat. */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** Resident set size of a process, in MB, from /proc/<pid>/status. */
export function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Bytes a process has passed to write()/pwrite() so far (/proc/<pid>/io wchar): its SQLite WAL and sockets. */
export function writtenBytes(pid) {
  const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

export async function waitHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await request(url);
      await r.body.dump();
      if (r.statusCode === 200) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts a node script as a child process; resolves when `readyUrl` answers 200. */
export async function startChild(args, readyUrl, env = {}) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (b) => {
    stderr += b;
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  try {
    await waitHttp(readyUrl);
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`${err.message}\n${stderr.slice(-2000)}`);
  }
  return {
    child,
    stderr: () => stderr,
    stop: () =>
      new Promise((res) => {
        child.once("exit", res);
        child.kill("SIGTERM");
      }),
  };
}

/** Runs `fn` over items with at most `limit` in flight. */
export async function pool(items, limit, fn) {
  let i = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (i < items.length) {
      const idx = i++;
      await fn(items[idx], idx);
    }
  });
  await Promise.all(workers);
}

export async function until(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)];
}

/**
 * POSTs a webhook; anything but 200 throws. With `refusals` (a counter object), a 503 (the daemon could not
 * write its state; nothing was stored) is counted in `refusals.count` and sent again 50 ms later, as a platform
 * that retries would, up to 20 times.
 */
export async function postWebhook(url, hook, refusals) {
  for (let attempt = 1; ; attempt++) {
    const r = await request(url, { method: "POST", headers: hook.headers, body: hook.body });
    const text = await r.body.text();
    if (r.statusCode === 200) return;
    if (r.statusCode !== 503 || !refusals || attempt >= 20)
      throw new Error(`webhook answered ${r.statusCode}: ${text.slice(0, 300)}`);
    refusals.count += 1;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Creates `n` buyer messages over `buyers` rooms of the testbed's first shop; returns each one's signed webhook. */
export async function makeMessages(bed, n, buyers, prefix) {
  const shopId = bed.shops[0].shopId;
  const hooks = [];
  for (let i = 0; i < n; i++) {
    const buyer = 5_000_000 + (i % buyers);
    const sent = await bed.tokopedia.buyerSends(shopId, buyer, `${prefix} message ${i}`, {
      buyerName: `B${buyer}`,
    });
    hooks.push(bed.tokopedia.webhookFor(sent.msgId));
  }
  return hooks;
}

/** Buyer messages the Kommo simulator holds for the testbed's scope. */
export const inCount = (bed) => bed.kommo.countReceived(bed.scopeId, "in");

/**
 * The throughput phase shared by the bridge and the forwarder: POSTs the warm-up webhooks and waits for them
 * in Kommo (not measured), then POSTs `hooks` with `concurrency` in flight and stops the clock when Kommo holds
 * them all. Several replicas: `urls` and `pids` instead of `url` and `pid`; the webhooks go to them in turn
 * (round-robin, the simplest load balancer). Returns wall seconds, the children's CPU ms, this process's CPU ms
 * (simulators + load), how long the POSTs alone took, how many bytes the children wrote (state file and sockets),
 * and, when `probe` is given (readings of something else, e.g. a database server's CPU ms and counters, as an
 * object of numbers), `probed`: how much each reading grew over the same window. `refusals`: see postWebhook.
 */
export async function measureThroughput({
  bed,
  url,
  pid,
  urls,
  pids,
  warm,
  hooks,
  concurrency,
  label,
  probe,
  refusals,
}) {
  const targets = (urls ?? [url]).map((u) => `${u}/webhooks/tokopedia/main`);
  const children = pids ?? [pid];
  const sum = (read) => children.reduce((acc, p) => acc + read(p), 0);
  const post = (h, i) => postWebhook(targets[i % targets.length], h, refusals);
  await pool(warm, concurrency, post);
  await until(() => inCount(bed) >= warm.length, 120_000, `${label} warm-up`);
  const cpu0 = sum(cpuMs);
  const written0 = sum(writtenBytes);
  const probe0 = probe?.();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(hooks, concurrency, post);
  const intakeMs = performance.now() - t0;
  await until(() => inCount(bed) >= warm.length + hooks.length, 120_000, `${label} deliveries`);
  const secs = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  return {
    secs,
    cpuMs: sum(cpuMs) - cpu0,
    simCpuMs: (self.user + self.system) / 1000,
    intakeMs,
    writtenBytes: sum(writtenBytes) - written0,
    ...(probe ? { probed: grown(probe0, probe()) } : {}),
  };
}

/** Per key of `after`, how much it grew since `before`. */
function grown(before, after) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}

/** Prints rows [name, value, target, met] as a table; met is true (✓), false (✗) or null (no target). */
export function printTable(rows) {
  const w0 = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n${"figure".padEnd(w0)}  ${"value".padStart(9)}  target`);
  for (const [name, value, target, met] of rows) {
    const mark = met === null ? "" : met ? " ✓" : " ✗";
    console.log(`${name.padEnd(w0)}  ${value.padStart(9)}  ${target}${mark}`);
  }
}
