/**
 * The job runner starts even when its first lease sweep is refused by the state file (another process holds the
 * write lock past the busy timeout): it reports that and runs its jobs once the file takes writes again.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, expect, it } from "vitest";
import { JobRunner } from "../../src/bridge/job-runner.js";
import { SqliteEngineStore } from "../../src/bridge/sqlite-engine-store.js";
import { openStore } from "../../src/store/index.js";
import { waitFor } from "../helpers/wait.js";

const dir = mkdtempSync(join(tmpdir(), "tk-runner-start-"));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("a refused lease sweep at start is reported, not thrown, and the jobs run once writes work", async () => {
  const store = openStore(join(dir, "state.db"), { busyTimeoutMs: 20 });
  const engineStore = new SqliteEngineStore(store, 3);
  store.jobs.enqueue({ kind: "k", orderingKey: "conv", shopKey: "shop:1" }, Date.now());
  const locker = new BetterSqlite3(store.path);
  locker.exec("BEGIN IMMEDIATE");
  const errors: unknown[] = [];
  let ran = 0;
  const runner = new JobRunner({
    queue: engineStore.jobs,
    nextRetryAt: ({ now }) => now + 5,
    idlePollMs: 20,
    onQueueError: (err) => errors.push(err),
    handlers: {
      k: async () => {
        ran++;
      },
    },
  });
  try {
    expect(() => runner.start()).not.toThrow();
    await waitFor("the refused sweep reported", () => errors.length > 0, 5_000);
    expect((errors[0] as { code?: string } | undefined)?.code).toBe("SQLITE_BUSY");
  } finally {
    locker.exec("ROLLBACK");
    locker.close();
  }
  await waitFor("the job ran", () => ran === 1, 5_000);
  await runner.stop();
  store.close();
});
