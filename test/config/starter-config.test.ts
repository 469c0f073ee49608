/**
 * A starter config (only what comes before `init`: endpoints, server, media; no app, account or shop) is a
 * legitimate file: `sandbox --serve` writes one and `init` fills it in. doctor and status say nothing is set up
 * yet instead of calling it invalid; a starter with a bad key of its own is still invalid.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asStarterConfig } from "../../src/config/index.js";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tokokommo-starter-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STARTER = {
  version: 1,
  server: { port: 18787 },
  media: { allowPrivateNetworks: true },
  endpoints: { tokopediaApi: "http://127.0.0.1:18790", kommoApi: "http://127.0.0.1:18792" },
};

function file(name: string, raw: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(raw), { mode: 0o600 });
  return path;
}

describe("starter config", () => {
  it("is recognised with its endpoints and state path, and only when nothing is set up", () => {
    const path = join(dir, "x.json");
    const s = asStarterConfig(STARTER, path);
    expect(s?.endpoints.tokopediaApi).toBe("http://127.0.0.1:18790");
    expect(s?.endpoints.kommoChats).toBe("https://amojo.kommo.com"); // defaults filled
    expect(s?.statePath).toBe(join(dir, "state.db"));
    expect(asStarterConfig({ ...STARTER, tokopedia: { apps: [] }, shops: [] }, path)).toBeDefined();
    expect(asStarterConfig({ ...STARTER, shops: [{ shopId: "1" }] }, path)).toBeUndefined();
    expect(asStarterConfig({ ...STARTER, endpoints: { kommoApi: "not a url" } }, path)).toBeUndefined();
    expect(asStarterConfig({ ...STARTER, typo: 1 }, path)).toBeUndefined();
    expect(asStarterConfig([], path)).toBeUndefined();
  });

  it("doctor reports a starter config as not set up yet (a warning, exit 0), not as invalid", () => {
    const path = file("doctor.json", STARTER);
    const r = runCli(["doctor", "--config", path]);
    expect(r.stdout).toContain("starter config");
    expect(r.stdout).toContain("tokokommo init");
    expect(r.stdout).not.toContain("kommo: is required");
    expect(r.status).toBe(0);
    const j = runCli(["doctor", "--json", "--config", path]);
    const report = JSON.parse(j.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks).toEqual([expect.objectContaining({ id: "config.valid", status: "warn" })]);
  });

  it("status reports a starter config as having no shops yet (exit 0), not as invalid", () => {
    const path = file("status.json", STARTER);
    const r = runCli(["status", "--config", path]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("starter config");
    expect(r.stdout).toContain("tokokommo init");
    const j = runCli(["status", "--json", "--config", path]);
    expect(JSON.parse(j.stdout)).toMatchObject({ starter: true, everRun: false, shops: [], other: [] });
  });

  it("a starter config with a bad key is still invalid for doctor and status", () => {
    const path = file("bad.json", { ...STARTER, endpoints: { kommoApi: "not a url" } });
    expect(runCli(["status", "--config", path]).status).toBe(2);
    expect(runCli(["doctor", "--config", path]).status).toBe(1);
  });
});
