/** The last steps of `init`: the Kommo chat channel of a new account, and the webhooks. */
import { kommoChatsClient } from "../../daemon/clients.js";
import { expectedChatUrl as chatWebhookUrl } from "../../doctor/checks/tokopedia.js";
import { accountOf, appOf, type InitStep } from "./draft.js";
import { kommoVar } from "./step-kommo-account.js";

export const channelStep: InitStep = {
  title: "Kommo chat channel",
  enabled: (d) => d.account?.kind === "new",
  async run(d, { ask, say }) {
    const account = accountOf(d);
    if (account.kind !== "new") return;
    account.channel = await ask.verified("kommo.channel", async (fresh) => {
      const id = (
        await ask.need(
          {
            id: "kommo.channelId",
            message: "Channel ID (issued by Kommo)",
            flag: "--channel-id",
            flagValue: d.flags.channelId,
          },
          fresh,
        )
      ).value;
      const secret = await ask.need(
        {
          id: "kommo.channelSecret",
          message: "Channel secret",
          flag: "--channel-secret",
          flagValue: d.flags.channelSecret,
          envVar: kommoVar(account.name, "CHANNEL_SECRET"),
          secret: true,
        },
        fresh,
      );
      say("  connecting the channel...");
      const { scopeId } = await kommoChatsClient(
        { channel: { id, secret: secret.value } },
        { endpoints: d.endpoints },
      ).connect(account.amojoId, "Tokopedia");
      say(`  ✔ connected: scope_id ${scopeId}`);
      return { id, secret: secret.value, secretFromEnv: secret.fromEnv, scopeId };
    });
  },
};

export const webhooksStep: InitStep = {
  title: "Webhooks",
  async run(d, { ask, say }) {
    if (!d.publicUrl) {
      say("  no public URL: skipped (the bridge polls Tokopedia)");
      return;
    }
    const { app, client } = appOf(d);
    const url = chatWebhookUrl(d.publicUrl, app.name);
    await ask.verified("webhooks", async () => {
      // registerWebhooks reads the app's current URLs and sends them back: the other URLs stay as they are.
      await client.registerWebhooks({
        chat_notification_url: url,
        ...(app.webhookSecret ? { webhook_secret: app.webhookSecret } : {}),
      });
    });
    d.chatWebhookUrl = url;
    say(`  ✔ Tokopedia chat webhook: ${url}`);
    say(
      `  Kommo channel hook URL (give it to Kommo for the channel): ${d.publicUrl}/webhooks/kommo/:scope_id`,
    );
    const scopeId = scopeIdOf(d);
    if (scopeId) say(`    for this account it resolves to ${d.publicUrl}/webhooks/kommo/${scopeId}`);
  },
};

export function scopeIdOf(d: Parameters<typeof accountOf>[0]): string | undefined {
  const account = d.account;
  if (!account) return undefined;
  return account.kind === "known" ? account.scopeId : account.channel?.scopeId;
}
