// The PostgreSQL rows of `npm run bench`: the bridge's throughput, latency and RSS rows again, with the state in a
// throwaway PostgreSQL cluster, for one replica and for two replicas behind a round-robin (the load generator sends
// the webhooks to each in turn), each beside the SQLite row of the same run. On a 2-core machine two replicas
// measure what sharing the state costs, not scale-out. Skipped, with the reason, when no cluster can be started.
import { bridgeThroughput, latencyAt50, rssWithManyShops } from "./bridge-rows.mjs";
import { postgresMissing, startCluster } from "./pg-cluster.mjs";
import { postgresTarget } from "./serve-replicas.mjs";

const REPLICAS = [1, 2];

/**
 * Runs the PostgreSQL rows. `sqlite` holds the same run's SQLite figures (bridge, latency, rss, forwarder).
 * Returns the JSON part, the table's lines and notes; a configuration that fails is reported, not thrown, so the
 * sections after it still run.
 */
export async function runPostgresRows({ sqlite, n, warmup, log }) {
  const missing = postgresMissing();
  if (missing) return { skipped: missing, lines: [], notes: [`PostgreSQL rows skipped: ${missing}`] };
  const durable = process.env.BENCH_PG_DURABLE === "1";
  const statements = process.env.BENCH_PG_STATEMENTS === "1";
  log(`  PostgreSQL: a throwaway cluster (${durable ? "durable commits" : "synchronous_commit=off"}) ...`);
  let cluster;
  try {
    cluster = await startCluster({ durable, statements });
  } catch (err) {
    const why = `the cluster did not start: ${brief(err)}`;
    return { skipped: why, lines: [], notes: [`PostgreSQL rows skipped: ${why}`] };
  }
  const configs = {};
  let serverErrors;
  try {
    for (const replicas of REPLICAS) configs[replicas] = { replicas };
    for (const step of [
      ["throughput", (t) => bridgeThroughput(t, { n, warmup })],
      ["latency", (t) => latencyAt50(t)],
      ["rss", (t) => rssWithManyShops(t)],
    ]) {
      for (const replicas of REPLICAS) {
        const c = configs[replicas];
        if (c.error) continue;
        const target = postgresTarget(cluster, replicas);
        log(`  ${target.name}: ${step[0]} ...`);
        try {
          c[step[0]] = await step[1](target);
        } catch (err) {
          c.error = `${step[0]}: ${brief(err)}`;
          c.errorDetail = (err instanceof Error ? err.message : String(err)).slice(0, 6000);
          log(`    failed: ${c.error}`);
        }
      }
    }
    // What the server logged as errors (deadlocks, timeouts): the log goes with the cluster.
    serverErrors = cluster.errorLog();
  } finally {
    cluster.stop();
  }
  const results = {
    commits: durable ? "durable (synchronous_commit=on)" : "synchronous_commit=off",
    messages: n,
    replicas: REPLICAS.map((r) => configs[r]),
    ...(serverErrors && serverErrors.lines.length > 0
      ? { serverErrorCounts: serverErrors.counts, serverErrors: serverErrors.lines }
      : {}),
  };
  return { results, lines: table(sqlite, results.replicas), notes: notes(results) };
}

/** An error's first line, and the daemon's TK_ERR_ line when its stderr (appended by startChild) has one. */
function brief(err) {
  const lines = (err instanceof Error ? err.message : String(err)).split("\n").filter((l) => l.trim());
  const code = lines.slice(1).find((l) => l.includes("TK_ERR_"));
  return code ? `${lines[0]} (${code.trim().slice(0, 300)})` : (lines[0] ?? "unknown error");
}

const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : "n/a");
const ratio = (pg, base) =>
  Number.isFinite(pg) && Number.isFinite(base) && base > 0 ? pg / base : Number.NaN;
const withRatio = (pg, base, d = 0) => `${f(pg, d)} (${f(ratio(pg, base), 2)}×)`;
/** Several replicas' RSS as "a + b", with the ratio of the largest to the SQLite daemon's. */
const rssCell = (list, base) =>
  list ? `${list.map((x) => f(x, 1)).join(" + ")} (${f(ratio(Math.max(...list), base), 2)}×)` : "n/a";

