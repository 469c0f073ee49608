/**
 * The files a rehearsal leaves for the operator, in one directory (default ./tokokommo-rehearsal):
 *
 *   config.json     a starter config: the simulators' endpoints (src/config/starter.ts), filled in by `init`
 *   rehearsal.env   TOKOKOMMO_CONFIG and the secrets, the way a real setup keeps them out of the config (0600)
 *   state.db        written later by `init` / `serve`, next to the config
 *
 * A directory an earlier rehearsal already set up (its config has apps, accounts or shops, or a state file
 * exists) is refused, not overwritten: its state would point at simulators that are gone.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { asStarterConfig, parseConfigJson } from "../config/index.js";
import { envToken } from "../config/secrets.js";
import { TkError, usageError } from "../errors/index.js";
import type { RehearsalValues } from "./rehearsal.js";

export interface RehearsalFiles {
  dir: string;
  configPath: string;
  envPath: string;
}

/** The paths in `dir`; throws TK_ERR_USAGE (changing nothing) when the directory holds a set-up rehearsal. */
export function rehearsalFiles(dir: string): RehearsalFiles {
  const abs = resolve(dir);
  const files = { dir: abs, configPath: join(abs, "config.json"), envPath: join(abs, "rehearsal.env") };
  const again = (what: string) =>
    usageError(
      `${abs} holds an earlier rehearsal (${what}); the simulators it was set up against are gone`,
      `remove it (rm -r ${abs}) to rehearse from the start, or pass --dir with another directory`,
    );
  if (existsSync(join(abs, "state.db"))) throw again("a state file");
  if (existsSync(files.configPath)) {
    let starter: unknown;
    try {
      starter = asStarterConfig(
        parseConfigJson(readFileSync(files.configPath, "utf8"), files.configPath),
        files.configPath,
      );
    } catch {
      starter = undefined;
    }
    if (!starter) throw again("a config that is more than a starter config");
  }
  return files;
}

/** The starter config: the simulators' endpoints, plus the bridge's port and the media rule they need. */
export function starterConfig(v: RehearsalValues): Record<string, unknown> {
  return {
    version: 1,
    // Where the operator's `serve` listens: the simulators' webhooks go there, and doctor looks there.
    server: { port: Number(new URL(v.bridgeUrl).port) },
    // The Kommo simulator serves the managers' pictures from 127.0.0.1 (forwarded to TikTok Shop).
    media: { allowPrivateNetworks: true },
    endpoints: v.endpoints,
  };
}

/** rehearsal.env: `KEY=value` lines, for `set -a; . rehearsal.env; set +a` and for systemd's EnvironmentFile. */
export function rehearsalEnv(v: RehearsalValues, files: RehearsalFiles): string {
  const lines = [
    "# tokokommo sandbox --serve: the rehearsal's config and secrets (simulator values, good only while it runs)",
    `TOKOKOMMO_CONFIG=${files.configPath}`,
    `TOKOKOMMO_TOKOPEDIA_${envToken(v.tokopedia.app)}_CLIENT_SECRET=${v.tokopedia.clientSecret}`,
    `TOKOKOMMO_KOMMO_${envToken(v.kommo.account)}_LONG_LIVED_TOKEN=${v.kommo.token}`,
    `TOKOKOMMO_KOMMO_${envToken(v.kommo.account)}_CHANNEL_SECRET=${v.kommo.channelSecret}`,
    `TOKOKOMMO_TIKTOKSHOP_${envToken(v.tiktokshop.app)}_APP_SECRET=${v.tiktokshop.appSecret}`,
    "# not read by tokokommo: the TikTok Shop seller's authorization code for `init --source tiktokshop` (single use)",
    `REHEARSAL_TIKTOKSHOP_AUTH_CODE=${v.tiktokshop.authCode}`,
  ];
  return `${lines.join("\n")}\n`;
}

function writePrivate(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode: 0o600, flag: "w" });
    chmodSync(tmp, 0o600);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes both files; TK_ERR_CONFIG_WRITE (naming the directory) when it cannot. */
export function writeRehearsalFiles(v: RehearsalValues, files: RehearsalFiles): void {
  try {
    mkdirSync(files.dir, { recursive: true, mode: 0o700 });
    writePrivate(files.configPath, `${JSON.stringify(starterConfig(v), null, 2)}\n`);
    writePrivate(files.envPath, rehearsalEnv(v, files));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TkError(
      "TK_ERR_CONFIG_WRITE",
      `cannot write the rehearsal's files into ${files.dir} (${code ?? "error"})`,
      {
        exitCode: 1,
        fix: "pass --dir with a directory this user can write to",
        details: { path: files.dir, errno: code },
        cause: err,
      },
    );
  }
}
