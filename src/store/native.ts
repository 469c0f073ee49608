import { createRequire } from "node:module";
import { basename, dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { TkError } from "../errors/index.js";

/**
 * better-sqlite3 is a compiled addon (better_sqlite3.node), loaded when the first database is opened. npm gets it
 * at install time, by its install script: a prebuilt binary for this Node.js version and platform when one can be
 * downloaded, else a local build (python3, make, a C++ compiler). It is missing when install scripts did not run
 * (`--ignore-scripts`, a policy that blocks them) or the build failed; it does not load when it was built for
 * another Node.js version or platform (Node upgraded after the install). Neither is about the state file, so it is
 * checked on its own, before any file is created, and reported with the way to build it.
 */
let loaded = false;

/** Throws TK_ERR_STATE_NATIVE_MISSING when SQLite's addon cannot be loaded; cheap after the first success. */
export function assertNativeSqlite(): void {
  if (loaded) return;
  try {
    new BetterSqlite3(":memory:").close();
    loaded = true;
  } catch (err) {
    throw isNativeBindingError(err) ? nativeMissing(err) : err;
  }
}

/** The error comes from locating or loading the addon, not from SQLite. */
export function isNativeBindingError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  // `bindings` (better-sqlite3's loader) found no better_sqlite3.node under the package.
  if (err.message.startsWith("Could not locate the bindings file")) return true;
  // Node found one but could not load it: another NODE_MODULE_VERSION, architecture or libc, or a damaged file.
  if (code === "ERR_DLOPEN_FAILED") return true;
  return code === "MODULE_NOT_FOUND" && /better_sqlite3\.node|'bindings'/.test(err.message);
}

function reason(err: Error): string {
  if (err.message.startsWith("Could not locate the bindings file"))
    return "its compiled addon better_sqlite3.node was never built (npm installed it without running its install script, or the build failed)";
  if (/NODE_MODULE_VERSION/.test(err.message))
    return `its compiled addon was built for another Node.js version (this is ${process.version}; Node.js was changed after the install)`;
  const platform = `${process.platform}-${process.arch}`;
  return `its compiled addon does not load in Node.js ${process.version} on ${platform} (${err.message.split("\n")[0]?.trim()})`;
}

/** The folder to run `npm rebuild better-sqlite3` in: the one whose node_modules holds better-sqlite3. */
function installRoot(): string | undefined {
  try {
    const pkg = dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json"));
    return basename(dirname(pkg)) === "node_modules" ? dirname(dirname(pkg)) : undefined;
  } catch {
    return undefined;
  }
}

function nativeMissing(cause: unknown): TkError {
  const root = installRoot();
  const rebuild = root
    ? `\`cd ${root} && npm rebuild better-sqlite3\``
    : "`npm rebuild better-sqlite3` in tokokommo's folder";
  return new TkError(
    "TK_ERR_STATE_NATIVE_MISSING",
    `SQLite cannot be used: better-sqlite3 is installed but ${reason(cause as Error)}. Nothing was opened or changed.`,
    {
      fix: `Build it for Node.js ${process.version} with ${rebuild}: it downloads a prebuilt binary when one exists for this Node.js and platform, else compiles one, which needs python3, make and a C++ compiler (g++; on Debian/Ubuntu \`apt-get install python3 make g++\`). Add --ignore-scripts=false when npm's config blocks install scripts.`,
      details: {
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
        ...(root ? { root } : {}),
      },
      cause,
    },
  );
}
