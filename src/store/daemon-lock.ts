import { hostname } from "node:os";
import type { Database } from "better-sqlite3";
import { stateLocked } from "./errors.js";

/** Who holds a state file's daemon lock, as it recorded itself. */
export interface LockHolder {
  pid: number;
  host: string;
  startedAt: number;
}

/** The daemon lock of one state file; release() is idempotent (close() of the store calls it). */
export interface DaemonLock {
  readonly path: string;
  release(): void;
}

/** The side file holding the lock: `<state file>.lock`. */
export function daemonLockPath(statePath: string): string {
  return `${statePath}.lock`;
}

const isBusy = (err: unknown) => {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
};

/**
 * One daemon per state file. Two daemons on one file would both claim and run its jobs (every message sent
 * twice, tokens refreshed twice: Kommo's refresh tokens are single-use). The lock is a write transaction that the
 * daemon keeps open for its whole life on a small side database (`<state>.lock`), not on the state file itself:
 * - SQLite takes it with POSIX record locks, which the kernel drops when the process ends in any way (SIGKILL,
 *   OOM, power loss then reboot), so a crashed daemon never leaves a stale lock: a restart right away works;
 * - within one process SQLite tracks the same lock per file, so a second openStore in the same process is
 *   refused too;
 * - the state file is not locked: `status`, `doctor`, `retry` and the other commands keep opening it while a
 *   daemon runs, as before.
 * The holder's pid, host and start time are committed to the side file just before the lock is taken (a
 * RESERVED lock still lets others read), so a refused start can name the process holding it.
 * Not for network filesystems, whose record locks are unreliable (as for SQLite itself).
 */
export function acquireDaemonLock(statePath: string, open: (path: string) => Database): DaemonLock {
  const path = daemonLockPath(statePath);
  const db = open(path);
  try {
    db.pragma("busy_timeout = 0"); // never wait: another daemon holds it for its whole life
    db.pragma("journal_mode = DELETE");
    take(db, statePath);
    db.exec(
      "CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, started_at INTEGER NOT NULL)",
    );
    db.exec("DELETE FROM holder");
    db.prepare("INSERT INTO holder (pid, host, started_at) VALUES (?, ?, ?)").run(
      process.pid,
      hostname(),
      Date.now(),
    );
    // A reader naming us may hold a shared lock for an instant: wait for it to commit, then take the lock for good.
    db.pragma("busy_timeout = 2000");
    db.exec("COMMIT");
    db.pragma("busy_timeout = 0");
    take(db, statePath); // another starter slipped in between COMMIT and here: it wins, we are refused
  } catch (err) {
    db.close();
    throw err;
  }
  return {
    path,
    release: () => {
      if (db.open) db.close(); // closing rolls the held transaction back and drops the lock
    },
  };
}

/** BEGIN IMMEDIATE (the write lock) or TK_ERR_STATE_LOCKED naming the holder. */
function take(db: Database, statePath: string): void {
  try {
    db.exec("BEGIN IMMEDIATE");
  } catch (err) {
    if (!isBusy(err)) throw err;
    throw stateLocked(statePath, readHolder(db), err);
  }
}

function readHolder(db: Database): LockHolder | undefined {
  try {
    db.pragma("busy_timeout = 1000");
    const row = db.prepare("SELECT pid, host, started_at AS startedAt FROM holder LIMIT 1").get() as
      | LockHolder
      | undefined;
    return row;
  } catch {
    return undefined; // the holder has not recorded itself yet (its first start), or the file is busy
  }
}
