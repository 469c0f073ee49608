import { TkError } from "../errors/index.js";

/**
 * Refusals of the state file. Each one leaves the file exactly as it was: tokokommo never overwrites, repairs or
 * migrates a file it refused, because that file may be the only copy of an agency's tokens and delivery history.
 */
const KEEP = "tokokommo never overwrites it";

export function stateNotSqlite(path: string): TkError {
  return new TkError("TK_ERR_STATE_NOT_SQLITE", `The state file ${path} is not an SQLite database.`, {
    fix: `Point statePath (or --state) at the right file, or restore it from backup or move the file away; ${KEEP}.`,
    details: { path },
  });
}

export function stateCorrupt(path: string, problems: string[], cause?: unknown): TkError {
  return new TkError(
    "TK_ERR_STATE_CORRUPT",
    `The state file ${path} is damaged (SQLite integrity check failed).`,
    {
      fix: `Stop tokokommo, restore the file from backup or move it away (a new one is created); ${KEEP}.`,
      details: { path, problems: problems.slice(0, 10) },
      cause,
    },
  );
}

export function stateTooNew(path: string, fileVersion: number, knownVersion: number): TkError {
  return new TkError(
    "TK_ERR_STATE_TOO_NEW",
    `The state file ${path} was written by a newer tokokommo (schema ${fileVersion}; this version knows ${knownVersion}).`,
    {
      fix: `Upgrade tokokommo to the version that wrote it, or restore an older backup; ${KEEP}.`,
      details: { path, fileVersion, knownVersion },
    },
  );
}

export function stateNotOurs(path: string, reason: string): TkError {
  return new TkError(
    "TK_ERR_STATE_NOT_OURS",
    `The state file ${path} is an SQLite database of another program (${reason}).`,
    {
      fix: `Point statePath (or --state) at a new or tokokommo-owned file; ${KEEP}.`,
      details: { path },
    },
  );
}

export function stateOpenFailed(path: string, cause: unknown): TkError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TkError("TK_ERR_STATE_OPEN_FAILED", `Cannot open the state file ${path}: ${reason}.`, {
    fix: "Check the path is a file (not a directory) and that the tokokommo user may read and write it and its directory.",
    details: { path },
    cause,
  });
}

export function stateMissing(path: string): TkError {
  return new TkError("TK_ERR_STATE_MISSING", `The state file ${path} does not exist.`, {
    fix: "Check statePath (or --state); `tokokommo serve` creates the file on its first start.",
    details: { path },
  });
}

export function stateOutdated(path: string, fileVersion: number, knownVersion: number): TkError {
  return new TkError(
    "TK_ERR_STATE_OUTDATED",
    `The state file ${path} has schema ${fileVersion} and needs upgrading to ${knownVersion}, which a read-only open cannot do.`,
    {
      fix: "Start `tokokommo serve` once (it upgrades the file in place, one transaction per step), then retry.",
      details: { path, fileVersion, knownVersion },
    },
  );
}

export function migrationFailed(path: string, version: number, name: string, cause: unknown): TkError {
  return new TkError(
    "TK_ERR_STATE_MIGRATION_FAILED",
    `Upgrading the state file ${path} failed at step ${version} (${name}); the step was rolled back.`,
    {
      fix: "Re-run with --log-level debug and report the error; the file is left at the last completed step.",
      details: { path, version, name },
      cause,
    },
  );
}

/** A due upgrade step could not take the write lock: another process held it past the busy timeout. */
export function upgradeBusy(path: string, version: number, cause: unknown): TkError {
  return new TkError(
    "TK_ERR_STATE_BUSY",
    `The state file ${path} needs upgrading (step ${version}), but another process holds its write lock.`,
    {
      fix: "Find and end the process holding the file (`fuser` or `lsof` on it: a long sqlite3 session, a backup tool), then start again; nothing was changed.",
      details: { path, version },
      cause,
    },
  );
}

export function stateLocked(
  path: string,
  holder: { pid: number; host: string; startedAt: number } | undefined,
  cause?: unknown,
): TkError {
  const who = holder
    ? `tokokommo pid ${holder.pid} on ${holder.host}, running since ${new Date(holder.startedAt).toISOString()}`
    : "another tokokommo process";
  return new TkError("TK_ERR_STATE_LOCKED", `The state file ${path} is in use by ${who}.`, {
    fix: "Run one daemon per state file: stop the other one first (or give this one its own statePath). `status`, `doctor` and `retry` work beside a running daemon.",
    details: { path, ...(holder ? { pid: holder.pid, host: holder.host } : {}) },
    cause,
  });
}

export function stateReadonly(path: string, cause: unknown): TkError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TkError(
    "TK_ERR_STATE_READONLY",
    `The state file ${path} cannot be written: its filesystem is read-only or its directory is not writable (${reason}).`,
    {
      fix: "Put statePath on a writable filesystem (under systemd with ProtectSystem=strict, list its directory in ReadWritePaths=) and let the tokokommo user write the file and its directory; the daemon writes the file, its -wal/-shm and its .lock there.",
      details: { path },
      cause,
    },
  );
}

/** A PostgreSQL URL given to a command that opens SQLite state files only (`shown`: the URL, password hidden). */
export function stateUrlNotSupported(shown: string): TkError {
  return new TkError(
    "TK_ERR_STATE_OPEN_FAILED",
    `The state location ${shown} is a PostgreSQL database; this command opens SQLite state files only.`,
    {
      fix: "Point statePath (or --state) at the SQLite state file for this command.",
      details: { url: shown },
    },
  );
}
