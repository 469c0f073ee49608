/**
 * The resend check of deliver-to-marketplace: a reply retried after a failure looks for an earlier attempt's
 * message in the room before sending again (Tokopedia takes no idempotency key). It must only find ITS OWN earlier
 * attempt: a manager who sends the same short text twice ("ok", "ok") must get two messages to the buyer.
 */
import { describe, expect, it } from "vitest";
import { startTestbed } from "../../src/testbed/tokopedia.js";
import { connectedDaemonPerBlock } from "../helpers/connected-daemon.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { tokopediaChatInKommo } from "../helpers/tokopedia-chat.js";
import { waitFor } from "../helpers/wait.js";

describe.each(STATE_BACKENDS)("reply resend, state in $name", (backend) => {
  const block = connectedDaemonPerBlock(backend, () => startTestbed({ mode: "webhook" }), {
    engine: { maxRetryMs: 200 },
  });

  it("the same text sent twice, the second after a failed attempt, reaches the buyer twice", async () => {
    const shopId = block.bed.shops[0]!.shopId;
    const { sent, conv } = await tokopediaChatInKommo(block.bed, "resend-buyer", "Sudah dikirim?");
    const first = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, { type: "text", text: "ok" });
    await waitFor("first status", () => block.bed.kommo.deliveryStatuses(first)[0]);
    // The second "ok" fails once before reaching Tokopedia; its retry reads the room and sees the first "ok".
    block.bed.tokopedia.failNext(1, { status: 500 });
    const second = await block.bed.kommo.managerReplies(block.bed.scopeId, conv, {
      type: "text",
      text: "ok",
    });
    await waitFor("second status", () => block.bed.kommo.deliveryStatuses(second)[0]);
    expect(block.bed.tokopedia.requests().filter((r) => r.status === 500)).toHaveLength(1);
    expect(block.bed.tokopedia.shopReplies(sent.msgId)).toEqual(["ok", "ok"]);
    expect(block.bed.kommo.deliveryStatuses(second).map((s) => s.status)).toEqual([1]);
    // Neither "ok" comes back into Kommo as a shop message on the next sync.
    await block.bed.tokopedia.buyerSends(shopId, "resend-buyer", "Makasih");
    await waitFor("next buyer message", () =>
      block.bed.kommo.received(block.bed.scopeId).find((m) => m.text === "Makasih"),
    );
    expect(block.bed.kommo.received(block.bed.scopeId).filter((m) => m.text === "ok")).toEqual([]);
  });
});
