/**
 * A Tokopedia buyer's message on its way into Kommo, for the end-to-end tests that then reply to it from Kommo.
 */
import type { BuyerSendResult } from "../../src/sim/tokopedia/index.js";
import type { Testbed } from "../../src/testbed/tokopedia.js";
import { waitFor } from "./wait.js";

/**
 * A buyer writes `text` to the testbed's first shop (as `buyerName` when given); resolves once Kommo received a
 * message of that room, with what the buyer sent and the room's Kommo conversation id.
 */
export async function tokopediaChatInKommo(
  bed: Testbed,
  buyerId: string,
  text: string,
  buyerName?: string,
): Promise<{ sent: BuyerSendResult; conv: string }> {
  const shopId = bed.shops[0]!.shopId;
  const sent = await bed.tokopedia.buyerSends(shopId, buyerId, text, buyerName ? { buyerName } : {});
  const conv = `tkp:${shopId}:${sent.msgId}`;
  await waitFor("the buyer's message in Kommo", () =>
    bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv),
  );
  return { sent, conv };
}
