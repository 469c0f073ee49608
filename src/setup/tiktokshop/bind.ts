/**
 * Binding a Tokopedia & Shop seller (`shops add --source tiktokshop`): exchange the seller's auth
 * code, check the Customer Service scope, pick the authorized shops (all, or those named), store the tokens
 * in the state file and add the shops to the config.
 *
 * Two phases, so bad input changes nothing: the code is exchanged into a scratch token store first
 * (exchangeTikTokShopCode), every check runs on that (planTikTokShopBinding), and only then is the token
 * written to the state file. Everything that can be checked without the platform is checked before the
 * single-use code is spent.
 */
import { MemoryTokenStore, type StoredToken, type TokenStore } from "../../auth/token-store.js";
import type { Config, Shop } from "../../config/index.js";
import { tiktokshopClient } from "../../daemon/clients.js";
import { TkError } from "../../errors/index.js";
import { type AuthorizedShop, CS_SCOPE, TTS_ERR } from "../../sources/tiktokshop/index.js";
import { appUnknown, kommoAccountUnknown, TTS_SETUP_ERR } from "./errors.js";
import { type TikTokShopWebhookUrl, tiktokshopWebhookUrl } from "./webhook-url.js";

/** A seller authorization held in memory, not yet written to the state file. */
export interface StagedTikTokShopAuthorization {
  app: string;
  openId: string;
  /** `tiktokshop:{app}:{openId}`, the state file's token key. */
  tokenKey: string;
  sellerName: string | undefined;
  grantedScopes: string[];
  hasCustomerServiceScope: boolean;
  shops: AuthorizedShop[];
  /** The token with its meta (openId, scopes, shops), as it will be stored. */
  token: StoredToken;
}

export interface BoundTikTokShop {
  shopId: string;
  name: string;
  region: string;
  /** False when the shop was already bound to the same app and Kommo account (re-binding is idempotent). */
  added: boolean;
}

export interface TikTokShopBindResult {
  app: string;
  openId: string;
  sellerName: string | undefined;
  kommoAccount: string;
  shops: BoundTikTokShop[];
  grantedScopes: string[];
  /** What to set as the app's webhook URL in Partner Center, with warnings when it would be refused. */
  webhook: TikTokShopWebhookUrl;
}

export interface BindTikTokShopSellerOptions {
  config: Config;
  /** For messages only (the caller saves the config). */
  configPath?: string;
  appName: string;
  authCode: string;
  kommoAccount: string;
  /** Bind only these shops; all authorized shops when absent or empty. */
  shopIds?: string[];
  /** The state file (openStore(config.statePath)); only `tokens` is used. */
  store: { tokens: TokenStore };
  timeoutMs?: number;
}

/** Checks that need no platform call: the app and Kommo account exist, named shops are not bound elsewhere. */
export function preflightTikTokShopBinding(
  config: Config,
  o: { appName: string; kommoAccount: string; shopIds?: string[]; configPath?: string },
): void {
  const apps = config.tiktokshop.apps.map((a) => a.name);
  if (!apps.includes(o.appName)) throw appUnknown(o.appName, apps, o.configPath);
  const accounts = config.kommo.accounts.map((a) => a.name);
  if (!accounts.includes(o.kommoAccount)) throw kommoAccountUnknown(o.kommoAccount, accounts);
  for (const id of o.shopIds ?? []) conflictOf(config, id, o.appName, o.kommoAccount);
}

/** Exchanges the code into a scratch store: nothing is written to the state file yet. */
export async function exchangeTikTokShopCode(o: {
  config: Config;
  appName: string;
  authCode: string;
  configPath?: string;
  timeoutMs?: number;
}): Promise<StagedTikTokShopAuthorization> {
  const app = o.config.tiktokshop.apps.find((a) => a.name === o.appName);
  if (!app)
    throw appUnknown(
      o.appName,
      o.config.tiktokshop.apps.map((a) => a.name),
      o.configPath,
    );
  const scratch = new MemoryTokenStore();
  const client = tiktokshopClient(app, o.config, scratch);
  const auth = await client.authorize(o.authCode);
  // authorize() added the shops to the stored meta after the exchange: read back the complete token.
  const token = scratch.load(auth.tokenKey) ?? auth.token;
  return {
    app: app.name,
    openId: auth.openId,
    tokenKey: auth.tokenKey,
    sellerName: auth.meta.sellerName,
    grantedScopes: auth.meta.grantedScopes,
    hasCustomerServiceScope: auth.hasCustomerServiceScope,
    shops: auth.shops,
    token,
  };
}

/**
 * Decides what the binding does, throwing before anything is written when it cannot be done: scope missing,
 * no shops, a named shop the seller did not authorize, a shop bound to another app or Kommo account.
 */
