/** The fresh-build guard of the test run (test/global-setup.ts): a stale or missing dist/ is noticed. */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { staleBuild } from "./global-setup.js";

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

/** A project layout with src/ and dist/ whose files carry the given times (seconds since the epoch). */
function project(times: { src: number; dist: number }): string {
  const dir = mkdtempSync(join(tmpdir(), "tk-build-"));
  mkdirSync(join(dir, "src", "bridge"), { recursive: true });
  mkdirSync(join(dir, "dist"));
  const src = join(dir, "src", "bridge", "engine.ts");
  writeFileSync(src, "export {};\n");
  utimesSync(src, times.src, times.src);
  for (const f of ["cli.js", "index.js", "http-worker.js"]) {
    writeFileSync(join(dir, "dist", f), "");
    utimesSync(join(dir, "dist", f), times.dist, times.dist);
  }
  for (const d of [join(dir, "src", "bridge"), join(dir, "src")]) utimesSync(d, times.src, times.src);
  return dir;
}

describe("the fresh-build guard", () => {
  it("passes a build newer than every source file", () => {
    root = project({ src: 1_000, dist: 2_000 });
    expect(staleBuild(root)).toBeUndefined();
  });

  it("flags a source file edited after the build", () => {
    root = project({ src: 3_000, dist: 2_000 });
    expect(staleBuild(root)).toMatch(/changed after the last build/);
  });

  it("flags a missing bundle", () => {
    root = project({ src: 1_000, dist: 2_000 });
    rmSync(join(root, "dist", "http-worker.js"));
    expect(staleBuild(root)).toMatch(/http-worker\.js is missing/);
  });

  it("finds this checkout's build fresh once the setup ran", () => {
    expect(staleBuild()).toBeUndefined();
  });
});
