/**
 * The state checks of a PostgreSQL statePath: the database answers and records this version's schema, and the
 * login has the rights the replicas need. The SQLite file's own checks (its mode bits, SQLite's integrity check)
 * do not apply to a database: state.permissions says so instead of judging.
 */
import { isTkError } from "../../errors/index.js";
import { LATEST_SCHEMA_VERSION } from "../../store/index.js";
import type { DoctorContext } from "../context.js";
import type { Check, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";

/** Why the state did not open, as state.readable reports it (a state not created yet is a warning). */
export function notOpened(c: DoctorContext): Outcome {
  const err = c.storeError();
  if (isTkError(err) && err.code === "TK_ERR_STATE_MISSING")
    return warn(
      c.stateIsDatabase()
        ? `no tokokommo state in the database ${c.stateLocation()} yet`
        : `no state file yet at ${c.stateLocation()}`,
      `start the daemon once (\`tokokommo serve\`); it creates the state ${c.stateIsDatabase() ? "tables" : "file"}`,
    );
  const fix =
    isTkError(err) && err.fix
      ? err.fix
      : c.stateIsDatabase()
        ? 'check that the login may read the state\'s tables (docs/operations.md, "The database and its rights")'
        : "restore the state file from a backup, or move it aside and let serve create a new one";
  return fail(`${c.stateLocation()}: ${err instanceof Error ? err.message : String(err)}`, fix);
}

/** Reachable, tokokommo's, neither older nor newer than this version (a read-only open refuses the others). */
export const databaseReadable: Check = {
  id: "state.readable",
  title: "State database is reachable and at this version's schema",
  needs: ["config.valid"],
  run(c) {
    const reader = c.store();
    const db = reader?.database;
    if (!reader || !db) return notOpened(c);
    return pass(
      `${reader.location} answers (PostgreSQL ${db.serverVersion}, login ${db.login}, schema ${reader.schemaVersion} of ${LATEST_SCHEMA_VERSION})`,
    );
  },
};

/** The login may read and write every table of the state, and create tables for the next upgrade. */
export const databaseRights: Check = {
  id: "state.rights",
  title: "The database login may use the state's tables",
  needs: ["state.readable"],
  async run(c) {
    const db = c.store()?.database;
    if (!db) return pass("not applicable: the state is an SQLite file");
    const lacking = await db.tablesLackingRights();
    if (lacking.length > 0)
      return fail(
        `login ${db.login} may not read, insert, update or delete in ${lacking.join(", ")}`,
        `let the replicas' role own the database, or grant it: \`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${db.login}\``,
      );
    if (!(await db.mayCreateTables()))
      return warn(
        `login ${db.login} uses every table but may not create tables in the state's schema: the next version's upgrade will fail with TK_ERR_STATE_MIGRATION_FAILED`,
        `let the role own the database (\`ALTER DATABASE … OWNER TO ${db.login}\`) or grant it CREATE on the schema before upgrading`,
      );
    return pass(`login ${db.login} may use every table and create tables for upgrades`);
  },
};

/** A database has no file modes: its access is its logins' (state.rights). */
export const databasePermissions: Check = {
  id: "state.permissions",
  title: "State file is private to the tokokommo user",
  needs: ["config.valid"],
  run: (c) =>
    pass(
      `not applicable: the state is the PostgreSQL database ${c.stateLocation()}, not a file (who may read it is the database's logins and pg_hba.conf)`,
    ),
};
