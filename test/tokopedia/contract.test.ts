import { runMarketplaceSourceContract, type SourceHarness } from "../contract/marketplace-source.contract.js";
import { setupTokopedia, WEBHOOK_SECRET } from "./harness.js";

async function makeHarness(): Promise<SourceHarness> {
  const { sim, shopId, client, source } = await setupTokopedia();
  // The chat webhook secret is set the way the bridge sets it: through webhook registration.
  await client.registerWebhooks({
    chat_notification_url: "http://127.0.0.1:9/webhooks/tokopedia/main",
    webhook_secret: WEBHOOK_SECRET,
  });
  return {
    source,
    shopId,
    async buyerSends(text, opts) {
      const sent = await sim.buyerSends(shopId, opts?.buyerId ?? "contract-buyer", text, {
        ...(opts?.buyerName ? { buyerName: opts.buyerName } : {}),
      });
      return { shopId: sent.shopId, roomId: sent.msgId };
    },
    async shopTexts(room) {
      return sim.shopReplies(room.roomId);
    },
    signedWebhook(room) {
      return sim.webhookFor(room.roomId);
    },
    close: () => sim.close(),
  };
}

runMarketplaceSourceContract("tokopedia", makeHarness);
