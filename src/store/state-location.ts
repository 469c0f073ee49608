/**
 * Where the state lives: `statePath` (or `--state`) is either an SQLite file path or a PostgreSQL URL
 * (`postgres://` or `postgresql://`). A file path is resolved against a base directory; a URL is kept as written
 * (resolving it would turn it into a file path named after the URL).
 */
import { accessSync, constants } from "node:fs";
import { resolve } from "node:path";

const URL_RE = /^postgres(?:ql)?:\/\//i;

/** True for a `postgres://` or `postgresql://` statePath (any other value is an SQLite file path). */
export function isPostgresUrl(statePath: string): boolean {
  return URL_RE.test(statePath);
}

/** A file path resolved against `baseDir`; a PostgreSQL URL unchanged. */
export function resolveStatePath(statePath: string, baseDir: string): string {
  return isPostgresUrl(statePath) ? statePath : resolve(baseDir, statePath);
}

/** The URL with its password replaced, for messages, logs and --json output. */
export function redactStateUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "[redacted]";
    for (const key of [...u.searchParams.keys()])
      if (/password/i.test(key)) u.searchParams.set(key, "[redacted]");
    return u.toString().replace("%5Bredacted%5D", "[redacted]");
  } catch {
    return "postgres://[unparsable URL]";
  }
}

/** True when this process may create files in `dir` (a state file, its lock, the daemon's runtime card). */
export function isWritableDir(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
