/**
 * `tokokommo state copy` as operators run it (the built binary): --json output, progress on stderr, refusals with
 * their codes, and neither the database password nor a stored token in anything it prints.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/store.js";
import { runCli } from "../helpers/cli.js";
import { filledState, SECRETS } from "../helpers/filled-state.js";
import { usePostgres } from "../helpers/postgres.js";
import { useTempDir } from "./helpers.js";

const PASSWORD = "pw-Sup3rSecret";

/** The database URL with a password in it (the test server trusts loopback, so any password is accepted). */
const withPassword = (url: string) => url.replace("postgres@", `postgres:${PASSWORD}@`);

function expectNoSecrets(run: { stdout: string; stderr: string }): void {
  for (const secret of [PASSWORD, ...SECRETS]) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

describe("tokokommo state copy", () => {
  const tmp = useTempDir();
  const server = usePostgres();

  it("copies to PostgreSQL and back with --json: per-table counts and the time taken, no secrets", async () => {
    const source = filledState(tmp.dir());
    const url = withPassword(await server().createDatabase());
    const there = runCli(["state", "copy", "--from", source, "--to", url, "--json"]);
    expectNoSecrets(there);
    expect(there.status).toBe(0);
    const report = JSON.parse(there.stdout);
    expect(Object.keys(report).sort()).toEqual(["from", "rows", "schemaVersion", "tables", "to", "tookMs"]);
    expect(report.from).toBe(source);
    expect(report.to).toContain("[redacted]");
    expect(report.tables).toContainEqual({ table: "jobs", read: 31, written: 31 });
    expect(report.tables).toContainEqual({ table: "tokens", read: 1, written: 1 });
    expect(report.rows).toBe(report.tables.reduce((n: number, t: { written: number }) => n + t.written, 0));
    expect(typeof report.tookMs).toBe("number");
    expect(there.stderr).toMatch(/jobs\s+31\/31/); // progress goes to stderr, stdout stays JSON

    const back = join(tmp.dir(), "back.db");
    const home = runCli(["state", "copy", "--from", url, "--to", back]);
    expectNoSecrets(home);
    expect(home.status).toBe(0);
    expect(home.stdout).toMatch(/jobs\s+31/);
    expect(home.stdout).toContain("statePath");
  }, 60_000);

  it("refuses a non-empty target with its code and fix, printing no secret", async () => {
    const source = filledState(tmp.dir());
    const url = withPassword(await server().createDatabase());
    expect(runCli(["state", "copy", "--from", source, "--to", url]).status).toBe(0);
    const again = runCli(["state", "copy", "--from", source, "--to", url, "--json"]);
    expectNoSecrets(again);
    expect(again.status).toBe(1);
    expect(JSON.parse(again.stdout).error.code).toBe("TK_ERR_STATE_COPY_TARGET_NOT_EMPTY");
    expect(again.stderr).toContain("fix:");
  }, 60_000);

  it("refuses a file a running daemon holds, naming it", async () => {
    const source = filledState(tmp.dir());
    const daemon = openStore(source, { lock: true });
    try {
      const run = runCli(["state", "copy", "--from", source, "--to", join(tmp.dir(), "copy.db")]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain("TK_ERR_STATE_COPY_IN_USE");
      expect(run.stderr).toContain(`pid ${process.pid}`);
    } finally {
      daemon.close();
    }
  });

  it("refuses the same database as both ends without printing its password", async () => {
    const url = withPassword(await server().createDatabase());
    const run = runCli(["state", "copy", "--from", url, "--to", url, "--json"]);
    expectNoSecrets(run);
    expect(run.status).toBe(2);
    expect(JSON.parse(run.stdout).error.code).toBe("TK_ERR_USAGE");
  });

  it("asks for both ends", () => {
    const run = runCli(["state", "copy", "--to", join(tmp.dir(), "x.db")]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--from");
  });
});
