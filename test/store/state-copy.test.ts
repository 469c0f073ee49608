/**
 * `state copy` between an SQLite file and PostgreSQL: a state filled by the real store goes to PostgreSQL and back
 * to a new file with every row identical (ids, int64 values beyond 2^53, AUTOINCREMENT high-water marks); refusals
 * (a non-empty target, a daemon on the source, a newer source, a target at another schema version) change nothing.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { isTkError } from "../../src/errors/index.js";
import { copyState } from "../../src/store/copy/copy-state.js";
import { ImportRepo } from "../../src/store/imports.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../../src/store/migrations/index.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { openStore } from "../../src/store/store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { useTempDir } from "./helpers.js";

const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number
const room = { source: "tokopedia" as const, shopId: "481154", roomId: "9001" };

/** A state file with a row in every table the daemon writes, through the store's own repositories. */
function fillState(path: string): void {
  const store = openStore(path);
  try {
    const now = 1_700_000_000_000;
    store.rooms.upsertRoom({ ...room, conversationId: "tkp:481154:9001" }, now);
    store.rooms.markDirty(room, now + 1);
    for (let i = 0; i < 30; i++)
      store.inbound.insertInboundWithJob(
        {
          ...room,
          platformMessageId: `m${i}`,
          kommoMsgid: `tkp:481154:9001:m${i}`,
          sender: "buyer",
          content: { type: "text", text: `halo ${i} ünïcødé 🙂` },
          sentAt: now + i,
        },
        {},
        now + i,
      );
    const reply = store.outbound.insertReplyWithJob(
      { scopeId: "scope-1", amojoMessageId: "amojo-1", room, content: { type: "text", text: "jawab" } },
      {},
      now,
    );
    store.outbound.markSent(reply.id, ["p1"], now + 5);
    store.echoes.rememberSent(room, { platformMessageIds: ["p1"], text: "jawab", sentAt: now + 5 });
    const [claimed] = store.jobs.claimNext({ now: now + 100, leaseMs: 1000, limit: 1 });
    store.jobs.kill(claimed!.id, "refused for good", { code: "TK_ERR_INTERNAL", now: now + 101 });
    // done jobs pruned: the AUTOINCREMENT high-water mark stays above every remaining id
    const done = store.jobs.enqueue({ kind: "sync_room", orderingKey: "x" }, now);
    const [doneClaim] = store.jobs.claimNext({
      now: now + 200,
      leaseMs: 1000,
      limit: 50,
      kinds: ["sync_room"],
    });
    store.jobs.complete({ id: done, leaseToken: doneClaim!.leaseToken! }, now + 201);
    store.jobs.pruneDone(now + 300);
    store.tokens.save("kommo:acme", {
      accessToken: "ACCESS-SECRET-abc",
      refreshToken: "REFRESH-SECRET-xyz",
      expiresAt: now + 86_400_000,
      obtainedAt: now,
    });
    store.callCounts.add({ source: "tiktokshop", shopId: "7000" }, now, 42, now);
    store.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: "481154" }, now);
    store.webhooks.seenOnce("tokopedia", "notif-1", now);
    const key = { ...room };
    store.orderNotes.start({ ...key, buyerId: "b1", amojoChatId: "chat-1", at: now });
    store.orderNotes.saved(
      key,
      { leadId: 12345, noteId: 67890, noteText: "orders", orderIds: ["INV/1"] },
      now,
    );
    store.orderNotes.countCall("tokopedia", "481154", now);
    const imports = new ImportRepo(store.db);
    imports.recordMessage(
      { ...room, roomId: "9002" },
      {
        platformMessageId: "old-1",
        kommoMsgid: "k-old-1",
        sender: "buyer",
        contentJson: "{}",
        sentAt: now - 5,
      },
      true,
      now,
    );
    imports.finish({ ...room, roomId: "9002" }, now - 5, now);
    // an int64 beyond 2^53 (Kommo ids are int64): must survive both backends exactly
    store.db.prepare("UPDATE lead_order_notes SET note_id = ?").run(BIG);
    store.db.exec(
      "INSERT INTO webhook_fallbacks (source, shop_id, room_id, message_id, message_json, received_at) VALUES ('tokopedia', '481154', '9001', 'w1', '{}', 1)",
    );
  } finally {
    store.close();
  }
}

