import { spawnSync } from "node:child_process";
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
