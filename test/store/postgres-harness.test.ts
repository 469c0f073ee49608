import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { queryOnce, sharedPostgres, usePostgres } from "../helpers/postgres.js";

describe("test PostgreSQL harness", () => {
  const server = usePostgres({ own: true });

  it("starts a real server and hands out separate empty databases", async () => {
    const a = await server().createDatabase();
    const b = await server().createDatabase();
    expect(a).not.toBe(b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    try {
      const r = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      expect(r.rows[0]?.v).toMatch(/^\d+/);
      await client.query("CREATE TABLE t (id int PRIMARY KEY)");
      await client.query("INSERT INTO t VALUES (1)");
    } finally {
      await client.end();
    }
    const other = new pg.Client({ connectionString: b });
    await other.connect();
    try {
      const r = await other.query("SELECT to_regclass('t') AS t");
      expect(r.rows[0]?.t).toBeNull();
    } finally {
      await other.end();
    }
  });
});

describe("the test run's shared PostgreSQL server", () => {
  it("hands each caller its own databases, refuses to be paused, and drops the caller's databases at stop", async () => {
    const mine = await sharedPostgres();
    const theirs = await sharedPostgres();
    // The global setup's server, not a fallback of this file's own.
    expect(mine.port).toBe(inject("sharedPostgres")?.port);
    expect(theirs.port).toBe(mine.port);
    const a = await mine.createDatabase();
    const b = await theirs.createDatabase();
    expect(a).not.toBe(b);
    expect(() => mine.pause()).toThrow(/usePostgres\(\{ own: true \}\)/);
    const exists = async (url: string) =>
      (
        await queryOnce<{ n: number }>(
          mine.adminUrl,
          "SELECT count(*)::int AS n FROM pg_database WHERE datname = $1",
          [new URL(url).pathname.slice(1)],
        )
      )[0]?.n;
    expect(await exists(a)).toBe(1);
    await mine.stop();
    expect(await exists(a)).toBe(0);
    expect(await exists(b)).toBe(1);
    await theirs.stop();
    expect(await exists(b)).toBe(0);
  });
});
