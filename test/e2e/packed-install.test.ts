/**
 * Installing without a clone: what `npm pack` ships, and that the packed CLI works once installed globally from
 * the tarball, run from an empty directory (so nothing of the repository is within reach).
 *
 * The tarball is installed with --ignore-scripts into a temporary prefix: exactly what a machine that blocks
 * install scripts gets (better-sqlite3 without its compiled addon), which the CLI must report as such. Then the
 * addon is put in place the way better-sqlite3's install script would (here: the same version the repository's
 * own tests use, already built for this Node.js), and the CLI must run. Dependencies come from npm's cache when
 * it has them (--prefer-offline), else from the registry.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(__dirname, "../..");
const PACKAGE = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  version: string;
  exports: { ".": { types: string; default: string } };
};
/** Node's own folder first on PATH: the installed bin's `#!/usr/bin/env node` and npm run on this Node. */
const PATH = `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ""}`;

let tmp: string;
let prefix: string;
let packed: string[];

/** npm with this test's PATH and without the variables of an enclosing `npm test` run. */
function npm(args: string[], cwd: string): string {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_(lifecycle|package)_/i.test(k)),
  );
  const res = spawnSync("npm", args, { cwd, encoding: "utf8", env: { ...env, PATH }, timeout: 150_000 });
  if (res.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${res.status}):\n${res.stderr}`);
  return res.stdout;
}

/** The installed CLI, through the link npm made in <prefix>/bin, from an empty directory. */
function tokokommo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const empty = join(tmp, "empty");
  const res = spawnSync(join(prefix, "bin", "tokokommo"), args, {
    cwd: empty,
    encoding: "utf8",
    env: { ...process.env, PATH, NO_COLOR: "1" },
    timeout: 60_000,
  });
  expect(readdirSync(empty), "the CLI wrote into the working directory").toEqual([]);
  return res;
}

const SCRIPT = "buyer: halo kak, ready?\nmanager: ready kak\nexpect delivered\n";

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "tokokommo-pack-"));
  prefix = join(tmp, "prefix");
  mkdirSync(join(tmp, "empty"));
  writeFileSync(join(tmp, "conversation.txt"), SCRIPT);
  // dist/ is fresh (the test run's global setup builds it); the pack must not rebuild it under the other tests.
  // One pack: its report lists the files the tarball holds (what --dry-run would list) and names the tarball.
  const [{ filename, files }] = JSON.parse(
    npm(["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], ROOT),
  ) as [{ filename: string; files: { path: string }[] }];
  packed = files.map((f) => f.path);
  npm(
    [
      "install",
      "--global",
      "--prefix",
      prefix,
      "--prefer-offline",
      "--ignore-scripts",
      "--no-audit",
      "--no-fund",
      join(tmp, filename),
    ],
    tmp,
  );
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("ships the built program, its types, the docs, README, CHANGELOG and LICENSE; no sources or tests", () => {
    for (const path of [
      "package.json",
      "bin/tokokommo.js",
      "dist/cli.js",
      "dist/index.js",
      "dist/index.d.ts",
      "dist/http-worker.js",
      "docs/errors.md",
      "docs/operations.md",
      "README.md",
      "CHANGELOG.md",
      "LICENSE",
    ])
      expect(packed).toContain(path);
    const stray = packed.filter(
      (p) =>
        !/^(bin|dist|docs)\//.test(p) &&
        !["package.json", "README.md", "CHANGELOG.md", "LICENSE"].includes(p),
    );
    expect(stray).toEqual([]);
    expect(
      packed.filter((p) => /(^|\/)(test|src|bench)\/|\.test\.|\.ts$/.test(p) && !p.endsWith(".d.ts")),
    ).toEqual([]);
    const entry = PACKAGE.exports["."];
    expect(packed).toContain(entry.types.replace(/^\.\//, ""));
    expect(packed).toContain(entry.default.replace(/^\.\//, ""));
  });
});

describe("the globally installed tarball", () => {
  it("with install scripts blocked, says SQLite's addon is missing and how to build it (not a permissions problem)", () => {
    const r = tokokommo("sandbox", "--script", join(tmp, "conversation.txt"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/TK_ERR_STATE_NATIVE_MISSING/);
    expect(r.stderr).toMatch(/never built/);
    expect(r.stderr).toContain(
      `cd ${join(prefix, "lib", "node_modules", "tokokommo")} && npm rebuild better-sqlite3`,
    );
    expect(r.stderr).toMatch(/python3, make and a C\+\+ compiler/);
    expect(r.stderr).not.toMatch(/TK_ERR_STATE_OPEN_FAILED|may read and write/);
  });

  it("with the addon in place, runs --version and a sandbox script from an empty directory", () => {
    // What better-sqlite3's install script leaves behind, taken from the repository's own (same Node.js).
    const from = dirname(createRequire(import.meta.url).resolve("better-sqlite3/package.json"));
    const to = join(prefix, "lib", "node_modules", "tokokommo", "node_modules", "better-sqlite3");
    for (const part of ["package.json", "lib", "build/Release/better_sqlite3.node"])
      cpSync(join(from, part), join(to, part), { recursive: true });

    const v = tokokommo("--version");
    expect(v.stdout.trim()).toBe(PACKAGE.version);
    expect(v.status).toBe(0);

    const r = tokokommo("sandbox", "--script", join(tmp, "conversation.txt"));
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/1 of 1 buyer message arrived in Kommo; replies: delivered/);
    expect(r.status).toBe(0);
  });

  it("serves the library entry through package.json exports, with type declarations that match it", async () => {
    const lib = join(prefix, "lib");
    const probe = join(lib, "probe.mjs");
    writeFileSync(probe, 'const m = await import("tokokommo"); console.log(JSON.stringify(Object.keys(m)));');
    const run = spawnSync(process.execPath, [probe], { cwd: lib, encoding: "utf8" });
    expect(run.stderr).toBe("");
    const runtime = (JSON.parse(run.stdout) as string[]).sort();
    expect(runtime).toContain("openStore");

    const dts = readFileSync(join(lib, "node_modules", "tokokommo", "dist", "index.d.ts"), "utf8");
    const declared = /export \{([^}]*)\};\s*$/.exec(dts)?.[1]?.split(",") ?? [];
    const values = declared
      .map((s) => s.trim())
      .filter((s) => s && !s.startsWith("type "))
      .sort();
    expect(values).toEqual(runtime);

    // TypeScript finds those declarations through "exports": a typed import checks, a wrong use is caught.
    writeFileSync(
      join(lib, "consumer.mts"),
      'import { openStore, version } from "tokokommo";\nexport const open: typeof openStore = openStore;\nexport const v: number = version;\n',
    );
    const tsconfig = {
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules", "@types")],
      },
      files: ["consumer.mts"],
    };
    writeFileSync(join(lib, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", lib],
      {
        cwd: lib,
        encoding: "utf8",
      },
    );
    const errors = tsc.stdout.split("\n").filter((l) => l.includes("error TS"));
    expect(errors).toEqual([
      expect.stringMatching(
        /^consumer\.mts\(3,14\): error TS2322: Type 'string' is not assignable to type 'number'/,
      ),
    ]);
  });
});
