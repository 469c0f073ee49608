import { spawn, spawnSync } from "node:child_process";
import { resolve } from "node:path";

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
  out: { stdout: string; stderr: string; status: number | null | undefined; ms: number };
  closed: Promise<StartedCli["out"]>;
}

/**
 * Spawns the built binary without blocking this process (simulators in this process must keep answering it),
 * NO_COLOR set unless `env` says otherwise. `out.status` stays undefined until the process has ended.
 */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): StartedCli {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: "1", ...env } });
  const out: StartedCli["out"] = { stdout: "", stderr: "", status: undefined, ms: 0 };
  const began = performance.now();
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const closed = new Promise<StartedCli["out"]>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      out.status = status;
      out.ms = performance.now() - began;
      resolve(out);
    });
  });
  return { out, closed };
}
