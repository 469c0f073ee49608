/**
 * Where the config file lives: --config, else TOKOKOMMO_CONFIG, else the per-user default that the `conf`
 * package would use for project "tokokommo" (env-paths rules, suffix "nodejs", file config.json), so installs that
 * started with it keep their file. Computed here rather than with conf: nothing else of conf was used, and not
 * loading it keeps CLI start-up light.
 */
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import type { Env } from "./secrets.js";

const PROJECT = "tokokommo-nodejs";

/** conf's default directory for project "tokokommo" (env-paths 3 `config`). */
export function defaultConfigDir(
  env: Env = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === "darwin") return join(home, "Library", "Preferences", PROJECT);
  if (platform === "win32") return join(env.APPDATA || join(home, "AppData", "Roaming"), PROJECT, "Config");
  return join(env.XDG_CONFIG_HOME || join(home, ".config"), PROJECT);
}

export function defaultConfigPath(env: Env = process.env): string {
  return join(defaultConfigDir(env), "config.json");
}

/** The config file to use, as an absolute path. Empty values count as not given. */
export function resolveConfigPath(opts: { config?: string | undefined }, env: Env = process.env): string {
  const given = opts.config || env.TOKOKOMMO_CONFIG;
  return resolve(given || defaultConfigPath(env));
}

/** A scratch name next to `path` for atomic writes (same directory, so rename() is atomic). */
export function tempPathFor(path: string): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return join(resolve(path, ".."), `.${basename(path)}.${process.pid}.${rand}.tmp`);
}
