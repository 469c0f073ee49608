/**
 * `status` and `doctor` on a PostgreSQL statePath (a real throwaway server): the per-shop report read from the
 * database, the cluster (replicas alive, which one sweeps which shop, "nobody" once none runs), doctor's state checks
 * phrased for a database (reachable, schema, rights; the SQLite file's checks not applicable), `cluster.replicas`,
 * and the tokens read from the database; the built binary too. The password of the URL never shows.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctorCommand } from "../../src/cli/commands/doctor.js";
import { statusCommand } from "../../src/cli/commands/status.js";
import { clusterView, PostgresCoordinator } from "../../src/cluster/index.js";
import { newReplicaIdentity } from "../../src/cluster/shop-leases.js";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { type DoctorReport, runDoctor } from "../../src/doctor/index.js";
import { KommoRestClient } from "../../src/kommo/index.js";
import { LATEST_SCHEMA_VERSION } from "../../src/store/migrations/index.js";
import { PgTokenStore, PostgresEngineStore, poolSql } from "../../src/store/postgres/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync } from "../helpers/cli.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";
import { waitForAsync } from "../helpers/wait.js";

const pg = usePostgres();
const SECRET = "pg-s3cret-word";
let bed: Testbed;
let url: string;
let a: RunningDaemon | undefined;
let b: RunningDaemon | undefined;

/** The URL with a password (the test server trusts loopback, so it is accepted and never checked). */
const withPassword = (u: string) => u.replace("postgres@", `postgres:${SECRET}@`);

/** The testbed's config with another statePath (and changes), in a file of its own. */
function configFile(
  statePath: string,
  name: string,
  change: (raw: Record<string, unknown>) => void = () => {},
) {
  const raw = JSON.parse(readFileSync(bed.configPath, "utf8"));
  raw.statePath = statePath;
  change(raw);
  const path = join(bed.dir, name);
  writeFileSync(path, JSON.stringify(raw), { mode: 0o600 });
  return path;
}

const find = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;
const shopKeys = () => bed.shops.map((s) => `tokopedia:${s.shopId}`);

beforeAll(async () => {
  url = withPassword(await pg().createDatabase());
  bed = await startTestbed({ mode: "hybrid", shops: 2 });
  a = await startConnectedDaemon(bed, { statePath: url });
  b = await startConnectedDaemon(bed, { statePath: url });
  await waitForAsync(
    "both replicas alive, each shop swept by one of them",
    async () => {
      const view = await clusterView(a!.state.coordinator!, Date.now());
      const ids = new Set(view.replicas.map((r) => r.id));
      return ids.size === 2 && shopKeys().every((k) => ids.has(view.shopHolders[k] ?? ""));
    },
    20_000,
  );
  // One dead job of the first shop, as the engine leaves one that used up its retries.
  await queryOnce(
    url,
    `INSERT INTO jobs (kind, shop_key, state, run_after, created_at, updated_at, last_error_code)
     VALUES ('deliver_to_kommo', $1, 'dead', 0, 0, 0, 'TK_ERR_TEST')`,
    [shopKeys()[0]],
  );
}, 90_000);

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await bed?.close();
});

describe("status on PostgreSQL", () => {
  it("reports every shop from the database, the two replicas alive and which one sweeps which shop", async () => {
    const config = configFile(url, "pg.json");
    const r = await statusCommand({}, { config });
    const json = r.json as {
      statePath: string;
      everRun: boolean;
      shops: { shopId: string; dead: number; backlog: number; everSynced: boolean }[];
      cluster: {
        replicas: { id: string; host: string; pid: number; startedAt: number; lastSeenAt: number }[];
        shops: { shopKey: string; sweptBy: string | null }[];
      };
    };
    expect(r.exitCode).toBe(0);
    expect(json.everRun).toBe(true);
    expect(json.statePath).toContain("[redacted]");
    expect(json.shops.map((s) => s.shopId)).toEqual(bed.shops.map((s) => s.shopId));
    expect(json.shops[0]!.dead).toBe(1);
    expect(json.cluster.replicas).toHaveLength(2);
    expect(json.cluster.replicas.every((x) => x.pid === process.pid && x.lastSeenAt > 0)).toBe(true);
    const ids = json.cluster.replicas.map((x) => x.id);
    expect(json.cluster.shops.map((s) => s.shopKey)).toEqual(shopKeys());
    for (const s of json.cluster.shops) expect(ids).toContain(s.sweptBy);
    expect(r.text).toContain(`state: ${json.statePath}`);
    expect(r.text).toMatch(/cluster: 2 replicas alive/);
    for (const id of ids) expect(r.text).toContain(id);
    expect(r.text).toContain("1 dead job(s)");
    expect(`${r.text}${JSON.stringify(r.json)}`).not.toContain(SECRET);
  });

  it("says a database without tokokommo's tables has never run, and refuses a newer schema", async () => {
    const empty = withPassword(await pg().createDatabase());
    const r = await statusCommand({ state: empty }, { config: bed.configPath });
    expect(r.exitCode).toBe(0);
    expect((r.json as { everRun: boolean }).everRun).toBe(false);
    expect(r.text).toContain("never run");
    expect(r.text).not.toContain(SECRET);
    const newer = withPassword(await pg().createDatabase());
    const store = await PostgresEngineStore.open(newer);
    await store.close();
    await queryOnce(
      newer,
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future', 0)",
      [LATEST_SCHEMA_VERSION + 1],
    );
    await expect(statusCommand({ state: newer }, { config: bed.configPath })).rejects.toMatchObject({
      code: "TK_ERR_STATE_TOO_NEW",
    });
    // An older schema: refused, not upgraded (a replica upgrades it at start).
    await queryOnce(newer, "DELETE FROM schema_migrations WHERE version >= $1", [LATEST_SCHEMA_VERSION]);
    await expect(statusCommand({ state: newer }, { config: bed.configPath })).rejects.toMatchObject({
      code: "TK_ERR_STATE_OUTDATED",
    });
    const [v] = await queryOnce<{ v: number }>(newer, "SELECT MAX(version)::int AS v FROM schema_migrations");
    expect(v!.v).toBe(LATEST_SCHEMA_VERSION - 1);
  });
});

