/**
 * After a command wrote the config (`shops add`, `shops remove`, `init`): did a running daemon take it? The
 * daemon's runtime card (runtime-file.ts) names the hash of the config file it runs with and the outcome of its
 * last reload; the command hashes the file it wrote and waits briefly for the card to show the same hash.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { configFileHash, readRuntime } from "./runtime-file.js";

/** How long a command waits for the daemon's reload (debounce + validation + the added shops' first sweep). */
export const TOOK_CHANGE_WAIT_MS = 10_000;

export type DaemonTook =
  /** No daemon runs on this config's state file. */
  | { daemon: "not-running" }
  /** The daemon runs with the file as written now. */
  | { daemon: "took"; pid: number; generation: number }
  /** The daemon read the file and refused it; it keeps its old config. */
  | { daemon: "refused"; pid: number; code: string; keys: string[] }
  /** The daemon runs but has not taken the file within the wait (--no-watch, or still busy). */
  | { daemon: "not-yet"; pid: number };

export async function awaitDaemonTook(o: {
  configPath: string;
  statePath: string;
  waitMs?: number;
  pollMs?: number;
}): Promise<DaemonTook> {
  let hash: string;
  try {
    hash = configFileHash(readFileSync(resolve(o.configPath)));
  } catch {
    return { daemon: "not-running" };
  }
  const deadline = Date.now() + (o.waitMs ?? TOOK_CHANGE_WAIT_MS);
  for (;;) {
    const card = readRuntime(o.statePath);
    if (!card) return { daemon: "not-running" };
    if (card.configHash === hash) return { daemon: "took", pid: card.pid, generation: card.generation };
    const last = card.lastReload;
    if (last && !last.ok && last.configHash === hash)
      return {
        daemon: "refused",
        pid: card.pid,
        code: last.code ?? "TK_ERR_CONFIG_INVALID",
        keys: (last.problems ?? []).map((p) => p.path),
      };
    if (Date.now() >= deadline) return { daemon: "not-yet", pid: card.pid };
    await new Promise((r) => setTimeout(r, o.pollMs ?? 100));
  }
}

/** One line for the command's output. */
export function daemonTookText(t: DaemonTook): string {
  switch (t.daemon) {
    case "not-running":
      return "daemon: none running for this config; the change applies when `tokokommo serve` starts.";
    case "took":
      return `daemon: the running daemon (pid ${t.pid}) took the change (config generation ${t.generation}).`;
    case "refused":
      return `daemon: the running daemon (pid ${t.pid}) refused the new file (${t.code}${t.keys.length ? `: ${t.keys.join(", ")}` : ""}) and keeps its old config; its log has the fix.`;
    case "not-yet":
      return `daemon: the running daemon (pid ${t.pid}) has not taken the change yet (started with --no-watch?); reload it with \`systemctl reload tokokommo\` or \`kill -HUP ${t.pid}\`.`;
  }
}
