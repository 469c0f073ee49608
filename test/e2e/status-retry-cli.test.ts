/**
 * `tokokommo status` and `tokokommo retry` through the built binary, over a state file prepared with the store's
 * own repositories (the same rows the daemon writes).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { SECRETS, type TempDir, tempDir, validRaw, withChanges } from "../config/fixtures.js";
import { runCli } from "../helpers/cli.js";

let tmp: TempDir;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

const isolated = () => ({ XDG_CONFIG_HOME: tmp.dir, TOKOKOMMO_CONFIG: undefined });
const TKP = "tokopedia:481154";
const TTS = "tiktokshop:7494049642642441621";

function configWithState(name: string): { configPath: string; statePath: string } {
  const statePath = join(tmp.dir, `${name}.db`);
  const configPath = tmp.file(`${name}.json`, withChanges(validRaw(), { statePath }));
  return { configPath, statePath };
}

/** A config file named `name` whose state file is prepared (prepareState) at `now`. */
function preparedInstall(name: string, now: number): { configPath: string; statePath: string } {
  const install = configWithState(name);
  prepareState(install.statePath, now);
  return install;
}

/** Runs the built binary with `args` on `configPath`: it must end well, silent on stderr; its --json output. */
function cliJson(configPath: string, args: string[]) {
  const r = runCli(["--config", configPath, ...args, "--json"], isolated());
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
}

/** A state file: the Tokopedia shop synced then failed; one dead job, one waiting retry, one running job. */
function prepareState(statePath: string, now: number): void {
  const store = openStore(statePath);
  try {
    const j = store.jobs;
    j.enqueue({ kind: "deliver_to_kommo", orderingKey: "a", shopKey: TKP }, now);
    const dead = j.enqueue({ kind: "deliver_to_kommo", orderingKey: "b", shopKey: TKP }, now);
    const waiting = j.enqueue({ kind: "sync_room", orderingKey: "c", shopKey: TKP }, now);
    j.enqueue({ kind: "sync_room", orderingKey: "d", shopKey: TTS }, now);
    j.enqueue({ kind: "deliver_to_marketplace", orderingKey: "e", shopKey: "kommo:scope-x" }, now);
    const claimed = j.claimNext({ now, leaseMs: 60_000, limit: 10 });
    expect(claimed.map((c) => c.id)).toContain(dead);
    j.kill(dead, "Kommo refused the message", { code: "TK_ERR_KOMMO_BAD_REQUEST", now });
    j.fail(claimed.find((c) => c.id === waiting)!, {
      error: "Tokopedia 503",
      code: "TK_ERR_TOKOPEDIA_TRANSIENT",
      retryAt: now + 3_600_000,
    });
    store.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: "481154" }, now - 60_000);
    store.shopStatus.recordShopError(
      { source: "tokopedia", shopId: "481154" },
      { error: "The shop is not bound to the app", code: "TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND" },
      now - 1_000,
    );
  } finally {
    store.close();
  }
}

