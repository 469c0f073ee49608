/**
 * The Kommo side every testbed needs: an account with a long-lived token and a channel connected to it, plus
 * the config entry that points tokokommo at them. Shared by the Tokopedia and TikTok Shop testbeds.
 */
import { KommoChatsClient } from "../kommo/index.js";
import type { KommoSimulator } from "../sim/kommo/index.js";

export interface KommoWorld {
  scopeId: string;
  accountId: number;
  channelId: string;
  /** The `kommo.accounts[0]` entry of a testbed config (account name "acme"). */
  configAccount: Record<string, unknown>;
  /** The Kommo part of a testbed config's `endpoints`: both APIs on the simulator. */
  configEndpoints: { kommoApi: string; kommoChats: string };
  /** Points the channel's reply webhook at a running daemon. */
  connectDaemon(daemonUrl: string): void;
}

export async function setUpKommoWorld(kommo: KommoSimulator): Promise<KommoWorld> {
  const account = kommo.addAccount({ name: "Acme Agency", subdomain: "acme" });
  const channel = kommo.addChannel({ hookUrl: "http://127.0.0.1:9/webhooks/kommo/:scope_id" });
  const chats = new KommoChatsClient({
    baseUrl: kommo.url,
    channelId: channel.id,
    channelSecret: channel.secret,
  });
  const { scopeId } = await chats.connect(account.amojoId, "Tokopedia");
  return {
    scopeId,
    accountId: account.id,
    channelId: channel.id,
    configAccount: {
      name: "acme",
      subdomain: account.subdomain,
      amojoId: account.amojoId,
      auth: { longLivedToken: kommo.longLivedToken(account.id) },
      channel: { id: channel.id, secret: channel.secret },
      scopeId,
    },
    configEndpoints: { kommoApi: kommo.url, kommoChats: kommo.url },
    connectDaemon(daemonUrl) {
      kommo.setChannelHookUrl(channel.id, `${daemonUrl}/webhooks/kommo/:scope_id`);
    },
  };
}
