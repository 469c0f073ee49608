/**
 * The built daemon as a child process (`node bin/tokokommo.js serve`), for crash and shutdown tests: the
 * simulators stay in the test process, the bridge runs exactly as under systemd.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer } from "node:net";
import { request } from "undici";
import { runtimeFilePath } from "../../src/daemon/runtime-file.js";
import { BIN } from "./cli.js";

export { freePort } from "./free-port.js";

/** Whether 127.0.0.1:`port` can be listened on right now. */
function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

/**
 * The first of `count` consecutive free ports, below Linux's ephemeral range (32768 and up), where the port-0
 * listeners of tests running in parallel cannot take one of them between this check and its use.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 10_000);
    let free = true;
    for (let i = 0; i < count && free; i++) free = await canListen(base + i);
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports found between 20000 and 30000`);
}

/**
 * `jobs.leaseSeconds` for the tests that SIGKILL the built daemon and restart it: the restarted daemon takes the
 * killed process's jobs over once their lease has run out, and the default 10 s would be waited out with their
 * conversations stalled. 3 s rather than the 2 s floor: the lease is renewed every 0.75 s, so a daemon on a loaded
 * test machine may stall for 2 s without its running jobs going to a second run.
 */
export const KILL_TEST_JOB_LEASE_SECONDS = 3;

export interface DaemonProcess {
  child: ChildProcess;
  url: string;
  /** stdout + stderr so far (pino JSON lines). */
  output(): string;
  /** Resolves with the exit code / signal once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function spawnDaemon(
  configPath: string,
  port: number,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<DaemonProcess> {
  const child = spawn(
    process.execPath,
    [BIN, "serve", "--config", configPath, "--port", String(port), ...args],
    {
      env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  let ended = false;
  void exited.then(() => {
    ended = true;
  });
  for (;;) {
    if (ended) throw new Error(`daemon exited during start-up:\n${out}`);
    try {
      const res = await request(`${url}/healthz`);
      await res.body.dump();
      if (res.statusCode === 200 && /is serving/.test(out)) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`daemon did not become healthy:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => out, exited };
}

/** After a file's tests: SIGKILLs the spawned daemon (when one is left), then closes the testbed it ran on. */
export async function killDaemonAndCloseBed(
  daemon: DaemonProcess | undefined,
  bed: { close(): Promise<void> } | undefined,
): Promise<void> {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
}

/**
 * After a block whose daemon ran on `statePath`: SIGKILLs the daemon (when one is left) and waits for its end,
 * removes the runtime card a killed daemon leaves (on PostgreSQL it is not in the testbed's directory, which
 * closing the testbed removes), then closes the testbed.
 */
export async function killDaemonDropCardAndCloseBed(
  daemon: DaemonProcess | undefined,
  statePath: string | undefined,
  bed: { close(): Promise<void> } | undefined,
): Promise<void> {
  daemon?.child.kill("SIGKILL");
  await daemon?.exited;
  if (statePath) rmSync(runtimeFilePath(statePath), { force: true });
  await bed?.close();
}
