import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { expect } from "vitest";

export const BIN = resolve(__dirname, "../../bin/tokokommo.js");

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns the built binary (npm test builds dist/ before vitest runs). */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, input?: string): CliRun {
  const started = performance.now();
  const res = spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", ...env },
    input,
    timeout: 60_000,
  });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, ms: performance.now() - started };
}

/** A running binary whose output can be read while it runs; `closed` resolves with the exit status. */
export interface StartedCli {
  child: ChildProcess;
  out: {
    stdout: string;
    stderr: string;
    status: number | null | undefined;
    signal: NodeJS.Signals | null;
    ms: number;
  };
  closed: Promise<StartedCli["out"]>;
}

/**
 * Spawns the built binary without blocking this process (simulators in this process must keep answering it),
 * NO_COLOR set unless `env` says otherwise. `out.status` stays undefined until the process has ended.
 */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const out: StartedCli["out"] = { stdout: "", stderr: "", status: undefined, signal: null, ms: 0 };
  const began = performance.now();
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const closed = new Promise<StartedCli["out"]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status, signal) => {
      out.status = status;
      out.signal = signal;
      out.ms = performance.now() - began;
      resolve(out);
    });
  });
  return { child, out, closed };
}

/** Runs the built binary to its end without blocking this process; `onSpawn` gets the child (to signal it). */
export async function runCliAsync(
  args: string[],
  env: Record<string, string | undefined> = {},
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  const started = startCli(args, env);
  onSpawn?.(started.child);
  const out = await started.closed;
  return { ...out, status: out.status ?? null };
}

/** A run that stopped on bad usage (exit 2, TK_ERR_USAGE) and named each of `names` in its error. */
export function expectUsageError(r: Pick<CliRun, "status" | "stderr">, names: string[]): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("TK_ERR_USAGE");
  for (const name of names) expect(r.stderr).toContain(name);
}
