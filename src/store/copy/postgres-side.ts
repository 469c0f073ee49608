/**
 * The PostgreSQL database as either end of `state copy`, on one connection of a small pool. The source is read in
 * one REPEATABLE READ, READ ONLY transaction (a consistent snapshot) through cursors; the target is written in one
 * transaction that first locks every state table against other writers. A database where replicas are alive
 * (a heartbeat younger than the timeout in the cluster tables) is refused: they are running on it.
 */
import type pg from "pg";
import pgTypes from "pg";
import { PostgresCoordinator } from "../../cluster/postgres.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "../migrations/index.js";
import { openPool } from "../postgres/connection.js";
import { applyPgMigrations, inspectDatabase } from "../postgres/migrate.js";
import { redactStateUrl } from "../state-location.js";
import { copyInUse, sourceEmpty } from "./errors.js";
import { type CopySource, type CopyTarget, ident, NOT_COPIED, type TableShape } from "./side.js";

/** int8 as BigInt (the store's own pool reads it as a JS number, which rounds beyond 2^53); the rest as usual. */
const EXACT: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pgTypes.types.builtins.INT8
      ? (value: string) => BigInt(value)
      : pgTypes.types.getTypeParser(oid, format ?? "text")) as pg.CustomTypesConfig["getTypeParser"],
};

/** Bind parameters per INSERT stay well under PostgreSQL's limit of 65535. */
const MAX_PARAMS = 30_000;

export class PostgresSide implements CopySource, CopyTarget {
  private cursors = 0;

  private constructor(
    readonly location: string,
    private readonly url: string,
    private readonly pool: pg.Pool,
    private readonly client: pg.PoolClient,
  ) {}

  static async open(url: string, role: "source" | "target", env?: NodeJS.ProcessEnv): Promise<PostgresSide> {
    const location = redactStateUrl(url);
    const pool = await openPool(url, { max: 2, ...(env ? { env } : {}) });
    try {
      const version = await inspectDatabase(pool, url, LATEST_SCHEMA_VERSION); // refuses newer or foreign
      if (role === "source" && version === 0) throw sourceEmpty(location);
      await refuseLiveReplicas(pool, location);
      const client = await pool.connect();
      // A connection lost mid-copy fails the statement in flight (and so the copy); the 'error' event it also
      // raises on the client must not end the process.
      client.on("error", () => undefined);
      if (role === "source") await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      return new PostgresSide(location, url, pool, client);
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  async schemaVersion(): Promise<number> {
    if (!(await this.hasTable("schema_migrations"))) return 0;
    const { rows } = await this.client.query(
      "SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations",
    );
    return Number(rows[0]?.v ?? 0);
  }

  async tables(): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    return rows.map((r) => r.name).filter((t) => !NOT_COPIED.has(t));
  }

  async shape(table: string): Promise<TableShape> {
    const cols = await this.client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [table],
    );
    const key = await this.client.query<{ name: string }>(
      `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = $1::regclass AND i.indisprimary
       ORDER BY array_position(i.indkey::int2[], a.attnum)`,
      [ident(table)],
    );
    return { table, columns: cols.rows.map((r) => r.name), key: key.rows.map((r) => r.name) };
  }

  async count(table: string): Promise<number> {
    const { rows } = await this.client.query(`SELECT COUNT(*)::int AS n FROM ${ident(table)}`);
    return Number(rows[0]?.n ?? 0);
  }

  async *rows(shape: TableShape, batchSize: number): AsyncIterable<unknown[][]> {
    const cursor = `copy_${++this.cursors}`;
    const order = shape.key.length > 0 ? ` ORDER BY ${shape.key.map(ident).join(", ")}` : "";
    const cols = shape.columns.map(ident).join(", ");
    await this.client.query(
      `DECLARE ${cursor} NO SCROLL CURSOR FOR SELECT ${cols} FROM ${ident(shape.table)}${order}`,
    );
    try {
      for (;;) {
        const batch = await this.client.query({
          text: `FETCH ${Math.max(1, batchSize)} FROM ${cursor}`,
          rowMode: "array",
          types: EXACT,
        });
        if (batch.rows.length === 0) return;
        yield batch.rows as unknown[][];
      }
    } finally {
      await this.client.query(`CLOSE ${cursor}`);
    }
  }

