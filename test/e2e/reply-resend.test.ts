/**
 * The resend check of deliver-to-marketplace: a reply retried after a failure looks for an earlier attempt's
 * message in the room before sending again (Tokopedia takes no idempotency key). It must only find ITS OWN earlier
 * attempt: a manager who sends the same short text twice ("ok", "ok") must get two messages to the buyer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDaemon } from "../../src/daemon/daemon.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { startConnectedDaemon, stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("reply resend, state in $name", (backend) => {
  const statePathFor = backend.use();
  let bed: Testbed;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    bed = await startTestbed({ mode: "webhook" });
    daemon = await startConnectedDaemon(bed, {
      statePath: await statePathFor(bed),
      engine: { maxRetryMs: 200 },
    });
  });

  afterAll(() => stopDaemonAndBed(daemon, bed));

  it("the same text sent twice, the second after a failed attempt, reaches the buyer twice", async () => {
    const shopId = bed.shops[0]!.shopId;
    const sent = await bed.tokopedia.buyerSends(shopId, "resend-buyer", "Sudah dikirim?");
    const conv = `tkp:${shopId}:${sent.msgId}`;
    await waitFor("buyer message", () =>
      bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv),
    );
    const first = await bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "ok" });
    await waitFor("first status", () => bed.kommo.deliveryStatuses(first)[0]);
    // The second "ok" fails once before reaching Tokopedia; its retry reads the room and sees the first "ok".
    bed.tokopedia.failNext(1, { status: 500 });
    const second = await bed.kommo.managerReplies(bed.scopeId, conv, { type: "text", text: "ok" });
    await waitFor("second status", () => bed.kommo.deliveryStatuses(second)[0]);
    expect(bed.tokopedia.requests().filter((r) => r.status === 500)).toHaveLength(1);
    expect(bed.tokopedia.shopReplies(sent.msgId)).toEqual(["ok", "ok"]);
    expect(bed.kommo.deliveryStatuses(second).map((s) => s.status)).toEqual([1]);
    // Neither "ok" comes back into Kommo as a shop message on the next sync.
    await bed.tokopedia.buyerSends(shopId, "resend-buyer", "Makasih");
    await waitFor("next buyer message", () =>
      bed.kommo.received(bed.scopeId).find((m) => m.text === "Makasih"),
    );
    expect(bed.kommo.received(bed.scopeId).filter((m) => m.text === "ok")).toEqual([]);
  });
});
