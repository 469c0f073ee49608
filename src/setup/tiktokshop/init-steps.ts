/**
 * `init --source tiktokshop`: adds a Tokopedia & Shop seller to an existing config (the Kommo account and
 * channel come from the first `init`), verified live at each step: app credentials (token host), the seller's
 * authorization (code exchange), the Customer Service scope, the authorized shops. Every answer comes from a flag
 * or a prompt (the same Asker as the Tokopedia setup); a scripted run checks all its flags before any call.
 * It returns the config to save (app and shops added) and has written the seller's tokens to the state file.
 */
import type { TokenStore } from "../../auth/token-store.js";
import type { Config } from "../../config/index.js";
import type { Asker, Write } from "../asker.js";
import { throwIfInterrupted } from "../interrupted.js";
import { missingFlagsError } from "../missing-flags.js";
import { type ListenerDefaults, sellerAuthCode } from "./auth-code.js";
import {
  commitTikTokShopBinding,
  exchangeTikTokShopCode,
  preflightTikTokShopBinding,
  type StagedTikTokShopAuthorization,
  type TikTokShopBindResult,
} from "./bind.js";
import { chooseTikTokShopApp } from "./choose-app.js";
import { kommoAccountUnknown } from "./errors.js";
import { missingTikTokShopFlags, type TikTokShopInitFlags } from "./init-flags.js";

export interface TikTokShopInitOptions {
  /** The config so far; at least one Kommo account must exist. */
  config: Config;
  flags: TikTokShopInitFlags;
  /** The state file (only `tokens` is used). */
  store: { tokens: TokenStore };
  ask: Asker;
  listener?: ListenerDefaults;
  /** Aborted on Ctrl-C: nothing may be written after it. */
  signal?: AbortSignal;
}

const NEEDS = [
  "You will need: the app's name, or for a new app its service id, app key and app secret (Partner Center);",
  "  the seller's authorization (a link is printed to open) and the Kommo account this seller's chats go to.",
];

export async function tiktokshopInitSteps(
  o: TikTokShopInitOptions,
): Promise<{ config: Config; result: TikTokShopBindResult }> {
  const { ask, flags } = o;
  const say: Write = ask.write;
  if (!ask.interactive) {
    const missing = missingTikTokShopFlags(flags, o.config, ask.env);
    if (missing.length > 0) throw missingFlagsError("init --source tiktokshop --no-interactive", missing);
  }
  // A wrong account name is told before a new app's credentials are checked live.
  const accounts = o.config.kommo.accounts.map((a) => a.name);
  if (flags.kommoAccount && !accounts.includes(flags.kommoAccount))
    throw kommoAccountUnknown(flags.kommoAccount, accounts);
  say("Tokopedia & Shop (TikTok Shop Partner API)");
  if (ask.interactive) for (const line of NEEDS) say(line);
  const { config, app } = await chooseTikTokShopApp(o.config, flags, ask, say);
  const kommoAccount = await chooseKommoAccount(config, flags, ask);
  preflightTikTokShopBinding(config, {
    appName: app.name,
    kommoAccount,
    ...(flags.shops?.length ? { shopIds: flags.shops } : {}),
  });
  const code = await sellerAuthCode(
    { config, app, flag: flags.authCode, ...(o.listener ? { listener: o.listener } : {}) },
    ask,
    say,
  );
  throwIfInterrupted(o.signal);
  const staged = await exchangeTikTokShopCode({ config, appName: app.name, authCode: code });
  say(
    `Authorized by ${staged.sellerName ?? staged.openId}; scopes: ${staged.grantedScopes.join(", ") || "none"}`,
  );
  for (const s of staged.shops) say(`  shop ${s.id} ${s.name} (${s.region})`);
  const shopIds = flags.shops?.length ? flags.shops : await chooseShops(staged, ask);
  throwIfInterrupted(o.signal);
  const bound = commitTikTokShopBinding(staged, {
    config,
    kommoAccount,
    store: o.store,
    ...(shopIds ? { shopIds } : {}),
  });
  for (const s of bound.result.shops)
    say(
      `Bound ${s.name || s.shopId} (${s.shopId}) to Kommo account ${kommoAccount}${s.added ? "" : " (already bound)"}`,
    );
  const hook = bound.result.webhook;
  if (hook.url)
    say(`Set the webhook URL in Partner Center (app → Basic information → HTTP server URL):\n  ${hook.url}`);
  for (const w of hook.warnings) say(`warning: ${w}`);
  return bound;
}

async function chooseKommoAccount(config: Config, flags: TikTokShopInitFlags, ask: Asker): Promise<string> {
  if (flags.kommoAccount) return flags.kommoAccount;
  const accounts = config.kommo.accounts.map((a) => a.name);
  if (accounts.length === 1 && accounts[0] !== undefined) return accounts[0];
  return ask.prompter.select({
    id: "tiktokshop.kommoAccount",
    message: "Kommo account for this seller's chats",
    choices: accounts.map((name) => ({ name, value: name })),
  });
}

/** All the seller's shops, or one picked when the seller authorized several. */
async function chooseShops(staged: StagedTikTokShopAuthorization, ask: Asker): Promise<string[] | undefined> {
  if (staged.shops.length <= 1 || !ask.interactive) return undefined;
  const pick = await ask.prompter.select({
    id: "tiktokshop.shops",
    message: "Which shops go to this Kommo account?",
    choices: [
      { name: "All of them", value: "" },
      ...staged.shops.map((s) => ({ name: `${s.name} (${s.id})`, value: s.id })),
    ],
  });
  return pick ? [pick] : undefined;
}
