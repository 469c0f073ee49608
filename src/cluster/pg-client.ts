import type pg from "pg";

/**
 * Runs `fn` on a client checked out of `pool`, and gives it back. A connection lost while checked out (the server
 * restarted or failed over) is reported as an 'error' event on the client: unheard, it would end the process.
 * Heard, the statement in flight fails on its own, and the client is discarded on release instead of going back
 * to the pool; so is a client whose ROLLBACK or COMMIT failed, which `fn` reports through `broken`.
 * `onConnectError` may rethrow a failed check-out as something else (the state store marks it as its own).
 */
export async function withClient<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient, broken: (e: unknown) => void) => Promise<T>,
  o: { onConnectError?: (err: unknown) => never } = {},
): Promise<T> {
  const client = await (o.onConnectError ? pool.connect().catch(o.onConnectError) : pool.connect());
  let lostWith: Error | undefined;
  const broken = (e: unknown) => {
    lostWith = e instanceof Error ? e : new Error(String(e));
  };
  client.on("error", broken);
  try {
    return await fn(client, broken);
  } finally {
    client.off("error", broken);
    client.release(lostWith);
  }
}
