import type { Database } from "better-sqlite3";

/**
 * Runs `fn` atomically: in its own transaction, or — when the caller already holds one — directly inside it.
 * better-sqlite3 would nest a SAVEPOINT instead, a cost paid per message on the hot paths (intake, room sync)
 * for nothing: an error still propagates and rolls back the caller's whole transaction. Use it where no caller
 * catches an error inside its own transaction to carry on (none in tokokommo does).
 */
export function atomically<T>(db: Database, fn: () => T): T {
  return db.inTransaction ? fn() : db.transaction(fn)();
}
