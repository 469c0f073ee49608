import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import {
  APPLICATION_ID,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  type Migration,
  openStore,
} from "../../src/store/index.js";
import { applyMigrations, assertMigrationOrder } from "../../src/store/migrate.js";
import { catchTk, useTempDir } from "./helpers.js";

const tmp = useTempDir();

/** A healthy state file with enough rows to span many pages, closed cleanly. */
function makeFilledStateFile(path: string): void {
  const store = openStore(path);
  for (let i = 0; i < 3000; i++) {
    store.jobs.enqueue({
      kind: "sync_room",
      orderingKey: `sync:k${i % 50}`,
      payload: { n: i, pad: "x".repeat(80) },
    });
  }
  store.close();
}

function expectRefusedUntouched(path: string, code: string): void {
  const before = readFileSync(path);
  const siblingsBefore = readdirSync(tmp.dir()).sort();
  const err = catchTk(() => openStore(path));
  expect(isTkError(err)).toBe(true);
  expect(err.code).toBe(code);
  expect(err.exitCode).toBe(1);
  expect(err.fix).toMatch(/never overwrites it/);
  expect(readFileSync(path).equals(before)).toBe(true);
  // A refused file gets no journal companions either (so nothing can be replayed into it later).
  expect(readdirSync(tmp.dir()).sort()).toEqual(siblingsBefore);
}

describe("openStore: new and existing files", () => {
  it("creates the parent directory, sets WAL and the connection pragmas, and applies every migration", () => {
    const path = join(tmp.dir(), "nested", "deeper", "state.db");
    const store = openStore(path);
    expect(existsSync(path)).toBe(true);
    expect(store.journalMode()).toBe("wal");
    expect(store.db.pragma("synchronous", { simple: true })).toBe(1); // NORMAL
    expect(store.db.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(store.db.pragma("busy_timeout", { simple: true })).toBe(5000);
    expect(store.db.pragma("application_id", { simple: true })).toBe(APPLICATION_ID);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    const recorded = store.db.prepare("SELECT version, name FROM schema_migrations ORDER BY version").all();
    expect(recorded).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
    const tables = store.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => (r as { name: string }).name);
    for (const t of ["tokens", "rooms", "inbound_messages", "outbound_replies", "sent_echoes", "jobs"]) {
      expect(tables).toContain(t);
    }
    expect(tables).toEqual(expect.arrayContaining(["shop_status", "webhook_seen", "schema_migrations"]));
    store.close();
  });

  it("re-opening is idempotent: no migration runs twice and data survives", () => {
    const path = join(tmp.dir(), "state.db");
    const first = openStore(path);
    const appliedAt = first.db.prepare("SELECT version, applied_at FROM schema_migrations").all();
    first.jobs.enqueue({ kind: "sync_room" }, 1000);
    first.close();

    const second = openStore(path);
    expect(second.db.prepare("SELECT version, applied_at FROM schema_migrations").all()).toEqual(appliedAt);
    expect(second.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(second.jobs.get(1)?.kind).toBe("sync_room");
    second.close();
  });

  it("accepts an empty (0-byte) file as a new database", () => {
    const path = join(tmp.dir(), "empty.db");
    writeFileSync(path, "");
    const store = openStore(path);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    store.close();
  });

  it("integrityCheck() reports ok on a healthy file", () => {
    const store = tmp.open();
    expect(store.integrityCheck()).toEqual({ ok: true, problems: [] });
  });
});

describe("openStore: refusals leave the file untouched", () => {
  it("refuses a file that is not SQLite", () => {
    const path = join(tmp.dir(), "state.db");
    writeFileSync(path, '{"this": "is a JSON config, not a database", "pad": "' + "y".repeat(200) + '"}');
    expectRefusedUntouched(path, "TK_ERR_STATE_NOT_SQLITE");
  });

  it("refuses a short file that starts like SQLite but cannot be one", () => {
    const path = join(tmp.dir(), "state.db");
    writeFileSync(path, "SQLite format 3\0");
    expectRefusedUntouched(path, "TK_ERR_STATE_NOT_SQLITE");
  });

  it("refuses an SQLite file with garbage written over its data pages", () => {
    const path = join(tmp.dir(), "state.db");
    makeFilledStateFile(path);
    const buf = readFileSync(path);
    const pageSize = buf.readUInt16BE(16);
    expect(buf.length).toBeGreaterThan(pageSize * 8);
    for (let i = pageSize * 2; i < pageSize * 6; i++) buf[i] = (i * 7919 + 13) & 0xff;
    writeFileSync(path, buf);
    expectRefusedUntouched(path, "TK_ERR_STATE_CORRUPT");
  });

  it("refuses an SQLite file whose first page is damaged after the magic header", () => {
    const path = join(tmp.dir(), "state.db");
    makeFilledStateFile(path);
    const buf = readFileSync(path);
    for (let i = 16; i < 100; i++) buf[i] = 0xff;
    writeFileSync(path, buf);
    expectRefusedUntouched(path, "TK_ERR_STATE_CORRUPT");
  });

  it("refuses a file written by a newer tokokommo (schema_migrations beyond what we know)", () => {
    const path = join(tmp.dir(), "state.db");
    const future: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: "from-the-future",
      up: (db) => db.exec("CREATE TABLE future_things (x TEXT)"),
      postgres: "CREATE TABLE future_things (x TEXT)",
    };
    const db = new BetterSqlite3(path);
    applyMigrations(db, path, [...MIGRATIONS, future], 1);
    db.close();
    expectRefusedUntouched(path, "TK_ERR_STATE_TOO_NEW");
  });

  it("refuses a file whose user_version alone is beyond what we know", () => {
    const path = join(tmp.dir(), "state.db");
    openStore(path).close();
    const db = new BetterSqlite3(path);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    db.close();
    expectRefusedUntouched(path, "TK_ERR_STATE_TOO_NEW");
  });

  it("refuses a too-new file that has a write-ahead log beside it, without checkpointing the log into it", () => {
    const path = join(tmp.dir(), "state.db");
    openStore(path).close();
    const writer = new BetterSqlite3(path);
    writer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    writer.pragma("wal_autocheckpoint = 0");
    writer.exec("CREATE TABLE newer_stuff (x TEXT); INSERT INTO newer_stuff VALUES ('only in the WAL')");
    // Simulate a crash of the newer writer: copy its files while it is open, so the copy has a populated -wal.
    const crashed = join(tmp.dir(), "crashed.db");
    copyFileSync(path, crashed);
    copyFileSync(`${path}-wal`, `${crashed}-wal`);
    writer.close();
    const before = readFileSync(crashed);
    expect(statSync(`${crashed}-wal`).size).toBeGreaterThan(0);
    expect(catchTk(() => openStore(crashed)).code).toBe("TK_ERR_STATE_TOO_NEW");
    expect(readFileSync(crashed).equals(before)).toBe(true);
  });

  it("refuses another program's SQLite database", () => {
    const path = join(tmp.dir(), "state.db");
    const db = new BetterSqlite3(path);
    db.exec(
      "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers VALUES (1, 'x')",
    );
    db.close();
    expectRefusedUntouched(path, "TK_ERR_STATE_NOT_OURS");

    const other = join(tmp.dir(), "other.db");
    const db2 = new BetterSqlite3(other);
    db2.pragma("application_id = 12345");
    db2.close();
    expect(catchTk(() => openStore(other)).code).toBe("TK_ERR_STATE_NOT_OURS");
  });

  it("refuses a directory with TK_ERR_STATE_OPEN_FAILED", () => {
    const path = join(tmp.dir(), "adir");
    mkdirSync(path);
    expect(catchTk(() => openStore(path)).code).toBe("TK_ERR_STATE_OPEN_FAILED");
    expect(statSync(path).isDirectory()).toBe(true);
  });
});

