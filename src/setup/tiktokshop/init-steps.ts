/**
 * The interactive `init` steps for a Tokopedia & Shop seller, verified live at each step: app credentials
 * (token host), the seller's authorization (code exchange), the Customer Service scope, the authorized shops.
 * The coordinator's `init` calls it with its prompt library wrapped in SetupPrompts; it returns the config to
 * save (app and shops added) and has written the seller's tokens to the state file.
 */

import type { TokenStore } from "../../auth/token-store.js";
import type { Config, TiktokshopApp } from "../../config/index.js";
import {
  DEFAULT_DAILY_CALL_QUOTA,
  DEFAULT_QUOTA_DAY_START_UTC,
  DEFAULT_REPLY_RESERVE,
} from "../../sources/tiktokshop/quota.js";

import {
  commitTikTokShopBinding,
  exchangeTikTokShopCode,
  preflightTikTokShopBinding,
  type TikTokShopBindResult,
} from "./bind.js";
import { authCodeFromPaste, consentLink, newConsentState } from "./consent.js";
import { verifyTikTokShopCredentials } from "./credentials.js";
import { listenForAuthCode } from "./redirect-listener.js";

/** The few prompt kinds used here; the coordinator adapts @inquirer/prompts (or a script in tests) to it. */
export interface SetupPrompts {
  input(
    message: string,
    opts?: { default?: string; validate?: (value: string) => true | string },
  ): Promise<string>;
  password(message: string): Promise<string>;
  confirm(message: string, opts?: { default?: boolean }): Promise<boolean>;
  select<T>(message: string, choices: Array<{ name: string; value: T }>): Promise<T>;
}

export interface SetupWriter {
  write(text: string): void;
}

