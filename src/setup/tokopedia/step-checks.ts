/**
 * The steps that check the Tokopedia side before anything is spent on Kommo: whose chat webhook the app has now,
 * this server's IP in the app's whitelist, and the shop to bind. The webhook URL and the whitelist verdict are
 * doctor's own, so `init` and `doctor` cannot disagree about them.
 */
import { expectedChatUrl as chatWebhookUrl } from "../../doctor/checks/tokopedia.js";
import { whitelistOutcome } from "../../doctor/checks/tokopedia-whitelist.js";
import { isTkError, TkError } from "../../errors/index.js";
import { objAt, strAt } from "../config-file.js";
import { findTokopediaShop } from "./bind-shop.js";
import { appOf, type InitDraft, type InitStep } from "./draft.js";
import { detectEgressIp } from "./egress-ip.js";

/**
 * Registering the webhook replaces the app's chat URL: when another bridge (or an older install) receives the
 * app's chats there, it would silently stop getting them. Asked when interactive; a scripted run needs
 * --take-over-webhook. Checked here, before the Kommo steps spend an authorization code.
 */
export const webhookOwnerStep: InitStep = {
  title: "Tokopedia chat webhook",
  enabled: (d) => d.publicUrl !== undefined,
  async run(d, { ask, say }) {
    const { app, client } = appOf(d);
    const ours = chatWebhookUrl(d.publicUrl ?? "", app.name);
    const current = (await client.listWebhooks()).urls.chat_notification_url;
    if (!current || current === ours) {
      say(current ? "  ✔ already this bridge's" : "  ✔ no chat webhook registered yet");
      return;
    }
    say(`  ! app ${app.fsId} sends its chats to ${current}: another bridge may be using it`);
    if (d.flags.takeOverWebhook) return void say("  --take-over-webhook: it will be replaced");
    const takeOver =
      ask.interactive &&
      (await ask.prompter.confirm({
        id: "tokopedia.webhookTakeOver",
        message: `Replace it with ${ours}? The other bridge stops getting this app's chats`,
        default: false,
      }));
    if (!takeOver)
      throw new TkError(
        "TK_ERR_SETUP_WEBHOOK_IN_USE",
        `app ${app.fsId}'s chat webhook points at ${current}, not at this bridge; nothing was written`,
        {
          fix: "stop the other bridge first, or run again with --take-over-webhook to replace its URL",
          exitCode: 1,
          details: { registered: current, ours },
        },
      );
  },
};

export const whitelistStep: InitStep = {
  title: "IP whitelist",
  async run(d, { ask, say }) {
    const { app, client } = appOf(d);
    const configured = strAt(objAt(d.file.raw, "server"), "egressIp");
    const egress = await detectEgressIp({
      ...(d.flags.egressIp ? { override: d.flags.egressIp } : {}),
      ...(configured ? { configured } : {}),
      ...(d.endpoints.ipEcho ? { echoUrl: d.endpoints.ipEcho } : {}),
    });
    await ask.verified("whitelist", async () => {
      let ips: string[] | "refused";
      try {
        ips = (await client.whitelist()).ips;
      } catch (err) {
        if (!isTkError(err) || err.code !== "TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED") throw err;
        ips = "refused";
      }
      const verdict = whitelistOutcome(ips, egress, app.fsId);
      if (verdict.status === "fail")
        throw new TkError("TK_ERR_SETUP_IP_NOT_WHITELISTED", verdict.message, {
          ...(verdict.fix ? { fix: verdict.fix } : {}),
          exitCode: 1,
          details: { ip: egress?.ip, whitelist: ips },
        });
      say(
        verdict.status === "pass" && egress
          ? `  ✔ ${egress.ip} is whitelisted`
          : `  ! ${verdict.message}; ${verdict.fix}`,
      );
    });
  },
};

export const shopStep: InitStep = {
  title: "Shop",
  async run(d: InitDraft, { ask, say }) {
    const { client } = appOf(d);
    const hasShops = Array.isArray(d.file.raw.shops) && d.file.raw.shops.length > 0;
    const found = await ask.verified("shop", async (fresh) => {
      const a = await ask.ask(
        {
          id: "shop.domain",
          message: `Shop URL or domain, e.g. tokopedia.com/kommo${hasShops ? " (empty: no new shop)" : ""}`,
          flag: "--shop-domain",
          flagValue: d.flags.shopDomain,
          optional: hasShops,
        },
        fresh,
      );
      if (!a) return undefined;
      const shop = await findTokopediaShop(client, a.value);
      say(`  ✔ found ${shop.name} (shop ID ${shop.shopId})`);
      return shop;
    });
    if (found) d.shop = found;
  },
};
