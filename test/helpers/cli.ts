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

/** runCli without blocking this process: for commands that talk to simulators running in the test process. */
export function runCliAsync(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString("utf8");
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString("utf8");
  });
  return new Promise((resolve) =>
    child.once("close", (status) => resolve({ status, stdout, stderr, ms: performance.now() - started })),
  );
}
