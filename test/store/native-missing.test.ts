import { existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { openStore } from "../../src/store/index.js";
import { catchTk, useTempDir } from "./helpers.js";

/**
 * better-sqlite3 loads its compiled addon when the first database is opened. These tests make that load fail the
 * two ways it fails on operators' machines, with the errors Node and the `bindings` loader really throw: the addon
 * was never built (npm ran without install scripts, or without a compiler), or it cannot be loaded (built for
 * another Node.js version or platform). The packed-install test covers the first for real in a spawned CLI.
 */
const failure = vi.hoisted(() => ({ error: undefined as unknown }));

vi.mock("better-sqlite3", async (importOriginal) => {
  const real = (await importOriginal<{ default: typeof import("better-sqlite3") }>()).default;
  function FailingDatabase(...args: ConstructorParameters<typeof real>) {
    if (failure.error) throw failure.error;
    return new real(...args);
  }
  return { default: FailingDatabase };
});

const tmp = useTempDir();
const require = createRequire(import.meta.url);

/** What the `bindings` loader throws when better_sqlite3.node is nowhere under the package. */
function neverBuilt(dir: string): unknown {
  const bindings = require("bindings") as (o: { bindings: string; module_root: string }) => unknown;
  try {
    bindings({ bindings: "better_sqlite3.node", module_root: dir });
  } catch (err) {
    return err;
  }
  throw new Error("bindings found an addon in an empty directory");
}

/** What Node throws for an addon file it cannot load (here: not a shared object at all). */
function unloadable(dir: string): unknown {
  const file = join(dir, "better_sqlite3.node");
  writeFileSync(file, "not an ELF file");
  try {
    process.dlopen({ exports: {} }, file);
  } catch (err) {
    return err;
  }
  throw new Error("dlopen loaded a text file");
}

function expectNativeMissing(fn: () => unknown): void {
  const err = catchTk(fn);
  expect(err.code).toBe("TK_ERR_STATE_NATIVE_MISSING");
  expect(err.exitCode).toBe(1);
  expect(err.message).toMatch(/better-sqlite3/);
  expect(err.message).not.toMatch(/permission|may read and write/i);
  expect(err.fix).toMatch(/npm rebuild better-sqlite3/);
  expect(err.fix).toMatch(/python3, make and a C\+\+ compiler/);
}

describe("the native SQLite binding is missing or unloadable", () => {
  it("a never-built addon is reported as such before anything is created", () => {
    failure.error = neverBuilt(tmp.dir());
    const state = join(tmp.dir(), "state", "state.db");
    expectNativeMissing(() => openStore(state, { lock: true }));
    expectNativeMissing(() => openStore(state));
    expectNativeMissing(() => openStore(state, { readonly: true }));
    expect(existsSync(join(tmp.dir(), "state"))).toBe(false);
  });

  it("an addon that does not load (other Node.js version or platform) says so and how to rebuild", () => {
    failure.error = unloadable(tmp.dir());
    const state = join(tmp.dir(), "state.db");
    expectNativeMissing(() => openStore(state));
    const err = catchTk(() => openStore(state)) as { message: string };
    expect(err.message).toContain(process.version);
    expect(existsSync(state)).toBe(false);
  });

  it("an addon built for another Node.js version names the version in use", () => {
    // Node's own wording for an ABI mismatch (as after upgrading Node without rebuilding).
    failure.error = Object.assign(
      new Error(
        "The module '/srv/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137.",
      ),
      { code: "ERR_DLOPEN_FAILED" },
    );
    const state = join(tmp.dir(), "state.db");
    expectNativeMissing(() => openStore(state));
    const err = catchTk(() => openStore(state)) as { message: string };
    expect(err.message).toMatch(
      new RegExp(`built for another Node.js version \\(this is ${process.version}`),
    );
  });
});
