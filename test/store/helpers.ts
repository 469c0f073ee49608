import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import { openStore, type Store } from "../../src/store/index.js";

/** A fresh temp dir per test, removed (with every store opened through it closed) after the test. */
export function useTempDir(): { dir: () => string; open: (name?: string) => Store } {
  let current: string | undefined;
  const stores: Store[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
    if (current) rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  const dir = () => {
    current ??= mkdtempSync(join(tmpdir(), "tokokommo-store-"));
    return current;
  };
  const open = (name = "state.db") => {
    const store = openStore(join(dir(), name));
    stores.push(store);
    return store;
  };
  return { dir, open };
}

/** Expects fn to throw a TkError with this code; returns it for further checks. */
export function catchTk(fn: () => unknown): {
  code: string;
  exitCode: number;
  fix?: string;
  message: string;
} {
  try {
    fn();
  } catch (err) {
    return err as { code: string; exitCode: number; fix?: string; message: string };
  }
  throw new Error("expected an error, none was thrown");
}
