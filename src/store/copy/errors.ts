/** Refusals and failures of `tokokommo state copy`. None of them leaves a row in the target. */
import { TkError } from "../../errors/index.js";

const NOTHING = "nothing was written to the target";

export function copyInUse(location: string, who: string, cause?: unknown): TkError {
  return new TkError("TK_ERR_STATE_COPY_IN_USE", `The state at ${location} is in use by ${who}.`, {
    fix: `Stop the daemon (every replica on a database) before copying: \`systemctl stop tokokommo\`, then run the copy again; ${NOTHING}.`,
    details: { location },
    cause,
  });
}

export function targetNotEmpty(location: string, tables: Array<{ table: string; rows: number }>): TkError {
  const list = tables.map((t) => `${t.table} (${t.rows})`).join(", ");
  return new TkError(
    "TK_ERR_STATE_COPY_TARGET_NOT_EMPTY",
    `The target ${location} already holds state: ${list}.`,
    {
      fix: `Copy into a new, empty database (\`createdb\`) or a path where no state file exists yet; tokokommo never merges into or overwrites an existing state, and ${NOTHING}.`,
      details: { location, tables },
    },
  );
}

export function sourceEmpty(location: string): TkError {
  return new TkError("TK_ERR_STATE_MISSING", `There is no tokokommo state at ${location} to copy.`, {
    fix: "Check --from: it names the state file or database URL the stopped daemon used (its statePath).",
    details: { location },
  });
}

export function schemaMismatch(reason: string, details: Record<string, unknown>): TkError {
  return new TkError(
    "TK_ERR_STATE_COPY_SCHEMA",
    `The source and the target have different schemas: ${reason}.`,
    {
      fix: `Copy into a new, empty target; when the target was already upgraded by a newer start, start this version's daemon on the source once (it upgrades it), stop it, then copy; ${NOTHING}.`,
      details,
    },
  );
}

export function countMismatch(table: string, read: number, written: number, inTarget: number): TkError {
  return new TkError(
    "TK_ERR_STATE_COPY_COUNTS",
    `Copying ${table}: ${read} row(s) read but ${written} written (${inTarget} in the target); the copy was rolled back.`,
    {
      fix: `Make sure nothing else writes to the source or the target while copying, then run the copy again; ${NOTHING}.`,
      details: { table, read, written, inTarget },
    },
  );
}

export function copyFailed(table: string, cause: unknown): TkError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new TkError(
    "TK_ERR_STATE_COPY_FAILED",
    `Copying ${table} failed: ${reason}; the copy was rolled back.`,
    {
      fix: `Fix the cause named above (space, rights on the target, the connection) and run the copy again; ${NOTHING}.`,
      details: { table },
      cause,
    },
  );
}

export function sameLocation(location: string): TkError {
  return new TkError("TK_ERR_USAGE", `--from and --to both name ${location}.`, {
    fix: "Give the state to copy as --from and a new, empty file or database as --to.",
    details: { location },
  });
}
