// Measures the two PostgreSQL clients considered for the state backend — node-postgres (`pg`) and postgres.js
// (`postgres`) — on what the backend does most: single-row insert + select round trips, and claim-style
// transactions (BEGIN; SELECT ... FOR UPDATE SKIP LOCKED; UPDATE; COMMIT) with 1 and 8 concurrent callers.
// Each client runs in its own child process (so memory figures are its own) against a throwaway cluster.
//
// Usage: node bench/pg-clients.mjs [seconds per figure, default 3]
// Needs initdb/pg_ctl (PostgreSQL 15) on PATH or in TOKOKOMMO_TEST_PG_BIN; as root they run as `postgres`.
import { spawn } from "node:child_process";
import { startCluster } from "./pg-cluster.mjs";

const SECONDS = Number(process.argv[2] ?? 3);

async function main() {
  const cluster = await startBenchCluster();
  try {
    const rows = [];
    const order = process.env.PG_BENCH_ORDER === "reverse" ? ["postgres", "pg"] : ["pg", "postgres"];
    for (const client of order) {
      rows.push(await runChild(client, cluster.url(client === "pg" ? "bench_pg" : "bench_postgres")));
    }
    console.log(JSON.stringify(rows, null, 2));
    console.log("\nclient     insert+select/s  claim tx/s (1)  claim tx/s (8)  RSS MB  heap MB");
    for (const r of rows) {
      console.log(
        `${r.client.padEnd(10)} ${String(r.roundTrips).padStart(15)} ${String(r.claim1).padStart(15)} ${String(r.claim8).padStart(15)} ${r.rssMb.toFixed(1).padStart(7)} ${r.heapMb.toFixed(1).padStart(8)}`,
      );
    }
  } finally {
    cluster.stop();
  }
}

function runChild(client, url) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ["--expose-gc", import.meta.filename, "--child", client, url, String(SECONDS)],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${client} child exited ${code}`)),
    );
  });
}

async function startBenchCluster() {
  // Commits do not wait for the disk unless PG_BENCH_DURABLE=1: on a shared VM the fsync time swamps (and varies
  // far more than) what the client adds, and the client's own cost is what this compares.
  const cluster = await startCluster({ durable: process.env.PG_BENCH_DURABLE === "1" });
  for (const db of ["bench_pg", "bench_postgres"]) cluster.createDatabase(db);
  return cluster;
}

/** One client's figures, in a process of its own. */
async function child(name, url, seconds) {
  const db = name === "pg" ? await pgAdapter(url) : await postgresAdapter(url);
  await db.query(
    "CREATE TABLE kv (id BIGSERIAL PRIMARY KEY, k TEXT NOT NULL, v TEXT NOT NULL, at BIGINT NOT NULL)",
  );
  await db.query(
    "CREATE TABLE jobs (id BIGSERIAL PRIMARY KEY, state TEXT NOT NULL DEFAULT 'pending', lease_until BIGINT)",
  );
  await db.query("CREATE INDEX jobs_pending ON jobs (id) WHERE state = 'pending'");
  await db.query("INSERT INTO jobs (state) SELECT 'pending' FROM generate_series(1, 200000)");
  const roundTrips = await perSecond(seconds, 1, async (i) => {
    const [row] = await db.query("INSERT INTO kv (k, v, at) VALUES ($1, $2, $3) RETURNING id", [
      `k${i}`,
      "value",
      Date.now(),
    ]);
    await db.query("SELECT k, v, at FROM kv WHERE id = $1", [row.id]);
  });
  const claim = () =>
    db.transaction(async (q) => {
      const rows = await q(
        "SELECT id FROM jobs WHERE state = 'pending' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED",
      );
      if (rows[0])
        await q("UPDATE jobs SET state = 'running', lease_until = $2 WHERE id = $1", [
          rows[0].id,
          Date.now(),
        ]);
    });
  const claim1 = await perSecond(seconds, 1, claim);
  const claim8 = await perSecond(seconds, 8, claim);
  const [idRow] = await db.query("SELECT 9007199254740993::bigint AS big");
  globalThis.gc?.();
  const mem = process.memoryUsage();
  await db.end();
  process.stdout.write(
    JSON.stringify({
      client: name,
      roundTrips,
      claim1,
      claim8,
      rssMb: mem.rss / 2 ** 20,
      heapMb: mem.heapUsed / 2 ** 20,
      bigintReadsAs: `${typeof idRow.big} ${String(idRow.big)}`,
    }),
  );
}

/** Operations per second with `callers` concurrent loops over `seconds`. */
async function perSecond(seconds, callers, op) {
  let n = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (Date.now() < until) await op(n++);
    }),
  );
  return Math.round(n / seconds);
}

async function pgAdapter(url) {
  const pg = (await import("pg")).default;
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  return {
    query: async (sql, params) => (await pool.query(sql, params)).rows,
    async transaction(fn) {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        await fn(async (sql, params) => (await c.query(sql, params)).rows);
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK");
        throw err;
      } finally {
        c.release();
      }
    },
    end: () => pool.end(),
  };
}

async function postgresAdapter(url) {
  const postgres = (await import("postgres")).default;
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  return {
    query: (text, params) => sql.unsafe(text, params ?? []),
    transaction: (fn) => sql.begin((tx) => fn((text, params) => tx.unsafe(text, params ?? []))),
    end: () => sql.end(),
  };
}

if (process.argv[2] === "--child") await child(process.argv[3], process.argv[4], Number(process.argv[5]));
else await main();
