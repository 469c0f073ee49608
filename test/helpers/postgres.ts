/**
 * A throwaway PostgreSQL server for tests: `initdb` a cluster in a temp directory, start it on a free loopback port,
 * hand out one fresh database per caller, and remove it all at the end.
 *
 * Why this shape: the machine image has the PostgreSQL 15 server binaries on PATH (initdb, pg_ctl), and CI and
 * sessions run as root, which initdb refuses; so as root the cluster is made and run as the image's `postgres` user
 * (runuser). Trust authentication on loopback only: the cluster lives for one test file and listens on 127.0.0.1.
 * Set TOKOKOMMO_TEST_PG_BIN to a directory holding initdb/pg_ctl when they are not on PATH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";

export interface TestPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres — the maintenance database. */
  adminUrl: string;
  port: number;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const bin = (name: string) =>
  process.env.TOKOKOMMO_TEST_PG_BIN ? join(process.env.TOKOKOMMO_TEST_PG_BIN, name) : name;

/** True when the server binaries can be run here (tests may skip PostgreSQL rows only where this is false). */
export function postgresAvailable(): boolean {
  return spawnSync(bin("initdb"), ["--version"], { stdio: "ignore" }).status === 0;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Runs a server binary, as the `postgres` user when we are root. */
function runPg(args: string[], opts: { asPostgres: boolean }): string {
  const [cmd, ...rest] = args;
  if (!cmd) throw new Error("runPg: no command");
  if (opts.asPostgres)
    return execFileSync("runuser", ["-u", "postgres", "--", bin(cmd), ...rest], { encoding: "utf8" });
  return execFileSync(bin(cmd), rest, { encoding: "utf8" });
}

let databaseCount = 0;

export async function startPostgres(): Promise<TestPostgres> {
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-pg-"));
  const data = join(dir, "data");
  if (asPostgres) {
    // The postgres user must own the cluster directory (mkdtemp makes it 0700, owned by root).
    const pwUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const pwGid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, pwUid, pwGid);
    chmodSync(dir, 0o700);
  }
  const port = await freePort();
  try {
    runPg(["initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], {
      asPostgres,
    });
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    runPg(["pg_ctl", "-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "30", "start"], {
      asPostgres,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    adminUrl,
    port,
    async createDatabase(name) {
      databaseCount += 1;
      const db = name ?? `t_${process.pid}_${databaseCount}`;
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${db.replace(/"/g, "")}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${db}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        runPg(["pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"], { asPostgres });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
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

/** Per-file server lifecycle for a describe block: started before its tests, stopped after. */
export function usePostgres(): () => TestPostgres {
  let server: TestPostgres | undefined;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return () => {
    if (!server) throw new Error("usePostgres: the server is not started yet (call inside a test)");
    return server;
  };
}