describe("openStore: read-only", () => {
  it("refuses a missing file without creating it", () => {
    const path = join(tmp.dir(), "missing", "state.db");
    expect(catchTk(() => openStore(path, { readonly: true })).code).toBe("TK_ERR_STATE_MISSING");
    expect(existsSync(join(tmp.dir(), "missing"))).toBe(false);
  });

  it("reads an existing file and refuses writes", () => {
    const path = join(tmp.dir(), "state.db");
    const rw = openStore(path);
    rw.webhooks.seenOnce("tiktokshop", "n1", 1);
    rw.close();
    const ro = openStore(path, { readonly: true });
    expect(ro.readonly).toBe(true);
    expect(ro.jobs.counts()).toEqual([]);
    expect(() => ro.webhooks.seenOnce("tiktokshop", "n2", 2)).toThrow(/readonly/i);
    ro.close();
  });

  it("refuses a file that still needs migrations (TK_ERR_STATE_OUTDATED) and does not migrate it", () => {
    const path = join(tmp.dir(), "state.db");
    const db = new BetterSqlite3(path);
    applyMigrations(db, path, [], 1); // our bookkeeping table, no steps yet
    db.close();
    const before = readFileSync(path);
    expect(catchTk(() => openStore(path, { readonly: true })).code).toBe("TK_ERR_STATE_OUTDATED");
    expect(readFileSync(path).equals(before)).toBe(true);
  });
});

