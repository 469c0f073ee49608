import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

describe("test PostgreSQL harness", () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("starts a real server and hands out separate empty databases", async () => {
    const a = await server.createDatabase();
    const b = await server.createDatabase();
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
