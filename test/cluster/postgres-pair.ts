import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import type { PostgresWithPools } from "../helpers/postgres.js";

/** Two replicas' coordinators on one database, each with a pool of its own, the schema in place. */
export async function coordinatorPair(
  db: PostgresWithPools,
  url: string,
  max: number,
): Promise<[PostgresCoordinator, PostgresCoordinator]> {
  const a = new PostgresCoordinator({ pool: db.pool(url, max) });
  const b = new PostgresCoordinator({ pool: db.pool(url, max) });
  await a.ensureSchema();
  return [a, b];
}