  async idHighWater(table: string): Promise<bigint | undefined> {
    let high: bigint | undefined;
    for (const column of await this.idColumns(table)) {
      const { rows } = await this.client.query({
        text: `SELECT s.last_value FROM pg_sequences s
               WHERE format('%I.%I', s.schemaname, s.sequencename) = pg_get_serial_sequence($1, $2)`,
        values: [ident(table), column],
        types: EXACT,
      });
      const value = rows[0]?.last_value as bigint | null | undefined;
      if (value !== null && value !== undefined && (high === undefined || value > high)) high = value;
    }
    return high;
  }

  async nonEmpty(): Promise<Array<{ table: string; rows: number }>> {
    const counts = [];
    for (const table of await this.tables()) counts.push({ table, rows: await this.count(table) });
    return counts.filter((c) => c.rows > 0);
  }

  async migrateTo(version: number): Promise<void> {
    await applyPgMigrations(this.pool, this.url, MIGRATIONS.slice(0, version), Date.now());
  }

  async begin(tables: string[]): Promise<void> {
    await this.client.query("BEGIN ISOLATION LEVEL READ COMMITTED");
    // EXCLUSIVE: others may still read, nobody else writes these tables until the copy commits or rolls back.
    if (tables.length > 0)
      await this.client.query(`LOCK TABLE ${tables.map(ident).join(", ")} IN EXCLUSIVE MODE`);
  }

  async insert(shape: TableShape, rows: unknown[][]): Promise<number> {
    const width = shape.columns.length;
    const per = Math.max(1, Math.floor(MAX_PARAMS / width));
    const cols = shape.columns.map(ident).join(", ");
    let written = 0;
    for (let start = 0; start < rows.length; start += per) {
      const chunk = rows.slice(start, start + per);
      const tuples = chunk.map(
        (_, r) => `(${shape.columns.map((__, c) => `$${r * width + c + 1}`).join(", ")})`,
      );
      const result = await this.client.query(
        `INSERT INTO ${ident(shape.table)} (${cols}) VALUES ${tuples.join(", ")}`,
        chunk.flat(),
      );
      written += result.rowCount ?? 0;
    }
    return written;
  }

  /** Each id column's sequence set to the larger of the table's largest id and `highWater` (explicit ids skip it). */
  async continueIds(table: string, highWater: bigint | undefined): Promise<void> {
    for (const column of await this.idColumns(table)) {
      const col = ident(column);
      await this.client.query(
        `SELECT CASE WHEN m.v >= 1 THEN setval(pg_get_serial_sequence($1, $2), m.v, true)
                     ELSE setval(pg_get_serial_sequence($1, $2), 1, false) END
         FROM (SELECT GREATEST(COALESCE(MAX(${col}), 0), $3::bigint) AS v FROM ${ident(table)}) m`,
        [ident(table), column, (highWater ?? 0n).toString()],
      );
    }
  }

  async commit(): Promise<void> {
    await this.client.query("COMMIT");
  }

  async rollback(): Promise<void> {
    await this.client.query("ROLLBACK").catch(() => {});
  }

  async close(): Promise<void> {
    try {
      await this.client.query("ROLLBACK").catch(() => {}); // a no-op after COMMIT; ends a read snapshot
      this.client.release();
    } finally {
      await this.pool.end();
    }
  }

  private async idColumns(table: string): Promise<string[]> {
    const { rows } = await this.client.query<{ name: string }>(
      `SELECT column_name AS name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1
         AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`,
      [table],
    );
    return rows.map((r) => r.name);
  }

  private async hasTable(name: string): Promise<boolean> {
    const { rows } = await this.client.query("SELECT to_regclass($1) IS NOT NULL AS ok", [ident(name)]);
    return rows[0]?.ok === true;
  }
}

/** TK_ERR_STATE_COPY_IN_USE when replicas wrote a heartbeat recently (only where the cluster tables exist). */
async function refuseLiveReplicas(pool: pg.Pool, location: string): Promise<void> {
  const { rows } = await pool.query("SELECT to_regclass('cluster_replicas') IS NOT NULL AS ok");
  if (rows[0]?.ok !== true) return;
  const alive = await new PostgresCoordinator({ pool }).aliveReplicas(Date.now());
  if (alive.length === 0) return;
  const who = alive.map((r) => `pid ${r.pid} on ${r.host}`).join(", ");
  throw copyInUse(location, `${alive.length} running replica(s): ${who}`);
}
