import type { SourceHarness } from "../contract/marketplace-source.contract.js";
import { runMarketplaceSourceContract } from "../contract/marketplace-source.contract.js";
import { makeFixture } from "./harness.js";

async function makeHarness(): Promise<SourceHarness> {
  const f = await makeFixture();
  return {
    source: f.source,
    shopId: f.shopId,
    async buyerSends(text, opts) {
      const { conversationId } = f.sim.buyerSends(
        f.shopId,
        { id: opts?.buyerId ?? "contract-buyer", name: opts?.buyerName ?? "Pembeli" },
        text,
      );
      return { shopId: f.shopId, roomId: conversationId };
    },
    async shopTexts(room) {
      return f.sim.shopMessages(room.roomId).flatMap((m) => (m.text !== undefined ? [m.text] : []));
    },
    signedWebhook(room) {
      const { headers, body } = f.sim.signedNewMessageWebhook(room.roomId);
      return { headers, body };
    },
    close: () => f.sim.close(),
  };
}

runMarketplaceSourceContract("tiktokshop", makeHarness);