export interface TikTokShopInitOptions {
  /** The config so far; at least one Kommo account must exist. */
  config: Config;
  /** The state file (only `tokens` is used). */
  store: { tokens: TokenStore };
  prompts: SetupPrompts;
  out: SetupWriter;
  /** The local redirect listener's defaults (port 8788, path /callback, 10 min). */
  listener?: { port?: number; path?: string; timeoutMs?: number };
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_CREDENTIAL_TRIES = 3;

export async function tiktokshopInitSteps(
  o: TikTokShopInitOptions,
): Promise<{ config: Config; result: TikTokShopBindResult }> {
  const { prompts, out } = o;
  out.write("Tokopedia & Shop (TikTok Shop Partner API)\n");
  const { config, app } = await chooseApp(o);

  const accounts = config.kommo.accounts.map((a) => a.name);
  const kommoAccount =
    accounts.length === 1
      ? accounts[0]!
      : await prompts.select(
          "Kommo account for this seller's chats",
          accounts.map((name) => ({ name, value: name })),
        );
  preflightTikTokShopBinding(config, { appName: app.name, kommoAccount });

  const state = newConsentState();
  const link = consentLink(app, config, state);
  const how = await prompts.select("How will the authorization code come back?", [
    { name: "I paste it (or the whole redirect URL)", value: "paste" as const },
    { name: "Catch it on this machine (Redirect URL points at 127.0.0.1)", value: "listen" as const },
  ]);
  let code: string;
  if (how === "listen") {
    const port = Number(
      await prompts.input("Local port for the redirect", {
        default: String(o.listener?.port ?? 8788),
        validate: (v) => (/^\d{1,5}$/.test(v) && Number(v) < 65536 ? true : "a port number, e.g. 8788"),
      }),
    );
    const listener = await listenForAuthCode({
      port,
      path: o.listener?.path ?? "/callback",
      timeoutMs: o.listener?.timeoutMs ?? 10 * 60_000,
      expectedState: state,
    });
    out.write(`Set the app's Redirect URL in Partner Center to: ${listener.url}\n`);
    out.write(`Then have the seller open this link and approve:\n  ${link}\nWaiting for the redirect...\n`);
    code = await listener.code;
  } else {
    out.write(`Have the seller open this link and approve:\n  ${link}\n`);
    const pasted = await prompts.input("Authorization code (or the redirect URL it came on)", {
      validate: (v) => (v.trim() ? true : "paste the code from the redirect URL"),
    });
    code = authCodeFromPaste(pasted, state);
  }

  const staged = await exchangeTikTokShopCode({ config, appName: app.name, authCode: code });
  out.write(
    `Authorized by ${staged.sellerName ?? staged.openId}; scopes: ${staged.grantedScopes.join(", ") || "none"}\n`,
  );
  for (const s of staged.shops) out.write(`  shop ${s.id} ${s.name} (${s.region})\n`);
  let shopIds: string[] | undefined;
  if (staged.shops.length > 1) {
    const pick = await prompts.select("Which shops go to this Kommo account?", [
      { name: "All of them", value: "" },
      ...staged.shops.map((s) => ({ name: `${s.name} (${s.id})`, value: s.id })),
    ]);
    if (pick) shopIds = [pick];
  }
  const bound = commitTikTokShopBinding(staged, {
    config,
    kommoAccount,
    store: o.store,
    ...(shopIds ? { shopIds } : {}),
  });
  for (const s of bound.result.shops) {
    out.write(
      `Bound ${s.name || s.shopId} (${s.shopId}) to Kommo account ${kommoAccount}${s.added ? "" : " (already bound)"}\n`,
    );
  }
  const hook = bound.result.webhook;
  if (hook.url) {
    out.write(
      `Set the webhook URL in Partner Center (app → Basic information → HTTP server URL):\n  ${hook.url}\n`,
    );
  }
  for (const w of hook.warnings) out.write(`warning: ${w}\n`);
  return bound;
}

/** An existing app, or a new one whose key and secret the token host accepted. */
async function chooseApp(o: TikTokShopInitOptions): Promise<{ config: Config; app: TiktokshopApp }> {
  const { prompts, out } = o;
  const existing = o.config.tiktokshop.apps;
  if (existing.length > 0) {
    const pick = await prompts.select("Tokopedia & Shop app", [
      ...existing.map((a) => ({ name: a.name, value: a.name })),
      { name: "Add another app", value: "" },
    ]);
    const app = existing.find((a) => a.name === pick);
    if (app) return { config: o.config, app };
  }
  const taken = existing.map((a) => a.name);
  const name = await prompts.input("Name for this app in tokokommo", {
    ...(taken.includes("tts") ? {} : { default: "tts" }),
    validate: (v) =>
      !NAME_RE.test(v) ? "letters, digits, '-' or '_'" : taken.includes(v) ? "that name is taken" : true,
  });
  const serviceId = (
    await prompts.input("Service id (the service_id in Partner Center's authorization link)")
  ).trim();
  for (let attempt = 1; ; attempt++) {
    const appKey = (await prompts.input("App key")).trim();
    const appSecret = (await prompts.password("App secret")).trim();
    const app: TiktokshopApp = {
      name,
      appKey,
      appSecret,
      ...(serviceId ? { serviceId } : {}),
      dailyCallQuota: DEFAULT_DAILY_CALL_QUOTA,
      replyReserve: DEFAULT_REPLY_RESERVE,
      quotaDayStartUtc: DEFAULT_QUOTA_DAY_START_UTC,
    };
    const check = await verifyTikTokShopCredentials(app, o.config);
    if (check.ok === true) out.write("App key and secret accepted by Tokopedia & Shop.\n");
    else if (check.ok === "unknown")
      out.write(`Could not verify the app key and secret (${check.reason}).\n`);
    else {
      out.write(`${check.error.message} ${check.error.fix ?? ""}\n`);
      if (attempt < MAX_CREDENTIAL_TRIES) continue;
      throw check.error;
    }
    const config: Config = { ...o.config, tiktokshop: { apps: [...existing, app] } };
    return { config, app };
  }
}
