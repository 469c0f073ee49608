// Starting `tokokommo serve` (the built binary, child processes) for a bench row: one daemon on the testbed's
// SQLite state file, or one or more replicas on a PostgreSQL database. Each replica past the first gets a copy of
// the config in a folder of its own, as on a machine of its own (each watches its own file).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { BIN, freePort, rssMb, startChild } from "./lib.mjs";

/**
 * Where a row's daemons keep their state: the testbed's own SQLite file (`cluster` absent), or a fresh database
 * on `cluster` shared by `replicas` processes.
 */
export function sqliteTarget() {
  return { name: "SQLite", replicas: 1 };
}

export function postgresTarget(cluster, replicas) {
  return { name: `PostgreSQL, ${replicas} replica${replicas > 1 ? "s" : ""}`, replicas, cluster };
}

let databases = 0;

/**
 * The `--state` value for a row: undefined on SQLite; on PostgreSQL a new empty database, into which
 * `copyTestbedState` first copies the testbed's state file with `tokokommo state copy` (a row that seeds state).
 */
export function stateFor(bed, target, { copyTestbedState = false } = {}) {
  if (!target.cluster) return undefined;
  databases += 1;
  const url = target.cluster.createDatabase(`bench_${process.pid}_${databases}`);
  if (copyTestbedState)
    execFileSync(process.execPath, [BIN, "state", "copy", "--from", bed.statePath, "--to", url], {
      stdio: ["ignore", "ignore", "pipe"], // its progress lines only matter when it fails (they are in the error)
      env: { ...process.env, NO_COLOR: "1" },
    });
  return url;
}

/**
 * Picks a port per daemon of the row and, unless `connect` is false, points the simulators' webhooks at the first
 * (the Tokopedia simulator signs the webhooks it hands out with the secret given there, so this comes before
 * any message is made). `start(state)` then starts the daemons one after the other (each once /healthz answers)
 * and returns their pids, their RSS and a stop for all.
 */
export async function prepareServe(bed, target, { connect = true } = {}) {
  const ports = [];
  for (let i = 0; i < target.replicas; i++) ports.push(await freePort());
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  if (connect) await bed.connectDaemon(urls[0]);
  return {
    urls,
    async start(state) {
      const daemons = [];
      try {
        for (const [i, port] of ports.entries()) {
          const args = [BIN, "serve", "--config", replicaConfig(bed, i), "--port", String(port)];
          if (state) args.push("--state", state);
          daemons.push(await startChild(args, `${urls[i]}/healthz`, { NO_COLOR: "1" }));
        }
      } catch (err) {
        await Promise.all(daemons.map((d) => d.stop()));
        throw err;
      }
      return {
        urls,
        pids: daemons.map((d) => d.child.pid),
        /** Each daemon's resident set, MB. */
        rss: () => daemons.map((d) => rssMb(d.child.pid)),
        /** Each daemon's last log lines (stderr), for a row that failed. */
        logTail: () => daemons.map((d, i) => `replica ${i + 1}:\n${d.stderr().slice(-3000)}`).join("\n"),
        stop: () => Promise.all(daemons.map((d) => d.stop())),
      };
    },
  };
}

function replicaConfig(bed, i) {
  if (i === 0) return bed.configPath;
  const dir = join(bed.dir, `replica-${i + 1}`);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "config.json");
  copyFileSync(bed.configPath, path);
  return path;
}