type Rows = Record<string, unknown[][]>;

/** Every row of every table (bigints exact), each table ordered by all its columns; plus sqlite_sequence. */
function dumpSqlite(path: string): Rows {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' ORDER BY 1",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const out: Rows = {};
    for (const t of tables) {
      const n = (db.prepare(`SELECT COUNT(*) AS n FROM pragma_table_info('${t}')`).get() as { n: number }).n;
      const order = Array.from({ length: n }, (_, i) => i + 1).join(", ");
      out[t] = db
        .prepare(`SELECT * FROM "${t}" ORDER BY ${order}`)
        .raw(true)
        .safeIntegers(true)
        .all() as unknown[][];
    }
    return out;
  } finally {
    db.close();
  }
}

async function query<R = Record<string, unknown>>(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as R[];
  } finally {
    await client.end();
  }
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isTkError(err) ? err.code : `not a TkError: ${String(err)}`;
}

describe("state copy between SQLite and PostgreSQL", () => {
  const tmp = useTempDir();
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it("copies a filled state to PostgreSQL and back to a new file with every row identical", async () => {
    const source = join(tmp.dir(), "state.db");
    fillState(source);
    const url = await server.createDatabase();
    const there = await copyState({ from: source, to: url });
    expect(there.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    const jobs = there.tables.find((t) => t.table === "jobs");
    expect(jobs).toEqual({ table: "jobs", read: 31, written: 31 });
    for (const t of there.tables) expect(t.written).toBe(t.read);

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
    const source = join(tmp.dir(), "state.db");
    fillState(source);
    const url = await server.createDatabase();
    const store = await PostgresEngineStore.open(url);
    await store.close();
    await query(url, "INSERT INTO tokens (key, value_json, updated_at) VALUES ('k', '{}', 1)");
    expect(await refusal(copyState({ from: source, to: url }))).toBe("TK_ERR_STATE_COPY_TARGET_NOT_EMPTY");
    expect(await query(url, "SELECT key FROM tokens")).toEqual([{ key: "k" }]);
    expect(await query(url, "SELECT * FROM jobs")).toEqual([]);

    const other = join(tmp.dir(), "other.db");
    fillState(other);
    const before = dumpSqlite(other);
    expect(await refusal(copyState({ from: url, to: other }))).toBe("TK_ERR_STATE_COPY_TARGET_NOT_EMPTY");
    expect(dumpSqlite(other)).toEqual(before);
  }, 60_000);

  it("refuses a source a daemon holds: the SQLite daemon lock, live PostgreSQL replicas", async () => {
    const source = join(tmp.dir(), "state.db");
    fillState(source);
    const daemon = openStore(source, { lock: true });
    const url = await server.createDatabase();
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

  it("refuses a source written by a newer tokokommo, and a target at another schema version", async () => {
    const source = join(tmp.dir(), "state.db");
    fillState(source);
    const db = new BetterSqlite3(source);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)").run(
      LATEST_SCHEMA_VERSION + 1,
    );
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const url = await server.createDatabase();
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
    const latest = await server.createDatabase();
    await (await PostgresEngineStore.open(latest)).close();
    expect(await refusal(copyState({ from: old, to: latest }))).toBe("TK_ERR_STATE_COPY_SCHEMA");
    // into an empty database it copies at schema 7, which the next daemon start upgrades
    const fresh = await server.createDatabase();
    const copied = await copyState({ from: old, to: fresh });
    expect(copied.schemaVersion).toBe(7);
    const versions = await query<{ v: number }>(fresh, "SELECT MAX(version) AS v FROM schema_migrations");
    expect(versions).toEqual([{ v: 7 }]);
  }, 60_000);
});