export function planTikTokShopBinding(
  staged: StagedTikTokShopAuthorization,
  o: { config: Config; kommoAccount: string; shopIds?: string[] },
): { config: Config; shops: BoundTikTokShop[] } {
  if (!staged.hasCustomerServiceScope) throw scopeMissing(staged);
  if (staged.shops.length === 0) {
    throw new TkError(
      TTS_SETUP_ERR.NO_SHOPS,
      `The Tokopedia & Shop seller ${staged.sellerName ?? staged.openId} authorized the app for no shop.`,
      {
        fix: "ask the seller to open the authorization link again and approve it with the shop owner account",
        details: { openId: staged.openId },
      },
    );
  }
  const wanted = [...new Set(o.shopIds ?? [])];
  const chosen =
    wanted.length === 0
      ? staged.shops
      : wanted.map((id) => {
          const shop = staged.shops.find((s) => s.id === id);
          if (!shop) throw shopNotAuthorized(id, staged);
          return shop;
        });
  const shops: Shop[] = [...o.config.shops];
  const bound: BoundTikTokShop[] = [];
  for (const s of chosen) {
    const existing = conflictOf(o.config, s.id, staged.app, o.kommoAccount);
    if (!existing) {
      shops.push({
        source: "tiktokshop",
        shopId: s.id,
        app: staged.app,
        kommoAccount: o.kommoAccount,
        ...(s.name ? { name: s.name } : {}),
      });
    }
    bound.push({ shopId: s.id, name: s.name, region: s.region, added: !existing });
  }
  return { config: { ...o.config, shops }, shops: bound };
}

/** Exchanges the code, checks it all, stores the tokens and returns the config with the shops added. */
export async function bindTikTokShopSeller(
  o: BindTikTokShopSellerOptions,
): Promise<{ config: Config; result: TikTokShopBindResult }> {
  preflightTikTokShopBinding(o.config, o);
  const staged = await exchangeTikTokShopCode(o);
  return commitTikTokShopBinding(staged, o);
}

/** Plans, then writes the staged token to the state file (the only write), and describes the outcome. */
export function commitTikTokShopBinding(
  staged: StagedTikTokShopAuthorization,
  o: { config: Config; kommoAccount: string; shopIds?: string[]; store: { tokens: TokenStore } },
): { config: Config; result: TikTokShopBindResult } {
  const plan = planTikTokShopBinding(staged, o);
  o.store.tokens.save(staged.tokenKey, staged.token);
  return {
    config: plan.config,
    result: {
      app: staged.app,
      openId: staged.openId,
      sellerName: staged.sellerName,
      kommoAccount: o.kommoAccount,
      shops: plan.shops,
      grantedScopes: staged.grantedScopes,
      webhook: tiktokshopWebhookUrl(o.config, staged.app),
    },
  };
}

/**
 * The config entry already binding this shop, when it binds it the same way (idempotent); throws when the
 * shop is bound to another app or Kommo account (one shop maps to one account).
 */
function conflictOf(config: Config, shopId: string, app: string, kommoAccount: string): Shop | undefined {
  const existing = config.shops.find((s) => s.source === "tiktokshop" && s.shopId === shopId);
  if (!existing) return undefined;
  if (existing.app === app && existing.kommoAccount === kommoAccount) return existing;
  throw new TkError(
    TTS_SETUP_ERR.SHOP_BOUND_ELSEWHERE,
    `Tokopedia & Shop shop ${shopId} is already bound to app "${existing.app}" and Kommo account "${existing.kommoAccount}".`,
    {
      exitCode: 2,
      fix: `remove that binding first (tokokommo shops remove ${shopId}), or bind it with --app ${existing.app} --kommo-account ${existing.kommoAccount}`,
      details: { shopId, app: existing.app, kommoAccount: existing.kommoAccount },
    },
  );
}

function scopeMissing(staged: StagedTikTokShopAuthorization): TkError {
  return new TkError(
    TTS_ERR.SCOPE_MISSING,
    `The seller's authorization lacks the Customer Service scope (${CS_SCOPE}); granted: ${staged.grantedScopes.join(", ") || "none"}. Nothing was bound.`,
    {
      fix: "get the Customer Service API approved for the app in Partner Center, then have the seller open the authorization link again and pass the new code",
      details: { openId: staged.openId, grantedScopes: staged.grantedScopes, retryable: false },
    },
  );
}

function shopNotAuthorized(id: string, staged: StagedTikTokShopAuthorization): TkError {
  const list = staged.shops.map((s) => `${s.id}${s.name ? ` (${s.name})` : ""}`).join(", ");
  return new TkError(
    TTS_ERR.SHOP_UNKNOWN,
    `Shop ${id} is not among the shops the seller authorized: ${list}. Nothing was bound.`,
    {
      exitCode: 2,
      fix: "pass --shop with one of those ids (or none to bind them all) and a new authorization code; the code just used is spent",
      details: { shopId: id, authorized: staged.shops.map((s) => s.id), retryable: false },
    },
  );
}
