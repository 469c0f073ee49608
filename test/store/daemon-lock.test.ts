/**
 * One daemon per state file (openStore's `lock`): a second locked open is refused with TK_ERR_STATE_LOCKED naming
 * the holder, while plain and read-only opens (status, doctor, retry) keep working; close() releases the lock.
 * Across real processes, and after SIGKILL: test/e2e/daemon-lock.test.ts.
 */
import { statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { catchTk, useTempDir } from "./helpers.js";

const tmp = useTempDir();

describe("daemon lock", () => {
  it("refuses a second daemon on the same file, naming the holder's pid; other opens still work", () => {
    const path = join(tmp.dir(), "state.db");
    const daemon = openStore(path, { lock: true });
    try {
      const err = catchTk(() => openStore(path, { lock: true }));
      expect(err.code).toBe("TK_ERR_STATE_LOCKED");
      expect(err.exitCode).toBe(1);
      expect(err.message).toContain(`pid ${process.pid} on ${hostname()}`);
      expect(err.message).toContain(path);
      expect(err.fix).toMatch(/one daemon per state file/i);

      // status / doctor (read-only) and retry (read-write, no lock) open the file beside the daemon.
      const ro = openStore(path, { readonly: true });
      expect(ro.jobs.counts()).toEqual([]);
      ro.close();
      const rw = openStore(path);
      rw.jobs.enqueue({ kind: "sync_room" }, 1);
      rw.close();
      expect(daemon.jobs.counts()).toEqual([{ shopKey: null, pending: 1, running: 0, dead: 0 }]);
      expect(statSync(`${path}.lock`).mode & 0o777).toBe(0o600);
    } finally {
      daemon.close();
    }
    // Released on close: the next daemon starts.
    const next = openStore(path, { lock: true });
    next.close();
  });

  it("a refused open leaves the lock with its holder", () => {
    const path = join(tmp.dir(), "state.db");
    const daemon = openStore(path, { lock: true });
    try {
      for (let i = 0; i < 3; i++)
        expect(catchTk(() => openStore(path, { lock: true })).code).toBe("TK_ERR_STATE_LOCKED");
    } finally {
      daemon.close();
    }
  });
});
