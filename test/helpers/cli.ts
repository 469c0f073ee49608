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

/**
 * Spawns the built binary without blocking this process (simulators living in the test process must keep
 * answering). `onSpawn` gets the child, e.g. to send it a signal.
 */
export function runCliAsync(
  args: string[],
  env: Record<string, string | undefined> = {},
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliRun & { signal: NodeJS.Signals | null }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status, signal) =>
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started }),
    );
    onSpawn?.(child);
  });
}

/** A run that stopped on bad usage (exit 2, TK_ERR_USAGE) and named each of `names` in its error. */
export function expectUsageError(r: Pick<CliRun, "status" | "stderr">, names: string[]): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toContain("TK_ERR_USAGE");
  for (const name of names) expect(r.stderr).toContain(name);
}
