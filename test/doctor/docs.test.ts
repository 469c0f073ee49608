/**
 * docs/troubleshooting.md lists exactly the checks doctor runs (for a config with both marketplaces and a routed
 * shop, with its state in a file and in PostgreSQL).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CHECK_GROUPS, DoctorContext } from "../../src/doctor/index.js";
import { tempDir, validRaw, withChanges } from "../config/fixtures.js";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe("docs/troubleshooting.md", () => {
  it("has one row per check id doctor runs, and no row for a check that does not exist", async () => {
    // With a routed shop (pipeline and responsible user), whose checks run only then.
    const raw = withChanges(validRaw(), {
      "shops[0].pipelineId": 3451,
      "shops[0].responsibleUserId": 886363,
    });
    const ids = new Set<string>();
    // And with the state in PostgreSQL, whose checks differ (the list is built without connecting).
    const pgRaw = withChanges(raw, { statePath: "postgres://tokokommo@db.invalid/tokokommo" });
    for (const [name, r] of [
      ["config.json", raw],
      ["config-pg.json", pgRaw],
    ] as const) {
      const ctx = new DoctorContext({ configPath: tmp.file(name, r), env: {} });
      for (const c of CHECK_GROUPS.flatMap((g) => g.checks(ctx))) ids.add(c.id);
      await ctx.close();
    }
    const doc = readFileSync(resolve(__dirname, "../../docs/troubleshooting.md"), "utf8");
    const rows = new Set([...doc.matchAll(/^\| `([a-z.-]+)` \|/gm)].map((m) => m[1]));
    expect([...rows].sort()).toEqual([...ids].sort());
  });
});