function table(sqlite, configs) {
  const rows = [
    [
      "inbound msg/s, whole bridge",
      f(sqlite.bridge.msgsPerSec),
      (c) => withRatio(c.throughput?.msgsPerSec, sqlite.bridge.msgsPerSec),
    ],
    [
      "bridge / forwarder (same run)",
      f(sqlite.bridge.msgsPerSec / sqlite.forwarder.msgsPerSec, 2),
      (c) => f(c.throughput?.msgsPerSec / sqlite.forwarder.msgsPerSec, 2),
    ],
    [
      "added latency p50 ms @ 50 msg/s",
      f(sqlite.latency.p50Ms, 1),
      (c) => withRatio(c.latency?.p50Ms, sqlite.latency.p50Ms, 1),
    ],
    [
      "added latency p99 ms @ 50 msg/s",
      f(sqlite.latency.p99Ms, 1),
      (c) => withRatio(c.latency?.p99Ms, sqlite.latency.p99Ms, 1),
    ],
    [
      "bridge CPU ms per message (all replicas)",
      f(sqlite.bridge.cpuMsPerMsg, 2),
      (c) => withRatio(c.throughput?.cpuMsPerMsg, sqlite.bridge.cpuMsPerMsg, 2),
    ],
    [
      "webhooks refused with 503 (sent again), throughput + latency",
      "",
      (c) => `${f(c.throughput?.refused503)} + ${f(c.latency?.refused503)}`,
    ],
    ["PostgreSQL server CPU ms per message", "", (c) => f(c.throughput?.databaseCpuMsPerMsg, 2)],
    ["PostgreSQL transactions per message", "", (c) => f(c.throughput?.transactionsPerMsg, 1)],
    ["PostgreSQL rows read per message", "", (c) => f(c.throughput?.rowsReadPerMsg, 0)],
    [
      "daemon RSS MB after the throughput rows",
      f(sqlite.bridge.rssAfterMb, 1),
      (c) => rssCell(c.throughput?.rssAfterMb, sqlite.bridge.rssAfterMb),
    ],
    [
      "daemon RSS MB, 200 shops + 10k conversations",
      f(sqlite.rss.rssMb, 1),
      (c) => rssCell(c.rss?.rssMb, sqlite.rss.rssMb),
    ],
  ];
  const header = ["figure", "SQLite", ...configs.map((c) => `PostgreSQL ×${c.replicas}`)];
  const cells = rows.map(([name, base, cell]) => [
    name,
    base,
    // A configuration that failed keeps the figures it measured before the failure.
    ...configs.map((c) => {
      const v = cell(c);
      return c.error && v.startsWith("n/a") ? "failed" : v;
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  return [line(header), ...cells.map(line)];
}

function notes(results) {
  const out = [
    `PostgreSQL rows: a throwaway local cluster, ${results.commits}; the SQLite state runs WAL with synchronous=NORMAL (no fsync per commit either); BENCH_PG_DURABLE=1 makes PostgreSQL wait for the disk on every commit`,
    "PostgreSQL ×2: two `serve` processes on one database, the webhooks sent to each in turn (round-robin); on 2 cores this shows what sharing the state costs, not scale-out",
    "(n×) is the ratio to the SQLite column; RSS: each replica, the ratio of the larger one; no targets are set for PostgreSQL",
    "a webhook a PostgreSQL replica refuses with 503 (it could not commit it) is counted and sent again 50 ms later, as a retrying platform would (latency from the first POST); the SQLite rows stop at a refusal",
  ];
  const counts = Object.entries(results.serverErrorCounts ?? {});
  if (counts.length > 0)
    out.push(
      `the PostgreSQL server logged errors (all rows): ${counts.map(([k, v]) => `${v} × ${k}`).join("; ")} (the last reports: serverErrors in latest.json)`,
    );
  for (const c of results.replicas) if (c.error) out.push(`PostgreSQL ×${c.replicas} failed at ${c.error}`);
  for (const c of results.replicas) {
    const byTable = Object.entries(c.throughput?.rowsReadPerMsgByTable ?? {}).slice(0, 4);
    if (byTable.length > 0)
      out.push(
        `PostgreSQL ×${c.replicas} rows read per message, busiest tables: ${byTable.map(([k, v]) => `${k} ${v}`).join(", ")}`,
      );
    for (const st of c.throughput?.topStatements ?? [])
      out.push(
        `PostgreSQL ×${c.replicas} statement: ${f(st.calls / results.messages, 2)} calls/msg, ${f(st.totalMs)} ms in all: ${st.query}`,
      );
  }
  return out;
}