describe("doctor on PostgreSQL", () => {
  it("checks the database, its rights and the replicas; the file checks are not applicable", async () => {
    const config = configFile(url, "pg-doctor.json");
    const r = await runDoctor({ configPath: config, env: {}, daemonUrl: a!.url, timeoutMs: 10_000 });
    expect(find(r, "state.readable").status).toBe("pass");
    expect(find(r, "state.readable").message).toContain(`schema ${LATEST_SCHEMA_VERSION}`);
    expect(find(r, "state.rights").status).toBe("pass");
    expect(find(r, "state.permissions").status).toBe("pass");
    expect(find(r, "state.permissions").message).toContain("not applicable");
    expect(find(r, "jobs.dead").status).toBe("fail");
    expect(find(r, "cluster.replicas").status).toBe("pass");
    expect(find(r, "cluster.replicas").message).toContain("2 replica(s) alive");
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(JSON.stringify(r)).toContain("[redacted]");
  });

  it("reads the Kommo OAuth tokens from the database", async () => {
    const db = withPassword(await pg().createDatabase());
    const client = bed.kommo.addOAuthClient({ redirectUri: "https://bridge.example.com/oauth" });
    const engine = await PostgresEngineStore.open(db);
    const tokens = await PgTokenStore.open(poolSql(engine.pool), { reloadEveryMs: 0 });
    try {
      const rest = new KommoRestClient({
        baseUrl: bed.kommo.url,
        auth: { kind: "oauth", ...client },
        tokenStore: tokens,
        tokenKey: "kommo:acme",
      });
      await rest.exchangeCode(bed.kommo.authorizationCode(bed.accountId, client.clientId));
    } finally {
      await tokens.close();
      await engine.close();
    }
    // Aged in the database itself (the store would keep the newer pair it holds over an older one).
    const [row] = await queryOnce<{ value_json: string }>(
      db,
      "SELECT value_json FROM tokens WHERE key = $1",
      ["kommo:acme"],
    );
    const day = 24 * 3600_000;
    const aged = { ...JSON.parse(row!.value_json), obtainedAt: Date.now() - 95 * day };
    aged.refreshExpiresAt = Date.now() - 5 * day;
    await queryOnce(db, "UPDATE tokens SET value_json = $2 WHERE key = $1", [
      "kommo:acme",
      JSON.stringify(aged),
    ]);
    const config = configFile(db, "pg-oauth.json", (raw) => {
      const accounts = (raw.kommo as { accounts: { auth: unknown }[] }).accounts;
      accounts[0]!.auth = { ...client };
    });
    const r = await runDoctor({ configPath: config, env: {}, daemonUrl: a!.url, timeoutMs: 10_000 });
    expect(find(r, "kommo.token-expiry").status).toBe("fail");
    expect(find(r, "kommo.token-expiry").message).toContain("3-month");
  });

  it("warns on a shop no replica sweeps, fails a login without rights, and prints no password (--json)", async () => {
    const db = withPassword(await pg().createDatabase());
    const engine = await PostgresEngineStore.open(db);
    try {
      const coordinator = new PostgresCoordinator({ pool: engine.pool });
      await coordinator.ensureSchema();
      const me = newReplicaIdentity();
      await coordinator.heartbeat(me, Date.now());
      await coordinator.acquireLease(`shop:${shopKeys()[0]}`, me.id, 60_000, Date.now());
    } finally {
      await engine.close();
    }
    const config = configFile(db, "pg-one-lease.json");
    let r = await runDoctor({ configPath: config, env: {}, daemonUrl: a!.url, timeoutMs: 10_000 });
    const check = find(r, "cluster.replicas");
    expect(check.status).toBe("warn");
    expect(check.message).toContain(`no replica sweeps ${shopKeys()[1]}`);
    expect(check.message).not.toContain(shopKeys()[0]);
    // A login that may only read: every table lacks rights.
    const role = `reader_${process.pid}`;
    await queryOnce(db, `CREATE ROLE ${role} LOGIN`);
    await queryOnce(db, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const readerUrl = db.replace("//postgres:", `//${role}:`);
    r = await runDoctor({ configPath: configFile(readerUrl, "pg-reader.json"), env: {}, timeoutMs: 10_000 });
    expect(find(r, "state.readable").message).toContain(`login ${role}`);
    expect(find(r, "state.rights").status).toBe("fail");
    expect(find(r, "state.rights").message).toContain("jobs");
    // A login with no right at all sees no table: said so, not taken for an empty database.
    const stranger = `stranger_${process.pid}`;
    await queryOnce(db, `CREATE ROLE ${stranger} LOGIN`);
    const strangerUrl = db.replace("//postgres:", `//${stranger}:`);
    r = await runDoctor({
      configPath: configFile(strangerUrl, "pg-stranger.json"),
      env: {},
      timeoutMs: 10_000,
    });
    expect(find(r, "state.readable").status).toBe("fail");
    expect(find(r, "state.readable").message).toContain("the login may read none of its tables");
    // The command's own output, text and --json.
    const cli = await doctorCommand({ json: true, state: readerUrl }, { config: bed.configPath });
    expect(JSON.stringify(cli.json)).toContain("[redacted]");
    expect(`${cli.text}${JSON.stringify(cli.json)}`).not.toContain(SECRET);
    const text = await doctorCommand({ state: readerUrl }, { config: bed.configPath });
    expect(text.text).toContain("state.rights");
    expect(text.text).not.toContain(SECRET);
  });

  it("fails state.readable when the database does not answer, naming the URL without its password", async () => {
    const down = `postgres://postgres:${SECRET}@127.0.0.1:1/nowhere`;
    const r = await runDoctor({ configPath: configFile(down, "pg-down.json"), env: {}, timeoutMs: 10_000 });
    const readable = find(r, "state.readable");
    expect(readable.status).toBe("fail");
    expect(readable.message).toContain(
      "Cannot use the state database postgres://postgres:[redacted]@127.0.0.1:1",
    );
    expect(readable.fix).toContain("TOKOKOMMO_STATE_PASSWORD");
    expect(find(r, "cluster.replicas").status).toBe("skip");
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it("once no replica runs: status shows nobody sweeping, doctor fails cluster.replicas", async () => {
    await b!.stop();
    b = undefined;
    await a!.stop();
    a = undefined;
    const config = configFile(url, "pg-stopped.json");
    const s = await statusCommand({ json: true }, { config });
    const cluster = (s.json as { cluster: { replicas: unknown[]; shops: { sweptBy: string | null }[] } })
      .cluster;
    expect(cluster.replicas).toEqual([]);
    expect(cluster.shops.every((x) => x.sweptBy === null)).toBe(true);
    expect(s.text).toContain("cluster: no replica alive");
    expect(s.text).toMatch(/nobody/);
    const r = await runDoctor({ configPath: config, env: {}, timeoutMs: 10_000 });
    expect(find(r, "cluster.replicas").status).toBe("fail");
    expect(find(r, "cluster.replicas").fix).toContain("tokokommo serve");
  });

  it("the built binary: status and doctor on a database, the password from TOKOKOMMO_STATE_PASSWORD", async () => {
    const bare = url.replace(`:${SECRET}@`, "@");
    const config = configFile(bare, "pg-cli.json");
    const env = { TOKOKOMMO_STATE_PASSWORD: SECRET, XDG_CONFIG_HOME: bed.dir, TOKOKOMMO_CONFIG: undefined };
    // Both at once, neither blocking this process: the simulators doctor calls answer from here (a blocking
    // spawn left its platform checks to wait out their 15 s timeout).
    const [s, d] = await Promise.all([
      runCliAsync(["--config", config, "status", "--json"], env),
      runCliAsync(["--config", configFile(url, "pg-cli-doctor.json"), "doctor", "--json"], env),
    ]);
    expect(s.stderr).toBe("");
    expect(s.status).toBe(0);
    const status = JSON.parse(s.stdout);
    expect(status.shops).toHaveLength(2);
    expect(status.cluster.shops.map((x: { shopKey: string }) => x.shopKey)).toEqual(shopKeys());
    expect(d.status).toBe(1);
    const report = JSON.parse(d.stdout) as DoctorReport;
    expect(find(report, "state.readable").status).toBe("pass");
    expect(find(report, "cluster.replicas").status).toBe("fail");
    expect(`${s.stdout}${d.stdout}${d.stderr}`).not.toContain(SECRET);
  });
});
