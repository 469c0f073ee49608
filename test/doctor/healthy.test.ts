/**
 * doctor on a healthy setup (simulators, a running daemon): every check passes, the built binary's --json, and
 * --shop narrowing the checks to one shop or refusing one the config does not have.
 */
import { describe, expect, it } from "vitest";
import type { DoctorReport } from "../../src/doctor/index.js";
import { startCli } from "../helpers/cli.js";
import { find, useDoctorBed } from "./testbed.js";

const t = useDoctorBed();

describe("doctor on a healthy setup", () => {
  it("passes every check", async () => {
    const r = await t.doctor();
    expect(r.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(r.ok).toBe(true);
    const ids = new Set(r.checks.map((c) => c.id));
    for (const id of [
      "config.valid",
      "state.readable",
      "tokopedia.credentials",
      "tokopedia.ip-whitelist",
      "tokopedia.shop-bound",
      "tokopedia.webhook-url",
      "tokopedia.webhook-secret",
      "kommo.token",
      "kommo.token-expiry",
      "kommo.channel-secret",
      "kommo.scope",
      "kommo.clock",
      "daemon.healthz",
      "jobs.dead",
      "jobs.backlog",
      "shop.last-sync",
    ])
      expect(ids.has(id), id).toBe(true);
    expect(find(r, "tokopedia.ip-whitelist").message).toContain("127.0.0.1");
  });
  it("the built binary: doctor --json exits 0 and prints checks with id, status, message", async () => {
    const r = await startCli(["--config", t.bed.configPath, "doctor", "--json"], {
      TOKOKOMMO_CONFIG: undefined,
    }).closed;
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(r.status).toBe(0);
    expect(report.checks[0]).toMatchObject({ id: "config.valid", status: "pass" });
    expect(r.stdout).not.toContain(t.rawConfig().kommo.accounts[0]!.channel.secret);
  });
  it("--shop keeps only that shop's checks; a shop the config does not have is a usage error", async () => {
    const r = await t.doctor(t.bed.configPath, { shop: t.shopId });
    expect(r.ok).toBe(true);
    const perShop = r.checks.filter((c) => c.id === "tokopedia.shop-bound" || c.id === "shop.last-sync");
    expect(perShop.map((c) => c.subject)).toEqual([t.shopId, t.shopId]);
    await expect(t.doctor(t.bed.configPath, { shop: "999" })).rejects.toMatchObject({
      code: "TK_ERR_USAGE",
      exitCode: 2,
      message: expect.stringContaining("999"),
    });
  });
});
