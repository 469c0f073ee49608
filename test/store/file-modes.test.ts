/**
 * The state file holds access and refresh tokens and buyers' chats: it and its -wal/-shm companions are created
 * readable by the tokokommo user only (0600), in a directory tokokommo creates 0700. An existing directory keeps
 * its mode (the operator chose it; doctor warns when it is wider).
 */
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const mode = (path: string) => statSync(path).mode & 0o777;

// A permissive umask, so the modes below come from tokokommo and not from a lucky umask.
let savedUmask: number;
beforeEach(() => {
  savedUmask = process.umask(0o000);
});
afterEach(() => {
  process.umask(savedUmask);
});

describe("state file modes", () => {
  it("creates the state file and its -wal/-shm 0600, and the directories it creates 0700", () => {
    const dir = join(tmp.dir(), "var", "lib", "tokokommo");
    const path = join(dir, "state.db");
    const store = openStore(path);
    try {
      store.jobs.enqueue({ kind: "sync_room", orderingKey: "k" }, 1);
      store.tokens.save("kommo:acme", { accessToken: "secret" } as never);
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(existsSync(`${path}-shm`)).toBe(true);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      expect(mode(dir)).toBe(0o700);
      expect(mode(join(tmp.dir(), "var"))).toBe(0o700);
    } finally {
      store.close();
    }
  });

  it("leaves an existing directory's mode alone", () => {
    const dir = join(tmp.dir(), "shared");
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    const path = join(dir, "state.db");
    openStore(path).close();
    expect(mode(dir)).toBe(0o755);
    expect(mode(path)).toBe(0o600);
  });
});
