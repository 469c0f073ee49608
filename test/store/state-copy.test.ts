/**
 * `state copy` between an SQLite file and PostgreSQL: a state filled by the real store goes to PostgreSQL and back
 * to a new file with every row identical (ids, int64 values beyond 2^53, AUTOINCREMENT high-water marks); refusals
 * (a non-empty target, a daemon on the source, a newer source, a target at another schema version) change nothing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { copyState } from "../../src/store/copy/copy-state.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/store/migrations/index.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { openStore } from "../../src/store/store.js";
import { BIG, dumpSqlite, filledState } from "../helpers/filled-state.js";
import { queryOnce as query, usePostgres } from "../helpers/postgres.js";
import { refusal } from "../helpers/refusal.js";
import { useTempDir } from "./helpers.js";

describe("state copy between SQLite and PostgreSQL", () => {
  const tmp = useTempDir();
  const server = usePostgres();

  it("copies a filled state to PostgreSQL and back to a new file with every row identical", async () => {
    const source = filledState(tmp.dir());
    const url = await server().createDatabase();
    const there = await copyState({ from: source, to: url });
    expect(there.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const jobs = there.tables.find((t) => t.table === "jobs");
    expect(jobs).toEqual({ table: "jobs", read: 31, written: 31 });
    for (const t of there.tables) expect(t.written).toBe(t.read);
    // the fixture fills every table of the schema, so each is proven to round-trip
    expect(there.tables.filter((t) => t.read === 0)).toEqual([]);

    // exact int64 in PostgreSQL, and the identity continues above the copied ids (and the pruned ones)
    const [note] = await query<{ note_id: string }>(url, "SELECT note_id::text FROM lead_order_notes");
    expect(note?.note_id).toBe(BIG.toString());
    const back = join(tmp.dir(), "back", "state.db");
    const home = await copyState({ from: url, to: back });
    expect(home.tables).toEqual(there.tables);
    const before = dumpSqlite(source);
    const after = dumpSqlite(back);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before))
      expect({ table, rows: after[table] }).toEqual({ table, rows: before[table] });
    expect(after.sqlite_sequence).toContainEqual(["jobs", 32n]); // 32 jobs ever made, the 32nd pruned

    // PostgreSQL's identity continues above the copied ids and the pruned one
    const [next] = await query<{ id: string }>(
      url,
      "INSERT INTO jobs (kind, run_after, created_at, updated_at) VALUES ('k', 0, 0, 0) RETURNING id::text",
    );
    expect(next?.id).toBe("33");
  }, 60_000);

  it("refuses a non-empty target and leaves it unchanged (PostgreSQL and SQLite)", async () => {
    const source = filledState(tmp.dir());
    const url = await server().createDatabase();
    const store = await PostgresEngineStore.open(url);
    await store.close();
    await query(url, "INSERT INTO tokens (key, value_json, updated_at) VALUES ('k', '{}', 1)");
    expect(await refusal(copyState({ from: source, to: url }))).toBe("TK_ERR_STATE_COPY_TARGET_NOT_EMPTY");
    expect(await query(url, "SELECT key FROM tokens")).toEqual([{ key: "k" }]);
    expect(await query(url, "SELECT * FROM jobs")).toEqual([]);

    const other = filledState(tmp.dir(), "other.db");
    const before = dumpSqlite(other);
    expect(await refusal(copyState({ from: url, to: other }))).toBe("TK_ERR_STATE_COPY_TARGET_NOT_EMPTY");
    expect(dumpSqlite(other)).toEqual(before);
  }, 60_000);

  it("refuses a source a daemon holds: the SQLite daemon lock, live PostgreSQL replicas", async () => {
    const source = filledState(tmp.dir());
    const daemon = openStore(source, { lock: true });
    const url = await server().createDatabase();
    try {
      expect(await refusal(copyState({ from: source, to: url }))).toBe("TK_ERR_STATE_COPY_IN_USE");
    } finally {
      daemon.close();
    }
    expect(
      await query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
    ).toEqual([]);

    await copyState({ from: source, to: url });
    const pool = new pg.Pool({ connectionString: url });
    const coordinator = new PostgresCoordinator({ pool });
    await coordinator.ensureSchema();
    await coordinator.heartbeat({ id: "r1", host: "vps-1", pid: 4242, startedAt: Date.now() }, Date.now());
    try {
      const target = join(tmp.dir(), "new.db");
      expect(await refusal(copyState({ from: url, to: target }))).toBe("TK_ERR_STATE_COPY_IN_USE");
      expect(existsSync(target)).toBe(false);
      // a replica gone for longer than the heartbeat timeout does not hold the database
      await pool.query("UPDATE cluster_replicas SET last_seen_at = 0");
      const copied = await copyState({ from: url, to: target });
      expect(copied.tables.map((t) => t.table)).not.toContain("cluster_replicas");
    } finally {
      await pool.end();
    }
  }, 60_000);

  it("rolls back a copy the target refuses midway: no row committed, TK_ERR_STATE_COPY_FAILED", async () => {
    const source = filledState(tmp.dir());
    const db = new BetterSqlite3(source);
    // PostgreSQL text cannot hold NUL: the last table copied (webhook_seen) fails after the others were written
    db.prepare("INSERT INTO webhook_seen (source, notification_id, seen_at) VALUES ('tokopedia', ?, 1)").run(
      "bad\u0000id",
    );
    db.close();
    const url = await server().createDatabase();
    expect(await refusal(copyState({ from: source, to: url, batchSize: 7 }))).toBe(
      "TK_ERR_STATE_COPY_FAILED",
    );
    for (const table of ["jobs", "tokens", "inbound_messages", "webhook_seen"])
      expect({ table, rows: await query(url, `SELECT * FROM ${table}`) }).toEqual({ table, rows: [] });
  }, 60_000);

  it("refuses a source written by a newer tokokommo, and a target at another schema version", async () => {
    const source = filledState(tmp.dir());
    const db = new BetterSqlite3(source);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)").run(
      LATEST_SCHEMA_VERSION + 1,
    );
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const url = await server().createDatabase();
    expect(await refusal(copyState({ from: source, to: url }))).toBe("TK_ERR_STATE_TOO_NEW");
    expect(
      await query(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
    ).toEqual([]);

    // an older install (schema 7) into an empty database already at the latest schema: versions differ
    const old = join(tmp.dir(), "old.db");
    const oldDb = new BetterSqlite3(old);
    for (const m of MIGRATIONS.slice(0, 7)) m.up(oldDb);
    oldDb.exec(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    );
    for (const m of MIGRATIONS.slice(0, 7))
      oldDb.prepare("INSERT INTO schema_migrations VALUES (?, ?, 0)").run(m.version, m.name);
    oldDb.pragma("user_version = 7");
    oldDb.pragma(`application_id = ${0x546b6b6d}`);
    oldDb.exec("INSERT INTO tokens (key, value_json, updated_at) VALUES ('k', '{}', 1)");
    oldDb.close();
    const latest = await server().createDatabase();
    await (await PostgresEngineStore.open(latest)).close();
    expect(await refusal(copyState({ from: old, to: latest }))).toBe("TK_ERR_STATE_COPY_SCHEMA");
    // into an empty database it copies at schema 7, which the next daemon start upgrades
    const fresh = await server().createDatabase();
    const copied = await copyState({ from: old, to: fresh });
    expect(copied.schemaVersion).toBe(7);
    const versions = await query<{ v: number }>(fresh, "SELECT MAX(version) AS v FROM schema_migrations");
    expect(versions).toEqual([{ v: 7 }]);

    // a database whose tables were changed by hand: refused, and the new file made for it is gone again
    await query(fresh, "ALTER TABLE tokens ADD COLUMN extra TEXT");
    const file = join(tmp.dir(), "from-altered.db");
    expect(await refusal(copyState({ from: fresh, to: file }))).toBe("TK_ERR_STATE_COPY_SCHEMA");
    for (const suffix of ["", "-wal", "-shm", ".lock"]) expect(existsSync(`${file}${suffix}`)).toBe(false);
  }, 60_000);
});
