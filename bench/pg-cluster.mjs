// A throwaway PostgreSQL 15 cluster for the benchmarks: initdb in a temp directory, started on a free loopback
// port, one database per row, removed at the end. As root (initdb refuses root) the cluster is made and run as
// the `postgres` user through runuser. TOKOKOMMO_TEST_PG_BIN names a directory holding initdb/pg_ctl/psql when they
// are not on PATH (the same variable as the tests' harness).
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMs, freePort } from "./lib.mjs";

const bin = (name) =>
  process.env.TOKOKOMMO_TEST_PG_BIN ? join(process.env.TOKOKOMMO_TEST_PG_BIN, name) : name;
const asPostgres = () => process.getuid?.() === 0;

/** Why a cluster cannot be started here (binaries missing, no `postgres` user as root), or undefined when it can. */
export function postgresMissing() {
  for (const cmd of ["initdb", "pg_ctl", "psql"]) {
    if (spawnSync(bin(cmd), ["--version"], { stdio: "ignore" }).status !== 0)
      return `${cmd} not found (PostgreSQL 15 server binaries on PATH, or TOKOKOMMO_TEST_PG_BIN)`;
  }
  if (asPostgres() && spawnSync("id", ["-u", "postgres"], { stdio: "ignore" }).status !== 0)
    return "running as root and there is no `postgres` user to run the cluster as (initdb refuses root)";
  return undefined;
}

/**
 * Starts a cluster. `durable`: commits wait for the WAL to reach the disk (PostgreSQL's default); otherwise
 * synchronous_commit=off, which is what the SQLite state runs with (WAL, synchronous=NORMAL: a commit is not
 * fsynced, a crash of the machine may roll back the last ones, nothing is corrupted). fsync stays on either way.
 * `statements`: load pg_stat_statements, so `topStatements` can say which statements took the server's time.
 */
export async function startCluster({ durable = false, statements = false } = {}) {
  const root = asPostgres();
  const run = (cmd, args) =>
    root
      ? execFileSync("runuser", ["-u", "postgres", "--", bin(cmd), ...args], { encoding: "utf8" })
      : execFileSync(bin(cmd), args, { encoding: "utf8" });
  const dir = mkdtempSync(join(tmpdir(), "tokokommo-pgbench-"));
  if (root) {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, id("-u"), id("-g"));
  }
  const port = await freePort();
  const data = join(dir, "data");
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    const commits = durable ? "" : " -c synchronous_commit=off";
    const preload = statements ? " -c shared_preload_libraries=pg_stat_statements" : "";
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${commits}${preload}`;
    run("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "60", "start"]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const url = (db) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  /** Runs one statement (on the maintenance database by default) and returns its rows as arrays of strings. */
  const query = (sql, db = "postgres") =>
    execFileSync(bin("psql"), ["-qAt", "-F", "\t", "-d", url(db), "-c", sql], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("\t"));
  if (statements) query("CREATE EXTENSION pg_stat_statements");
  const postmaster = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    url,
    durable,
    /** Creates an empty database and returns its URL. */
    createDatabase(db) {
      execFileSync(bin("psql"), ["-q", "-d", url("postgres"), "-c", `CREATE DATABASE ${db}`]);
      return url(db);
    },
    /**
     * Counters of one database so far (transactions, rows read and written, and per table the rows read by
     * sequential scans and fetched through indexes; the server's statistics, which a busy backend reports at most
     * once a second) and the server's CPU ms: a `probe` for measureThroughput.
     */
    readings(db) {
      const [row] = query(
        `SELECT xact_commit + xact_rollback, tup_returned + tup_fetched, tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = '${db}'`,
      );
      const [transactions, rowsRead, rowsWritten] = (row ?? []).map(Number);
      // Per table: rows read by sequential scans and fetched through indexes (where the rows read come from).
      const tables = query(
        "SELECT relname, seq_tup_read, coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables",
        db,
      ).flatMap(([table, seq, idx]) => [
        [`seqRead:${table}`, Number(seq)],
        [`indexFetched:${table}`, Number(idx)],
      ]);
      return {
        serverCpuMs: this.serverCpuMs(),
        transactions,
        rowsRead,
        rowsWritten,
        ...Object.fromEntries(tables),
      };
    },
    /** Forgets the statements seen so far (with `statements`). */
    resetStatements: () => statements && query("SELECT pg_stat_statements_reset()"),
    /** The `limit` statements of `db` that took the most server time since the reset (with `statements`). */
    topStatements(db, limit = 12) {
      if (!statements) return [];
      return query(
        `SELECT calls, round(total_exec_time::numeric, 1), rows, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '${db}' ORDER BY total_exec_time DESC LIMIT ${limit}`,
      ).map(([calls, totalMs, rows, text]) => ({
        calls: Number(calls),
        totalMs: Number(totalMs),
        rows: Number(rows),
        query: text.slice(0, 200),
      }));
    },
    /**
     * The server log's errors: how many of each ERROR message, and the last `limit` lines of error reports (ERROR
     * with its DETAIL, CONTEXT and STATEMENT lines).
     */
    errorLog(limit = 80) {
      let text = "";
      try {
        text = readFileSync(join(dir, "log"), "utf8");
      } catch {}
      const lines = text.split("\n");
      const kept = [];
      const counts = {};
      let inReport = false;
      for (const line of lines) {
        const error = /\b(?:ERROR|FATAL|PANIC):\s+(.*)$/.exec(line);
        if (error) {
          inReport = true;
          // Messages name rows and values: with quoted names and numbers blanked out, they group by kind.
          const kind = error[1].replace(/"[^"]*"/g, '"…"').replace(/\d+/g, "N");
          counts[kind] = (counts[kind] ?? 0) + 1;
        } else if (!/\b(DETAIL|HINT|CONTEXT|STATEMENT):/.test(line) && !/^\s/.test(line)) inReport = false;
        if (inReport) kept.push(line);
      }
      return { counts, lines: kept.slice(-limit) };
    },
    /** CPU ms the server has used so far: the postmaster, its live backends, and the backends that ended. */
    serverCpuMs() {
      let total = cpuMs(postmaster) + childrenCpuMs(postmaster);
      for (const pid of childPids(postmaster)) {
        try {
          total += cpuMs(pid);
        } catch {} // ended between the listing and the reading: counted in the postmaster's children's time
      }
      return total;
    },
    stop() {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** CPU ms of a process's children that ended and were waited for (cutime + cstime of /proc/<pid>/stat). */
function childrenCpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

function childPids(parent) {
  const pids = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === parent) pids.push(Number(name));
    } catch {}
  }
  return pids;
}
