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

export async function postWebhook(url, hook) {
  const r = await request(url, { method: "POST", headers: hook.headers, body: hook.body });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`webhook answered ${r.statusCode}: ${text.slice(0, 300)}`);
}
