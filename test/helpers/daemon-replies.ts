/**
 * A manager's reply as an in-process daemon stored it, found by its Kommo (amojo) message id, on either state
 * backend: the engine's store port finds replies by their own id only, so the id is looked up in the backend's
 * table first (the SQLite store's lookup, or one query on the daemon's PostgreSQL pool).
 */
import type { OutboundRecord } from "../../src/bridge/store-port.js";
import type { DaemonState } from "../../src/daemon/daemon-state.js";
import type { PostgresEngineStore } from "../../src/store/postgres/index.js";

export async function replyOf(
  state: DaemonState,
  amojoMessageId: string,
): Promise<OutboundRecord | undefined> {
  const id = state.sqlite
    ? state.sqlite.outbound.getByAmojoMessageId(amojoMessageId)?.id
    : (
        await (state.engineStore as PostgresEngineStore).pool.query<{ id: string }>(
          "SELECT id FROM outbound_replies WHERE amojo_message_id = $1",
          [amojoMessageId],
        )
      ).rows[0]?.id;
  return id === undefined ? undefined : state.engineStore.getOutbound(Number(id));
}
