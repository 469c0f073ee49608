/**
 * A job for a shop the config no longer binds fails with TK_ERR_SHOP_NOT_CONFIGURED, permanently, whether it syncs
 * the shop's room or delivers one of its messages to Kommo (the delivery used to throw a plain Error, which the
 * engine took for a bug and retried until its budget ran out).
 */
import { describe, expect, it } from "vitest";
import { deliverToKommo } from "../../src/bridge/deliver-to-kommo.js";
import { classifyError } from "../../src/bridge/error-policy.js";
import type { BridgeMetrics } from "../../src/bridge/metrics.js";
import type { EngineStore, InboundRecord } from "../../src/bridge/store-port.js";
import { syncRoom } from "../../src/bridge/sync-room.js";
import { Topology } from "../../src/bridge/topology.js";

const ref = { source: "tokopedia", shopId: "4242", roomId: "77" } as const;
const inbound: InboundRecord = {
  ...ref,
  id: 1,
  platformMessageId: "m1",
  kommoMsgId: "k1",
  sender: "buyer",
  contentJson: JSON.stringify({ content: { kind: "text", text: "halo" } }),
  sentAt: 1_000,
  state: "pending",
};
/** Only what the handlers read before they look the shop up. */
const store = { getInbound: () => inbound, getRoom: () => undefined } as unknown as EngineStore;
const topology = new Topology([]);

async function failureOf(run: Promise<unknown>) {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  return classifyError(err);
}

describe("a job for a shop that is not in the config", () => {
  it("fails the sync for good with TK_ERR_SHOP_NOT_CONFIGURED", async () => {
    const c = await failureOf(syncRoom(ref, { store, topology, now: () => 0 }));
    expect(c).toMatchObject({ code: "TK_ERR_SHOP_NOT_CONFIGURED", retryable: false });
    expect(c.message).toContain("4242");
  });

  it("fails the delivery to Kommo for good with the same code", async () => {
    const deps = { store, topology, metrics: {} as BridgeMetrics, now: () => 0 };
    const c = await failureOf(deliverToKommo(inbound.id, deps));
    expect(c).toMatchObject({ code: "TK_ERR_SHOP_NOT_CONFIGURED", retryable: false });
    expect(c.message).toContain("4242");
  });
});
