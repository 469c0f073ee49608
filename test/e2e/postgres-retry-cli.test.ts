/**
 * `tokokommo retry` through the built binary on a PostgreSQL statePath (a real throwaway server): waiting retries
 * made due and dead jobs re-queued in the database the replicas share, a running job left to its replica, the URL
 * shown without its password (text and --json); a replica delivers the re-queued job without a restart.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { PostgresEngineStore } from "../../src/store/postgres/engine-store.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type TempDir, tempDir } from "../config/fixtures.js";
import { runCliAsync } from "../helpers/cli.js";
import { startConnectedDaemon } from "../helpers/connected-daemon.js";
import { queryOnce, usePostgres } from "../helpers/postgres.js";
import { waitFor, waitForAsync } from "../helpers/wait.js";

const pg = usePostgres();
const PASSWORD = "pw-not-to-print-7c1";
const TKP = "tokopedia:481154";
let bed: Testbed | undefined;
let daemon: RunningDaemon | undefined;
let tmp: TempDir | undefined;

afterEach(async () => {
  await daemon?.stop();
  await bed?.close();
  tmp?.cleanup();
  [daemon, bed, tmp] = [undefined, undefined, undefined];
});

/** The URL with a password in it (the test server trusts loopback, so any password is accepted). */
const withPassword = (url: string) => url.replace("postgres://postgres@", `postgres://postgres:${PASSWORD}@`);
const redacted = (url: string) => url.replace("postgres://postgres@", "postgres://postgres:[redacted]@");

/** A config file of `configPath`'s settings whose statePath is `statePath`. */
function configAt(dir: TempDir, configPath: string, statePath: string): string {
  const raw = JSON.parse(readFileSync(configPath, "utf8"));
  const path = join(dir.dir, "pg-config.json");
  writeFileSync(path, JSON.stringify({ ...raw, statePath }));
  return path;
}

/** One dead job (key b), one waiting for its retry (c), one running on a "replica" (a); returns a's claim. */
async function prepare(url: string) {
  const store = await PostgresEngineStore.open(url, { max: 2 });
  try {
    const now = Date.now();
    const job = (key: string) => ({
      kind: "sync_room" as const,
      orderingKey: key,
      shopKey: TKP,
      payload: { source: "tokopedia" as const, shopId: "481154", roomId: key },
    });
    const a = await store.enqueue(job("a"), now);
    const b = await store.enqueue(job("b"), now);
    const c = await store.enqueue(job("c"), now);
    const claimed = await store.jobs.claimNext({ now, leaseMs: 600_000, limit: 10 });
    const held = (id: number) => claimed.find((j) => j.id === id)!;
    await store.jobs.kill(held(b), "Kommo refused the message", "TK_ERR_KOMMO_BAD_REQUEST");
    await store.jobs.fail(held(c), {
      error: "503",
      code: "TK_ERR_TOKOPEDIA_TRANSIENT",
      retryAt: now + 3_600_000,
    });
    return { running: held(a), ids: { a, b, c } };
  } finally {
    await store.close();
  }
}

const jobRows = (url: string) =>
  queryOnce<{ ordering_key: string; state: string; attempts: number; lease_token: string | null }>(
    url,
    "SELECT ordering_key, state, attempts, lease_token FROM jobs ORDER BY id",
  );

describe("tokokommo retry on PostgreSQL (built binary)", () => {
  it("makes waiting retries due, re-queues dead jobs with --dead, leaves a running job alone; no password shown", async () => {
    tmp = tempDir();
    const url = await pg().createDatabase();
    const { running } = await prepare(url);
    bed = await startTestbed();
    const configPath = configAt(tmp, bed.configPath, withPassword(url));

    const json = await runCliAsync(["--config", configPath, "retry", "--json"]);
    expect(json.stderr).toBe("");
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ statePath: redacted(url), requeuedDead: 0, madeDueNow: 1 });
    const afterFirst = await jobRows(url);
    expect(afterFirst.map((r) => r.state)).toEqual(["running", "dead", "pending"]);

    const text = await runCliAsync(["--config", configPath, "retry", "--dead"]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`state: ${redacted(url)}`);
    expect(text.stdout).toContain("re-queued 1 dead job(s)");
    expect(text.stdout).toContain("0 waiting job(s) will run now");
    for (const out of [json.stdout, json.stderr, text.stdout, text.stderr])
      expect(out).not.toContain(PASSWORD);
    const rows = await jobRows(url);
    expect(rows.map((r) => [r.ordering_key, r.state, r.attempts])).toEqual([
      ["a", "running", 0],
      ["b", "pending", 0],
      ["c", "pending", 1],
    ]);
    // The running job still carries its replica's claim: that replica finishes it as if nothing happened.
    expect(rows[0]!.lease_token).toBe(running.leaseToken);
  }, 60_000);

  it("a database the daemon never ran on: TK_ERR_STATE_MISSING, exit 1, nothing created, no password shown", async () => {
    tmp = tempDir();
    const url = await pg().createDatabase();
    bed = await startTestbed();
    const configPath = configAt(tmp, bed.configPath, withPassword(url));
    for (const args of [["retry"], ["retry", "--dead", "--json"]]) {
      const r = await runCliAsync(["--config", configPath, ...args]);
      expect(r.status).toBe(1);
      expect(r.stdout + r.stderr).toContain("TK_ERR_STATE_MISSING");
      expect(r.stdout + r.stderr).toContain(redacted(url));
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    }
    expect(
      await queryOnce(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"),
    ).toEqual([]);
  }, 60_000);

  it("a message whose delivery died reaches Kommo after `retry --dead`, the replica running on", async () => {
    tmp = tempDir();
    const url = await pg().createDatabase();
    bed = await startTestbed({ mode: "webhook" });
    daemon = await startConnectedDaemon(bed, { statePath: url });
    const engine = daemon.state.engineStore;
    // Kommo refuses the first delivery for good (400): the job is dead, the message not in Kommo.
    bed.kommo.failNext(1, { host: "amojo", status: 400 });
    const shopId = bed.shops[0]!.shopId;
    await bed.tokopedia.buyerSends(shopId, "pg-retry-buyer", "Kirim ulang ya");
    await waitForAsync(
      "the delivery job dead",
      async () => (await engine.jobCountsByKind()).find((c) => c.kind === "deliver_to_kommo" && c.dead === 1),
      20_000,
    );
    expect(bed.kommo.received(bed.scopeId).filter((m) => m.text === "Kirim ulang ya")).toEqual([]);
    const configPath = configAt(tmp, bed.configPath, withPassword(url));
    const r = await runCliAsync(["--config", configPath, "retry", "--dead", "--json"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ requeuedDead: 1 });
    await waitFor(
      "the message in Kommo",
      () => bed!.kommo.received(bed!.scopeId).find((m) => m.text === "Kirim ulang ya"),
      20_000,
    );
    expect(bed.kommo.received(bed.scopeId).filter((m) => m.text === "Kirim ulang ya")).toHaveLength(1);
  }, 90_000);
});
