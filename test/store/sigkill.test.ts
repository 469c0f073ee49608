import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { useTempDir } from "./helpers.js";

const tmp = useTempDir();
const VITE_NODE = resolve("node_modules/.bin/vite-node");
const CHILD = resolve("test/store/fixtures/claim-and-hang.ts");

/** Runs the child until it reports its claim, then SIGKILLs it. */
function claimThenKill(path: string, leaseMs: number): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn(VITE_NODE, [CHILD, path, String(leaseMs)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /claimed (\d+)/.exec(out);
      if (m) {
        child.kill("SIGKILL");
        child.on("exit", (_code, signal) =>
          signal === "SIGKILL" ? done(Number(m[1])) : fail(new Error(out)),
        );
      }
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on("error", fail);
    child.on("exit", (code) => {
      if (!/claimed/.test(out)) fail(new Error(`child exited ${code} before claiming: ${err}`));
    });
  });
}

describe("a worker SIGKILLed mid-job", () => {
  it("leaves a sound state file whose running job is released after its lease and runs again first", async () => {
    const path = join(tmp.dir(), "state.db");
    const leaseMs = 2_000;
    const claimedId = await claimThenKill(path, leaseMs);

    const store = openStore(path);
    try {
      expect(store.integrityCheck().ok).toBe(true);
      expect(store.webhooks.seenOnce("tiktokshop", "n-199")).toBe(false); // its committed writes survived
      expect(store.jobs.get(claimedId)?.state).toBe("running");
      // While the lease runs, nobody else may take the conversation.
      expect(store.jobs.claimNext({ now: Date.now(), leaseMs, limit: 5 })).toEqual([]);
      const afterLease = Date.now() + leaseMs + 1;
      expect(store.jobs.releaseExpiredLeases(afterLease)).toBe(1);
      const again = store.jobs.claimNext({ now: afterLease, leaseMs, limit: 5 });
      expect(again.map((j) => j.id)).toEqual([claimedId]);
      expect(again[0]?.attempts).toBe(1);
    } finally {
      store.close();
    }
  }, 20_000);
});
