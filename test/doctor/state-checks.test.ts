/**
 * doctor's checks of the config, the state file, the job queue, the shops' syncs and the daemon: each fault fails
 * exactly its check (dependent checks are skipped, not failed).
 */
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failed, find, type Raw, useDoctorBed } from "./testbed.js";

const t = useDoctorBed();

describe("each config, state and daemon fault fails exactly its check", () => {
  it("config.valid: a config with a wrong account name", async () => {
    const path = t.configWith((raw) => {
      raw.shops[0]!.kommoAccount = "nope";
    });
    const r = await t.doctor(path);
    expect(failed(r)).toEqual(["config.valid"]);
    expect(find(r, "config.valid").message).toContain("shops[0].kommoAccount");
    expect(find(r, "config.valid").fix).toBeTruthy();
    expect(r.checks.filter((c) => c.status === "skip").length).toBeGreaterThan(0);
  });
  it("state.readable: a state file that is not SQLite", async () => {
    const bad = join(t.bed.dir, "garbage.db");
    writeFileSync(bad, "this is not a database".repeat(100));
    const r = await t.doctor(t.configWith((raw) => (raw.statePath = bad)));
    expect(failed(r)).toEqual(["state.readable"]);
    expect(find(r, "state.readable").fix).toBeTruthy();
  });
  it("state.permissions: a state file other users may read warns, naming the chmod that fixes it", async () => {
    const statePath = t.stateWith(() => undefined);
    const config = t.configWith((raw) => (raw.statePath = statePath));
    expect(find(await t.doctor(config), "state.permissions").status).toBe("pass");
    chmodSync(statePath, 0o644);
    const r = await t.doctor(config);
    expect(failed(r)).toEqual([]);
    const check = find(r, "state.permissions");
    expect(check.status).toBe("warn");
    expect(check.message).toContain(`${statePath} is 0644`);
    expect(check.fix).toContain(`chmod 600 ${statePath}`);
  });
  it("jobs.dead: dead jobs in the state", async () => {
    const statePath = t.stateWith((s) => {
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: t.shopId });
      const id = s.jobs.enqueue({ kind: "deliver_to_kommo", shopKey: `tokopedia:${t.shopId}` });
      s.db.prepare("UPDATE jobs SET state = 'dead' WHERE id = ?").run(id);
    });
    const r = await t.doctor(t.configWith((raw) => (raw.statePath = statePath)));
    expect(failed(r)).toEqual(["jobs.dead"]);
    expect(find(r, "jobs.dead").fix).toContain("tokokommo retry --dead");
  });
  it("jobs.backlog: a due job waiting for an hour", async () => {
    const statePath = t.stateWith((s) => {
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: t.shopId });
      s.jobs.enqueue({
        kind: "deliver_to_kommo",
        shopKey: `tokopedia:${t.shopId}`,
        runAfter: Date.now() - 3600_000,
      });
    });
    const r = await t.doctor(t.configWith((raw) => (raw.statePath = statePath)));
    expect(failed(r)).toEqual(["jobs.backlog"]);
  });
  it("shop.last-sync: the last sync failed / was long ago", async () => {
    const failing = t.stateWith((s) =>
      s.shopStatus.recordShopError(
        { source: "tokopedia", shopId: t.shopId },
        { error: "token rejected", code: "TK_ERR_TOKOPEDIA_AUTH" },
      ),
    );
    let r = await t.doctor(t.configWith((raw) => (raw.statePath = failing)));
    expect(failed(r)).toEqual([`shop.last-sync:${t.shopId}`]);
    expect(find(r, "shop.last-sync").message).toContain("TK_ERR_TOKOPEDIA_AUTH");
    const stale = t.stateWith((s) =>
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: t.shopId }, Date.now() - 3 * 3600_000),
    );
    r = await t.doctor(t.configWith((raw) => (raw.statePath = stale)));
    expect(failed(r)).toEqual([`shop.last-sync:${t.shopId}`]);
  });
  it("config.public-url warns on plain http beyond loopback", async () => {
    const r = await t.doctor(t.configWith((raw) => (raw.server.publicUrl = "http://bridge.example.com")));
    expect(find(r, "config.public-url").status).toBe("warn");
    expect(failed(r)).toContain("tokopedia.webhook-url:main"); // the registered URL is not that one
  });
  it("config.media-private-networks warns while media downloads may reach private networks", async () => {
    // The testbed allows them, and passes: its Kommo simulator serves the pictures on 127.0.0.1.
    let r = await t.doctor();
    expect(find(r, "config.media-private-networks").status).toBe("pass");
    const realKommo = (raw: Raw) => (raw.endpoints.kommoChats = "https://amojo.kommo.com");
    r = await t.doctor(t.configWith(realKommo));
    expect(find(r, "config.media-private-networks").status).toBe("warn");
    expect(find(r, "config.media-private-networks").fix).toContain("media.allowPrivateNetworks");
    r = await t.doctor(
      t.configWith((raw) => {
        realKommo(raw);
        raw.media = { allowPrivateNetworks: false };
      }),
    );
    expect(find(r, "config.media-private-networks").status).toBe("pass");
    r = await t.doctor(
      t.configWith((raw) => {
        realKommo(raw);
        raw.media = { allowPrivateNetworks: false };
      }),
      { env: { TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS: "1" } },
    );
    expect(find(r, "config.media-private-networks").status).toBe("warn");
  });
  it("daemon.healthz: the daemon is down (last: stops it)", async () => {
    await t.daemon.stop();
    const r = await t.doctor();
    expect(failed(r)).toEqual(["daemon.healthz"]);
    expect(find(r, "daemon.healthz").fix).toContain("tokokommo serve");
  });
});