describe("tokokommo status (built binary)", () => {
  it("a config whose daemon never ran says so and lists the shops, exit 0, no state file created", () => {
    const { configPath, statePath } = configWithState("never");
    const r = runCli(["--config", configPath, "status"], isolated());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`never run: no state file at ${statePath}`);
    expect(r.stdout).toMatch(/tokopedia\s+481154\s+dumiesshop/);
    const j = runCli(["--config", configPath, "status", "--json"], isolated());
    const report = JSON.parse(j.stdout);
    expect(report.everRun).toBe(false);
    expect(report.shops).toHaveLength(2);
    expect(existsSync(statePath)).toBe(false);
  });

  it("per shop: last sync, last success, backlog, dead jobs, last error (table and --json), no secrets", () => {
    const now = Date.now();
    const { configPath } = preparedInstall("busy", now);
    const r = runCli(["--config", configPath, "status", "--json"], isolated());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.everRun).toBe(true);
    const tkp = report.shops.find((s: { shopId: string }) => s.shopId === "481154");
    expect(tkp).toMatchObject({
      source: "tokopedia",
      name: "dumiesshop",
      backlog: 2, // one running, one waiting for its retry
      dead: 1,
      lastSuccessAt: now - 60_000,
      lastSyncAt: now - 1_000,
      lastErrorCode: "TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND",
      lastError: "The shop is not bound to the app",
      healthy: false,
    });
    const tts = report.shops.find((s: { shopId: string }) => s.shopId === "7494049642642441621");
    // Never synced is neither healthy nor failing: said so in its own field.
    expect(tts).toMatchObject({ backlog: 1, dead: 0, lastSyncAt: null, lastErrorCode: null, healthy: null });
    expect(tts.everSynced).toBe(false);
    expect(tkp.everSynced).toBe(true);
    expect(report.other).toEqual([{ shopKey: "kommo:scope-x", backlog: 1, dead: 0 }]);

    const t = runCli(["--config", configPath, "status"], isolated());
    expect(t.status).toBe(0);
    const lines = t.stdout.split("\n");
    expect(lines[1]).toMatch(
      /^SOURCE\s+SHOP ID\s+NAME\s+SWEEP EVERY\s+LAST SYNC\s+LAST SUCCESS\s+BACKLOG\s+DEAD\s+HEALTH\s+LAST ERROR$/,
    );
    expect(t.stdout).toMatch(
      /tokopedia\s+481154\s+dumiesshop\s+\S+\s+\S+Z\s+\S+Z\s+2\s+1\s+failing\s+TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND/,
    );
    expect(t.stdout).toMatch(
      /tiktokshop\s+7494049642642441621\s+-\s+\S+\s+never\s+never\s+1\s+0\s+never synced\s+-/,
    );
    expect(t.stdout).toContain("tokokommo retry --dead");
    for (const s of Object.values(SECRETS)) expect(r.stdout + t.stdout).not.toContain(s);
  });

  it("a config whose daemon never ran: every shop never synced (table and --json)", () => {
    const { configPath } = configWithState("never-synced");
    const r = runCli(["--config", configPath, "status"], isolated());
    expect(r.stdout).toMatch(/tokopedia\s+481154\s+dumiesshop\s+never synced/);
    const j = JSON.parse(runCli(["--config", configPath, "status", "--json"], isolated()).stdout);
    for (const s of j.shops) expect(s).toMatchObject({ everSynced: false, healthy: null });
  });

  it("--state reads another state file than the config's statePath", () => {
    const { configPath } = configWithState("config-points-here");
    const other = join(tmp.dir, "other-state.db");
    prepareState(other, Date.now());
    const report = cliJson(configPath, ["status", "--state", other]);
    expect(report.statePath).toBe(other);
    expect(report.everRun).toBe(true);
    expect(report.shops.find((s: { shopId: string }) => s.shopId === "481154").dead).toBe(1);
    // A relative --state is taken from the current directory, as `serve --state` takes it.
    const rel = runCli(["--config", configPath, "status", "--json", "--state", "x.db"], isolated());
    expect(JSON.parse(rel.stdout).statePath).toBe(join(process.cwd(), "x.db"));
  });

  it("shows each shop's sweep interval: paced to the app's rate, stretched while idle (table and --json)", () => {
    const statePath = join(tmp.dir, "paced.db");
    // One shop sharing 0.02 requests/s: at most one sweep per 50 s, whatever pollIntervalSeconds (30) says.
    const configPath = tmp.file(
      "paced.json",
      withChanges(validRaw(), { statePath, "tokopedia.apps[0].requestsPerSecond": 0.02 }),
    );
    const now = Date.now();
    const store = openStore(statePath);
    try {
      // A room of the Tokopedia shop had news a minute ago; the TikTok Shop shop never had any.
      const ref = { source: "tokopedia" as const, shopId: "481154", roomId: "9001" };
      store.rooms.upsertRoom(ref, now - 60_000);
      store.rooms.markDirty(ref, now - 60_000);
    } finally {
      store.close();
    }
    const j = JSON.parse(runCli(["--config", configPath, "status", "--json"], isolated()).stdout);
    const byId = (id: string) => j.shops.find((s: { shopId: string }) => s.shopId === id);
    expect(byId("481154").sweepIntervalMs).toBe(50_000);
    expect(byId("7494049642642441621").sweepIntervalMs).toBe(600_000);
    const t = runCli(["--config", configPath, "status"], isolated());
    expect(t.stdout).toMatch(/tokopedia\s+481154\s+dumiesshop\s+50s\s/);
    expect(t.stdout).toMatch(/tiktokshop\s+7494049642642441621\s+-\s+10m\s/);
  });

  it("a state file that is not SQLite is refused with its code, exit 1, and left as it was", () => {
    const { configPath, statePath } = configWithState("garbage");
    tmp.file("garbage.db", "this is not a database at all, just some text that is long enough\n".repeat(3));
    const r = runCli(["--config", configPath, "status"], isolated());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("TK_ERR_STATE_NOT_SQLITE");
    expect(readFileSync(statePath, "utf8")).toContain("this is not a database");
  });
});

describe("tokokommo retry (built binary)", () => {
  it("without --dead: waiting retries become due now, dead jobs stay dead", () => {
    const now = Date.now();
    const { configPath, statePath } = preparedInstall("retry1", now);
    expect(cliJson(configPath, ["retry"])).toMatchObject({ requeuedDead: 0, madeDueNow: 1 });
    const store = openStore(statePath, { readonly: true });
    try {
      expect(store.jobs.listDead()).toHaveLength(1);
      expect(store.jobs.nextRunAt()).toBeLessThanOrEqual(Date.now());
    } finally {
      store.close();
    }
  });

  it("--dead re-queues dead jobs with a fresh budget; status then shows none dead", () => {
    const { configPath, statePath } = preparedInstall("retry2", Date.now());
    const r = runCli(["--config", configPath, "retry", "--dead"], isolated());
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("re-queued 1 dead job(s)");
    expect(r.stdout).toContain("1 waiting job(s) will run now");
    const s = JSON.parse(runCli(["--config", configPath, "status", "--json"], isolated()).stdout);
    const tkp = s.shops.find((x: { shopId: string }) => x.shopId === "481154");
    expect(tkp.dead).toBe(0);
    expect(tkp.backlog).toBe(3);
    const store = openStore(statePath, { readonly: true });
    try {
      expect(store.jobs.listDead()).toHaveLength(0);
    } finally {
      store.close();
    }
  });

  it("with no state file: a clear error, exit 1, nothing created", () => {
    const { configPath, statePath } = configWithState("retry-none");
    const r = runCli(["--config", configPath, "retry", "--dead"], isolated());
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("TK_ERR_STATE_MISSING");
    expect(r.stderr).toContain("fix:");
    expect(existsSync(statePath)).toBe(false);
  });
});
