/**
 * Writing the config: validate first (invalid → nothing written), leave env-supplied secrets out, then
 * write atomically (temp file in the same directory, fsync, rename) with mode 0600 in a 0700 directory.
 */
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { TkError } from "../errors/index.js";
import { checkConfig, invalidConfigError } from "./load.js";
import { tempPathFor } from "./paths.js";
import { type Config, DEFAULT_ENDPOINTS } from "./schema.js";
import { envSecretsOf, withoutEnvSecrets } from "./secrets.js";

type Obj = Record<string, unknown>;

/** The JSON object that goes to disk: defaults that equal the built-in ones are left out where harmless. */
function fileShape(config: Config, file: string): Obj {
  const plain = JSON.parse(JSON.stringify(config)) as Obj;
  withoutEnvSecrets(plain, envSecretsOf(config));
  // Endpoints equal to the defaults stay out, so a future default change reaches this install.
  const endpoints = plain.endpoints as Obj | undefined;
  if (endpoints) {
    for (const [k, v] of Object.entries(DEFAULT_ENDPOINTS)) if (endpoints[k] === v) delete endpoints[k];
    if (Object.keys(endpoints).length === 0) delete plain.endpoints;
  }
  if (plain.statePath === join(dirname(file), "state.db")) delete plain.statePath;
  return plain;
}

/** Validates and writes `config` to `path` (mode 0600). Throws TK_ERR_CONFIG_INVALID / TK_ERR_CONFIG_WRITE. */
export function saveConfig(path: string, config: Config): void {
  const file = resolve(path);
  // Validate the full config (env secrets included): what is written must load again with the same env.
  const check = checkConfig(JSON.parse(JSON.stringify(config)), {}, { configPath: file });
  if (!check.ok) throw invalidConfigError(undefined, check.problems);

  const text = `${JSON.stringify(fileShape(config, file), null, 2)}\n`;
  const dir = dirname(file);
  const tmp = tempPathFor(file);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(tmp, "wx", 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(tmp, 0o600); // the umask cannot widen 0600, but be explicit
    renameSync(tmp, file);
    chmodSync(file, 0o600);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new TkError("TK_ERR_CONFIG_WRITE", `cannot write config file ${file} (${code ?? "error"})`, {
      exitCode: 1,
      fix: `check that ${dir} is writable by this user and the disk is not full`,
      details: { path: file, errno: code },
      cause: err,
    });
  }
}
