/**
 * Reading and validating the config: file → JSON → env secrets applied → zod schema → typed Config.
 * Every failure is a TkError with exit code 2 naming the file, each key path at fault, and the fix.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { TkError } from "../errors/index.js";
import { firstTooDeep, MAX_CONFIG_DEPTH } from "./depth.js";
import { type ConfigProblem, formatPath, problemsFromIssues, renderProblems } from "./issues.js";
import { defaultConfigDir } from "./paths.js";
import { type Config, createConfigSchema } from "./schema.js";
import { applyEnvSecrets, attachEnvSecrets, type Env, placeholderSecretsEnv } from "./secrets.js";

export interface ValidateOptions {
  /** The config file's path: the default statePath is next to it; relative statePaths resolve against it. */
  configPath?: string;
}

export type CheckResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

/** Validates raw JSON (env secrets applied first) without throwing: for init and doctor. */
export function checkConfig(
  raw: unknown,
  env: Env = process.env,
  options: ValidateOptions = {},
): CheckResult {
  const baseDir = options.configPath ? dirname(resolve(options.configPath)) : defaultConfigDir(env);
  // Before anything walks it: a value nested thousands of levels deep would overflow the stack (depth.ts).
  const deep = depthProblem(raw);
  if (deep) return { ok: false, problems: [deep] };
  const schema = createConfigSchema(baseDir);
  const { raw: withSecrets, fromEnv } = applyEnvSecrets(raw, env);
  const result = schema.safeParse(withSecrets, { reportInput: true });
  if (result.success) return { ok: true, config: attachEnvSecrets(result.data, fromEnv) };
  return { ok: false, problems: problemsFromIssues(result.error.issues, withSecrets, schema) };
}

/** Validates raw JSON (env secrets applied first); throws TK_ERR_CONFIG_INVALID listing every problem. */
export function validateConfig(raw: unknown, env: Env = process.env, options: ValidateOptions = {}): Config {
  const result = checkConfig(raw, env, options);
  if (result.ok) return result.config;
  throw invalidConfigError(options.configPath, result.problems);
}

/** `source`: the file the problems are in (undefined when the config did not come from a file). */
export function invalidConfigError(source: string | undefined, problems: ConfigProblem[]): TkError {
  return new TkError("TK_ERR_CONFIG_INVALID", renderProblems(source, problems), {
    exitCode: 2,
    fix: `correct the keys named above${source ? ` in ${source}` : ""} (docs/configuration.md describes every key), then run again`,
    details: { problems },
  });
}

/**
 * Reads, parses and validates the config file at `path`. `secretsOptional`: a secret in neither the file nor the
 * env is not an error (it reads as a placeholder), for commands that never call the platforms.
 */
export function loadConfig(
  path: string,
  env: Env = process.env,
  opts: { secretsOptional?: boolean } = {},
): Config {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT")
      throw new TkError("TK_ERR_CONFIG_NOT_FOUND", `config file ${file} does not exist`, {
        exitCode: 2,
        fix: "run `tokokommo init` to create it, or point --config / TOKOKOMMO_CONFIG at your config file",
        details: { path: file },
      });
    throw new TkError("TK_ERR_CONFIG_UNREADABLE", `config file ${file} cannot be read (${code ?? "error"})`, {
      exitCode: 2,
      fix:
        code === "EISDIR"
          ? "point --config / TOKOKOMMO_CONFIG at the file, not its directory"
          : "check the file's owner and permissions (it should be readable by this user, mode 0600)",
      details: { path: file, errno: code },
      cause: err,
    });
  }
  const raw = parseConfigJson(text, file);
  return validateConfig(raw, opts.secretsOptional ? placeholderSecretsEnv(raw, env) : env, {
    configPath: file,
  });
}

/** JSON.parse with an error that gives line and column but never echoes the file's content (secrets). */
export function parseConfigJson(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === "")
    throw new TkError("TK_ERR_CONFIG_NOT_JSON", `config file ${source} is empty`, {
      exitCode: 2,
      fix: "run `tokokommo init` to write it, or copy the example from docs/configuration.md",
    });
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    const m = /position (\d+)/.exec((err as Error).message);
    let where = "";
    if (m) {
      const before = body.slice(0, Number(m[1]));
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      where = ` at line ${line}, column ${column}`;
    }
    throw new TkError("TK_ERR_CONFIG_NOT_JSON", `config file ${source} is not valid JSON${where}`, {
      exitCode: 2,
      fix: "fix the JSON syntax (no comments or trailing commas; strings in double quotes)",
      details: { path: source },
    });
  }
  // Refused here too, not only in checkConfig: callers such as init copy the parsed value before validating it.
  const deep = depthProblem(raw);
  if (deep) throw invalidConfigError(source, [deep]);
  return raw;
}

/** The problem of a value nested deeper than MAX_CONFIG_DEPTH, if it is (see depth.ts). */
function depthProblem(raw: unknown): ConfigProblem | undefined {
  const deep = firstTooDeep(raw);
  if (!deep) return undefined;
  return {
    path: shortened(formatPath(deep)),
    message: `is nested too deeply (more than ${MAX_CONFIG_DEPTH} levels of objects or arrays; a tokokommo config needs at most 5)`,
    fix: "remove the nested value; docs/configuration.md shows the config's shape",
  };
}

/** A key path cut to a readable length (a path 32 levels deep can be long). */
function shortened(path: string, max = 120): string {
  return path.length > max ? `${path.slice(0, max)}…` : path;
}
