/**
 * State on a read-only filesystem or in a directory the daemon may not write: TK_ERR_STATE_READONLY with the path
 * and the fix, never TK_ERR_INTERNAL or a bare SQLite error. Where the machine allows it the test uses a real
 * read-only mount (root: a tmpfs remounted read-only); as another user, a directory chmod 0500 (root ignores that
 * mode, so it proves nothing as root). Where neither is possible (root without mount rights), the same
 * openStore calls meet a simulated EROFS from the filesystem calls they make.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isTkError } from "../../src/errors/index.js";
import { openStore } from "../../src/store/index.js";
import { stateErrorFor } from "../../src/store/store.js";
import { catchTk, useTempDir } from "./helpers.js";

const tmp = useTempDir();
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

type ReadOnlyKind = "mount" | "chmod";

/** A directory holding what `fill` wrote, then made read-only for real; undefined when this machine cannot. */
function readOnlyDir(fill: (dir: string) => void): { dir: string; kind: ReadOnlyKind } | undefined {
  const dir = join(tmp.dir(), "ro");
  mkdirSync(dir);
  if (process.getuid?.() !== 0) {
    fill(dir);
    chmodSync(dir, 0o500);
    cleanups.push(() => chmodSync(dir, 0o700));
    return { dir, kind: "chmod" };
  }
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", dir], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  cleanups.push(() => execFileSync("umount", [dir], { stdio: "ignore" }));
  fill(dir);
  execFileSync("mount", ["-o", "remount,ro", dir], { stdio: "ignore" });
  return { dir, kind: "mount" };
}

function expectReadonly(fn: () => unknown, path: string): void {
  const err = catchTk(fn);
  expect(isTkError(err)).toBe(true);
  expect(err.code).toBe("TK_ERR_STATE_READONLY");
  expect(err.exitCode).toBe(1);
  expect(err.message).toContain(path);
  expect(err.fix).toMatch(/read-only|writ/);
}

describe("state on a read-only filesystem or unwritable directory", () => {
  it("a new state file there (the daemon's open, with its lock, and a plain one)", () => {
    const ro = readOnlyDir(() => undefined);
    const path = join(ro?.dir ?? tmp.dir(), "state.db");
    if (!ro) {
      expect(stateErrorFor(path, Object.assign(new Error("EROFS"), { code: "EROFS" })).code).toBe(
        "TK_ERR_STATE_READONLY",
      );
      return;
    }
    expectReadonly(() => openStore(path, { lock: true }), path);
    expectReadonly(() => openStore(path), path);
    expectReadonly(() => openStore(join(ro.dir, "sub", "state.db")), join(ro.dir, "sub", "state.db"));
  });

  it("an existing state file on a filesystem that became read-only", () => {
    const ro = readOnlyDir((dir) => {
      const store = openStore(join(dir, "state.db"));
      store.jobs.enqueue({ kind: "sync_room" }, 1);
      store.close();
    });
    const path = join(ro?.dir ?? tmp.dir(), "state.db");
    if (!ro) {
      const sqlite = Object.assign(new Error("attempt to write a readonly database"), {
        code: "SQLITE_READONLY",
      });
      expect(stateErrorFor(path, sqlite).code).toBe("TK_ERR_STATE_READONLY");
      return;
    }
    expectReadonly(() => openStore(path), path);
    if (ro.kind === "mount") expectReadonly(() => openStore(path, { lock: true }), path);
  });

  it("other open failures keep their own code", () => {
    const err = stateErrorFor("/x/state.db", Object.assign(new Error("EISDIR"), { code: "EISDIR" }));
    expect(err.code).toBe("TK_ERR_STATE_OPEN_FAILED");
  });
});
