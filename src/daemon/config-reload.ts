/**
 * Live reload of the config: on SIGHUP (serve.ts) and when the config file changes. The file's directory is
 * watched, not the file, so a write by rename (an editor's, or `shops add`, which writes a temporary file and
 * renames it over the config) is seen as well as one in place; bursts of events are debounced into one reload.
 *
 * A reload reads the whole file again and validates it exactly as start-up does. An invalid file is refused: the
 * reasons (code, key, fix) are logged and the daemon keeps the config it runs with. A valid one is applied
 * (shops, apps and accounts: see BridgeEngine.reconfigure); the settings the daemon only reads at start (listen
 * address, state file, sync mode and interval, job lease, retention, media, attachments) are named in a warning
 * instead. Each outcome is recorded in the daemon's runtime card (runtime-file.ts).
 */
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import type { TopologyChange } from "../bridge/engine.js";
import type { Config } from "../config/index.js";
import { loadConfig, parseConfigJson, validateConfig } from "../config/load.js";
import type { Env } from "../config/secrets.js";
import { isTkError } from "../errors/index.js";
import { configFileHash, type DaemonRuntime, type ReloadOutcome, writeRuntime } from "./runtime-file.js";

/** Events within this time of each other make one reload (an editor's save is several). */
export const RELOAD_DEBOUNCE_MS = 250;

/** Settings read once at start: a change to one is applied by a restart, not a reload. */
const RESTART_ONLY = ["server", "statePath", "sync", "jobs", "retention", "media", "attachments"] as const;

/** Where the daemon's parts log (pino's levels, a message and structured details); the reloader logs there too. */
export type DaemonLog = (
  level: "info" | "warn" | "error",
  msg: string,
  details?: Record<string, unknown>,
) => void;

/** A config file read and validated, with the hash of the bytes it came from. */
export interface LoadedConfig {
  config: Config;
  hash: string;
}

/** Reads and validates the config file; throws the same TkErrors as loadConfig. */
export function loadConfigFile(path: string, env: Env): LoadedConfig {
  const file = resolve(path);
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    // Read again by loadConfig for its error (not found, unreadable, a directory).
    return { config: loadConfig(file, env), hash: "" };
  }
  const config = validateConfig(parseConfigJson(bytes.toString("utf8"), file), env, { configPath: file });
  return { config, hash: configFileHash(bytes) };
}

export interface ReloaderOptions {
  configPath: string;
  env: Env;
  initial: LoadedConfig;
  /** Applies a valid new config (the engine's reconfigure). */
  apply: (config: Config) => Promise<TopologyChange>;
  /** Where the runtime card goes and what it says besides the config (runtime-file.ts). */
  statePath: string;
  card: Omit<DaemonRuntime, "configHash" | "generation" | "lastReload" | "routing">;
  /** What the card says of each account's routing, read at every write. */
  routing?: () => DaemonRuntime["routing"];
  /** Watch the config file's directory (default true); SIGHUP works either way. */
  watch?: boolean;
  log?: DaemonLog;
}

export class ConfigReloader {
  private current: LoadedConfig;
  private generation = 1;
  private lastReload: ReloadOutcome | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** The reload running now; another request meanwhile runs once more after it. */
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly o: ReloaderOptions) {
    this.current = o.initial;
    this.writeCard();
    if (o.watch !== false) this.startWatching();
  }

  get config(): Config {
    return this.current.config;
  }

  /** Reloads now (SIGHUP, tests); resolves when this reload and any queued behind it are done. */
  async reload(): Promise<ReloadOutcome | undefined> {
    if (this.running) {
      this.again = true;
      await this.running;
      return this.lastReload;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reloadOnce();
      } while (this.again && !this.closed);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
    return this.lastReload;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
  }

  private startWatching(): void {
    const name = basename(this.o.configPath);
    try {
      this.watcher = watch(dirname(resolve(this.o.configPath)), { persistent: false }, (_event, file) => {
        if (file !== null && file !== name) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload(), RELOAD_DEBOUNCE_MS);
        this.timer.unref();
      });
      this.watcher.on("error", (err) => this.watchFailed(err));
    } catch (err) {
      this.watchFailed(err);
    }
  }

  private watchFailed(err: unknown): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.o.log?.("warn", "cannot watch the config file for changes; reload it with SIGHUP", {
      code: "TK_ERR_CONFIG_WATCH",
      path: this.o.configPath,
      error: String(err),
      fix: "Send SIGHUP after each change (`systemctl reload tokokommo`, or `kill -HUP <pid>`).",
    });
  }

  private async reloadOnce(): Promise<void> {
    if (this.closed) return;
    let next: LoadedConfig;
    try {
      next = loadConfigFile(this.o.configPath, this.o.env);
    } catch (err) {
      this.refused(err);
      return;
    }
    // Unchanged bytes (a touch, our own rename's second event): nothing to do.
    if (next.hash === this.current.hash) return;
    const restartNeeded = RESTART_ONLY.filter(
      (k) => JSON.stringify(next.config[k]) !== JSON.stringify(this.current.config[k]),
    );
    let change: TopologyChange;
    try {
      change = await this.o.apply(next.config);
    } catch (err) {
      this.refused(err);
      return;
    }
    this.current = next;
    this.generation++;
    this.lastReload = {
      at: new Date().toISOString(),
      configHash: next.hash,
      ok: true,
      ...(restartNeeded.length ? { restartNeeded } : {}),
    };
    this.writeCard();
    this.o.log?.("info", "config reloaded", {
      generation: this.generation,
      shops: next.config.shops.length,
      added: change.added,
      removed: change.removed,
    });
    if (restartNeeded.length)
      this.o.log?.("warn", "some changed settings take effect only when the daemon restarts", {
        keys: restartNeeded,
        fix: "Restart the daemon (`systemctl restart tokokommo`) to apply them.",
      });
  }

  private refused(err: unknown): void {
    const code = isTkError(err) ? err.code : "TK_ERR_INTERNAL";
    const problems = isTkError(err)
      ? ((err.details as { problems?: ReloadOutcome["problems"] } | undefined)?.problems ?? [])
      : [];
    let hash = "";
    try {
      hash = configFileHash(readFileSync(resolve(this.o.configPath)));
    } catch {}
    this.lastReload = {
      at: new Date().toISOString(),
      configHash: hash,
      ok: false,
      code,
      problems: problems.map((p) => ({ path: p.path, message: p.message, ...(p.fix ? { fix: p.fix } : {}) })),
    };
    this.writeCard();
    this.o.log?.("error", "config reload refused; the daemon keeps running with the config it had", {
      code,
      path: this.o.configPath,
      error: err instanceof Error ? err.message : String(err),
      problems: this.lastReload.problems,
      fix:
        isTkError(err) && err.fix
          ? err.fix
          : "Correct the config file; the daemon reloads it when it is saved.",
    });
  }

  /** Writes the card again (the routing changed without a reload: a retried lead-sources sync). */
  refreshCard(): void {
    this.writeCard();
  }

  private writeCard(): void {
    const routing = this.o.routing?.();
    writeRuntime(this.o.statePath, {
      ...this.o.card,
      ...(routing && Object.keys(routing).length > 0 ? { routing } : {}),
      configHash: this.current.hash,
      generation: this.generation,
      ...(this.lastReload ? { lastReload: this.lastReload } : {}),
    });
  }
}
