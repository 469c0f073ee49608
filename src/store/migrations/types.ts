import type { Database } from "better-sqlite3";

/**
 * One step of the state schema. Applied once, in its own transaction, and recorded in `schema_migrations`.
 * `up` receives the open connection (inside the transaction) and runs its DDL/DML with `db.exec(...)`.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