describe("migrations", () => {
  it("are numbered 1, 2, 3... without gaps (append-only)", () => {
    expect(() => assertMigrationOrder(MIGRATIONS)).not.toThrow();
    expect(MIGRATIONS.at(-1)?.version).toBe(LATEST_SCHEMA_VERSION);
    const gap: Migration[] = [MIGRATIONS[0]!, { version: 3, name: "gap", up: () => {}, postgres: "" }];
    expect(() => assertMigrationOrder(gap)).toThrow(/expected 2/);
  });

  it("3 upgrades a version-2 file: its jobs stay claimable and the queue's reads use the remaining indexes", () => {
    const path = join(tmp.dir(), "state.db");
    const v2 = new BetterSqlite3(path);
    v2.pragma("journal_mode = WAL");
    applyMigrations(v2, path, MIGRATIONS.slice(0, 2), 1);
    const insert = v2.prepare(
      `INSERT INTO jobs (kind, ordering_key, state, run_after, shop_key, created_at, updated_at)
       VALUES (?, ?, ?, 0, 'tokopedia:1', 0, 0)`,
    );
    insert.run("sync_room", "sync:tokopedia:1:7", "pending");
    insert.run("deliver_to_kommo", "to_kommo:tokopedia:1:7", "dead");
    v2.close();

    const store = openStore(path);
    try {
      expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      const names = store.db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' ORDER BY name")
        .pluck()
        .all();
      expect(names).toEqual(["jobs_open_by_key", "jobs_pending", "jobs_unfinished_by_shop"]);
      expect(store.jobs.listDead().map((j) => j.kind)).toEqual(["deliver_to_kommo"]);
      expect(store.jobs.counts()).toEqual([{ shopKey: "tokopedia:1", pending: 1, running: 0, dead: 1 }]);
      expect(store.jobs.claimNext({ now: 1, leaseMs: 1000, limit: 5 }).map((j) => j.kind)).toEqual([
        "sync_room",
      ]);
      expect(store.jobs.releaseExpiredLeases(10_000)).toBe(1);
      const plan = (sql: string) =>
        store.db
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all()
          .map((r) => (r as { detail: string }).detail)
          .join(" | ");
      // Status reads only unfinished jobs, never the (large) history of done ones.
      expect(
        plan(
          "SELECT shop_key, COUNT(*) FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY shop_key",
        ),
      ).toContain("jobs_unfinished_by_shop");
    } finally {
      store.close();
    }
  });

  it("4 upgrades a version-3 file: a job left running by the older build is swept back and claimed with a token", () => {
    const path = join(tmp.dir(), "state.db");
    const v3 = new BetterSqlite3(path);
    v3.pragma("journal_mode = WAL");
    applyMigrations(v3, path, MIGRATIONS.slice(0, 3), 1);
    v3.prepare(
      `INSERT INTO jobs (kind, ordering_key, state, run_after, lease_until, created_at, updated_at)
       VALUES ('sync_room', 'k', 'running', 0, 500, 0, 0)`,
    ).run();
    v3.close();

    const store = openStore(path);
    try {
      expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(store.jobs.get(1)).toMatchObject({ state: "running", leaseToken: null });
      expect(store.jobs.releaseExpiredLeases(1_000)).toBe(1);
      const [job] = store.jobs.claimNext({ now: 1_001, leaseMs: 1_000, limit: 1 });
      expect(job).toMatchObject({ id: 1, state: "running", leaseToken: expect.any(String) });
      expect(store.jobs.complete(job!, 1_002)).toBe(true);
    } finally {
      store.close();
    }
  });

  it("a failing step is rolled back whole and reported as TK_ERR_STATE_MIGRATION_FAILED", () => {
    const path = join(tmp.dir(), "state.db");
    openStore(path).close();
    const broken: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: "broken",
      up: (db) => {
        db.exec("CREATE TABLE half_done (x TEXT)");
        db.exec("THIS IS NOT SQL");
      },
      postgres: "THIS IS NOT SQL",
    };
    const db = new BetterSqlite3(path);
    const err = catchTk(() => applyMigrations(db, path, [...MIGRATIONS, broken], 2));
    expect(err.code).toBe("TK_ERR_STATE_MIGRATION_FAILED");
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get()).toBeUndefined();
    expect(db.pragma("user_version", { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it("an up-to-date file opens while another process holds its write lock (a backup, a sqlite3 session)", () => {
    const path = join(tmp.dir(), "state.db");
    openStore(path).close();
    const other = new BetterSqlite3(path);
    other.exec("BEGIN IMMEDIATE");
    try {
      const store = openStore(path, { busyTimeoutMs: 50, lock: true });
      expect(store.db.pragma("user_version", { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      store.close();
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("a due step whose write lock another process holds is TK_ERR_STATE_BUSY, and nothing changes", () => {
    const path = join(tmp.dir(), "state.db");
    openStore(path).close();
    const next: Migration = {
      version: LATEST_SCHEMA_VERSION + 1,
      name: "next",
      up: (db) => db.exec("CREATE TABLE next_step (x TEXT)"),
      postgres: "CREATE TABLE next_step (x TEXT)",
    };
    const other = new BetterSqlite3(path);
    other.exec("BEGIN IMMEDIATE");
    const db = new BetterSqlite3(path, { timeout: 50 });
    try {
      const err = catchTk(() => applyMigrations(db, path, [...MIGRATIONS, next], 2));
      expect(err.code).toBe("TK_ERR_STATE_BUSY");
      expect(err.fix).toMatch(/fuser|lsof/);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'next_step'").get()).toBeUndefined();
    db.close();
  });
});
