/**
 * The running daemon's card: `<statePath>.daemon.json` (see runtimeFilePath), written by `serve` when it starts and after every reload,
 * removed when it stops. It tells other commands on the machine which daemon runs (pid), where it listens (doctor
 * probes that address, not the config's port, which `--port` may have overridden) and which config it runs with
 * (the SHA-256 of the config file's bytes it last loaded, and a generation counting the reloads it applied), so
 * `shops add`, `shops remove` and `init` can tell whether the daemon took their change. No secrets: readable by
 * the operator's account as well as the service's.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPostgresUrl, isWritableDir, redactStateUrl } from "../store/state-location.js";

/** The last reload the daemon tried: applied, or refused (the file was invalid; the old config stays). */
export interface ReloadOutcome {
  at: string;
  configHash: string;
  ok: boolean;
  code?: string;
  problems?: { path: string; message: string; fix?: string }[];
  /** Keys changed in the file that take effect only at the next start. */
  restartNeeded?: string[];
}

export interface DaemonRuntime {
  pid: number;
  /** Where the daemon answers on this machine (a wildcard listen address shown as loopback). */
  url: string;
  configPath: string;
  configHash: string;
  /** 1 at start, +1 per applied reload. */
  generation: number;
  startedAt: string;
  lastReload?: ReloadOutcome;
  /** Per Kommo account with routed shops: how their leads reach their pipelines (bridge/lead-sources.ts). */
  routing?: Record<string, RoutingCard>;
}

/** An account's routing as the card says it: through Kommo lead sources, or moved after acceptance and why. */
export interface RoutingCard {
  way: "sources" | "moved";
  why?: string;
}

/**
 * Next to the state file. State in PostgreSQL has no file: the card goes to the first of the directories below
 * that exists and is writable (systemd's StateDirectory for the service, which has a private /tmp; else the
 * temporary directory), named after a hash of the URL without its password, and readers look in each of them, so
 * every command given the same statePath finds it. Replicas on one machine share that card: the last one started
 * writes it, and each removes it only while it is its own.
 */
export function runtimeFilePath(statePath: string, purpose: "read" | "write" = "read"): string {
  if (!isPostgresUrl(statePath)) return `${statePath}.daemon.json`;
  const id = createHash("sha256").update(redactStateUrl(statePath)).digest("hex").slice(0, 16);
  const name = `tokokommo-${id}.daemon.json`;
  const dirs = cardDirs();
  const found =
    purpose === "read" ? dirs.find((d) => existsSync(join(d, name))) : dirs.find((d) => isWritableDir(d));
  return join(found ?? tmpdir(), name);
}

/** Where cards of PostgreSQL states may be: the service's state directory (systemd), the usual one, then /tmp. */
function cardDirs(): string[] {
  const fromSystemd = process.env.STATE_DIRECTORY?.split(":")[0];
  return [...(fromSystemd ? [fromSystemd] : []), "/var/lib/tokokommo", tmpdir()];
}

/** SHA-256 (hex) of a config file's bytes, as the daemon records it. */
export function configFileHash(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Writes the card atomically (a reader never sees half of it). Best effort: a failure only loses the card. */
export function writeRuntime(statePath: string, info: DaemonRuntime): void {
  const file = runtimeFilePath(statePath, "write");
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

export function removeRuntime(statePath: string, pid = process.pid): void {
  // Only our own card: a second daemon refused at start-up must not remove the running one's.
  if (readRuntime(statePath)?.pid === pid) rmSync(runtimeFilePath(statePath), { force: true });
}

/** The card of a daemon that is still alive, or undefined (none, unreadable, or its process is gone). */
export function readRuntime(statePath: string): DaemonRuntime | undefined {
  let info: DaemonRuntime;
  try {
    info = JSON.parse(readFileSync(runtimeFilePath(statePath), "utf8")) as DaemonRuntime;
  } catch {
    return undefined;
  }
  if (typeof info?.pid !== "number" || typeof info.configHash !== "string") return undefined;
  return processAlive(info.pid) ? info : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but runs as another user (the service account).
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** An address to reach a listener on from this machine: a wildcard listen address becomes loopback. */
export function localUrl(host: string, port: number): string {
  const h = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
