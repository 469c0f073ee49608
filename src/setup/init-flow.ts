/**
 * `tokokommo init`: the guided setup (README, Real setup). Each step is verified live before the next one:
 * Tokopedia app → IP whitelist → shop binding → Kommo account → channel → webhooks; then the config is written
 * once, atomically (saveConfig), so Ctrl-C at any prompt leaves the previous file byte-identical.
 *
 * Re-running on an existing config adds to it: a known app or Kommo account is reused (and re-verified), a new
 * shop is appended. A config file that is not complete yet (e.g. only `endpoints`) is a seed the wizard fills.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { MemoryTokenStore, type TokenStore } from "../auth/token-store.js";
import type { Prompter } from "../cli/prompts.js";
import {
  type Config,
  checkConfig,
  DEFAULT_ENDPOINTS,
  type Env,
  type KommoAccount,
  parseConfigJson,
  saveConfig,
  type TokopediaApp,
} from "../config/index.js";
import { invalidConfigError } from "../config/load.js";
import { envToken } from "../config/secrets.js";
import { kommoChatsClient, kommoRestClient, kommoTokenKey, tokopediaClient } from "../daemon/clients.js";
import { isTkError, TkError } from "../errors/index.js";
import { trimTrailingSlashes } from "../net/trim-trailing-slashes.js";
import { openStore } from "../store/index.js";
import { Asker, type Write } from "./asker.js";
import { findTokopediaShop } from "./bind-shop.js";
import { detectEgressIp, whitelistFix } from "./egress-ip.js";
import { nextSteps } from "./next-steps.js";

/** One flag per answer (program.ts); secrets may come from TOKOKOMMO_* env vars instead. */
export interface InitFlags {
  interactive?: boolean;
  publicUrl?: string;
  state?: string;
  app?: string;
  fsId?: string;
  clientId?: string;
  clientSecret?: string;
  webhookSecret?: string;
  egressIp?: string;
  shopDomain?: string;
  kommoAccount?: string;
  kommoSubdomain?: string;
  kommoToken?: string;
  kommoClientId?: string;
  kommoClientSecret?: string;
  kommoRedirectUri?: string;
  kommoAuthCode?: string;
  channelId?: string;
  channelSecret?: string;
}

export interface InitDeps {
  configPath: string;
  prompter: Prompter;
  write: Write;
  env: Env;
  /** For next steps' systemd unit. */
  execPath?: string;
}

export interface InitResult {
  configPath: string;
  config: Config;
  app: string;
  shop?: { shopId: string; name: string; added: boolean };
  kommoAccount: string;
  scopeId: string;
  chatWebhookUrl?: string;
  kommoHookUrl?: string;
  text: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (o: Obj, section: string, key: string): Obj[] => {
  const s = isObj(o[section]) ? (o[section] as Obj) : {};
  if (!Array.isArray(s[key])) s[key] = [];
  o[section] = s;
  return s[key] as Obj[];
};
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const validName = (v: string) => NAME_RE.test(v) || "use letters, digits, '-' or '_'";
const validUrl = (v: string) => {
  try {
    const u = new URL(v);
    return u.protocol === "http:" || u.protocol === "https:" || "must be an http(s) URL";
  } catch {
    return "must be a full URL, e.g. https://bridge.example.com";
  }
};

/** Reads the existing file: a valid config (re-run), a seed (partial), or nothing. */
function readExisting(path: string, env: Env): { raw: Obj; config?: Config } {
  if (!existsSync(path)) return { raw: { version: 1 } };
  const raw = parseConfigJson(readFileSync(path, "utf8"), path);
  if (!isObj(raw)) return { raw: { version: 1 } };
  const check = checkConfig(raw, env, { configPath: path });
  return { raw: structuredClone(raw), ...(check.ok ? { config: check.config } : {}) };
}

function endpointsOf(raw: Obj): Config["endpoints"] {
  const given = isObj(raw.endpoints) ? (raw.endpoints as Record<string, string>) : {};
  const out: Record<string, string> = { ...DEFAULT_ENDPOINTS };
  for (const [k, v] of Object.entries(given)) if (typeof v === "string") out[k] = trimTrailingSlashes(v);
  return out as Config["endpoints"];
}

export async function runInit(flags: InitFlags, deps: InitDeps): Promise<InitResult> {
  const configPath = resolve(deps.configPath);
  const ask = new Asker(flags.interactive !== false, deps.prompter, deps.env, deps.write);
  const say = deps.write;
  const { raw, config: existing } = readExisting(configPath, deps.env);
  const endpoints = endpointsOf(raw);
  const clientCfg = { endpoints };
  const tokens = new MemoryTokenStore();
  say(existing ? `Adding to ${configPath}` : `Setting up ${configPath}`);

  // ---- server ----------------------------------------------------------------------------------------------
  const server = isObj(raw.server) ? (raw.server as Obj) : {};
  raw.server = server;
  if (flags.publicUrl !== undefined || typeof server.publicUrl !== "string") {
    const a = await ask.ask({
      name: "server.publicUrl",
      message: "Public https URL where Tokopedia and Kommo reach this bridge (empty: polling only)",
      flag: "--public-url",
      flagValue: flags.publicUrl,
      optional: true,
      validate: validUrl,
    });
    if (a) server.publicUrl = trimTrailingSlashes(a.value);
  }
  if (flags.egressIp) server.egressIp = flags.egressIp;
  if (flags.state) raw.statePath = flags.state;
  const publicUrl = typeof server.publicUrl === "string" ? server.publicUrl : undefined;

  // ---- Tokopedia app ---------------------------------------------------------------------------------------
  say("Step 1/6: Tokopedia app");
  const apps = list(raw, "tokopedia", "apps");
  const appName = (
    await ask.need({
      name: "tokopedia.app",
      message: "Name for this Tokopedia app in the config",
      flag: "--app",
      flagValue: flags.app,
      default: (apps[0]?.name as string | undefined) ?? "main",
      validate: validName,
    })
  ).value;
  const appEntry: Obj = apps.find((a) => a.name === appName) ?? { name: appName };
  const knownApp = apps.includes(appEntry);
  const secretVar = (suffix: string) => `TOKOKOMMO_TOKOPEDIA_${envToken(appName)}_${suffix}`;
  const app = await ask.verified("tokopedia.app", async (fresh) => {
    const reuse = knownApp && !fresh;
    const fsId =
      reuse && appEntry.fsId !== undefined
        ? String(appEntry.fsId)
        : (
            await ask.need(
              {
                name: "tokopedia.fsId",
                message: "App ID (fs_id)",
                flag: "--fs-id",
                flagValue: flags.fsId,
                validate: (v) => /^\d+$/.test(v) || "fs_id is a number",
              },
              fresh,
            )
          ).value;
    const clientId =
      reuse && typeof appEntry.clientId === "string"
        ? appEntry.clientId
        : (
            await ask.need(
              {
                name: "tokopedia.clientId",
                message: "Client ID",
                flag: "--client-id",
                flagValue: flags.clientId,
              },
              fresh,
            )
          ).value;
    const envSecret = deps.env[secretVar("CLIENT_SECRET")];
    const secret =
      reuse && (typeof appEntry.clientSecret === "string" || envSecret)
        ? { value: envSecret || String(appEntry.clientSecret), fromEnv: !!envSecret }
        : await ask.need(
            {
              name: "tokopedia.clientSecret",
              message: "Client secret",
              flag: "--client-secret",
              flagValue: flags.clientSecret,
              envVar: secretVar("CLIENT_SECRET"),
              secret: true,
            },
            fresh,
          );
    const whEnv = deps.env[secretVar("WEBHOOK_SECRET")];
    const wh = flags.webhookSecret
      ? { value: flags.webhookSecret, fromEnv: false }
      : whEnv
        ? { value: whEnv, fromEnv: true }
        : typeof appEntry.webhookSecret === "string"
          ? { value: appEntry.webhookSecret, fromEnv: false }
          : { value: randomBytes(24).toString("hex"), fromEnv: false };
    const candidate: Omit<TokopediaApp, "requestsPerSecond"> = {
      name: appName,
      fsId: Number(fsId),
      clientId,
      clientSecret: secret.value,
      webhookSecret: wh.value,
    };
    say(`  checking credentials of fs_id ${fsId}...`);
    await tokopediaClient(candidate, clientCfg, tokens).tokens.get();
    say("  ✔ a token was obtained");
    appEntry.fsId = Number(fsId);
    appEntry.clientId = clientId;
    if (secret.fromEnv) delete appEntry.clientSecret;
    else appEntry.clientSecret = secret.value;
    if (wh.fromEnv) delete appEntry.webhookSecret;
    else appEntry.webhookSecret = wh.value;
    return candidate;
  });
  if (!knownApp) apps.push(appEntry);
  const tk = tokopediaClient(app, clientCfg, tokens);

  // ---- IP whitelist ----------------------------------------------------------------------------------------
  say("Step 2/6: IP whitelist");
  const egress = await detectEgressIp({
    ...(flags.egressIp ? { override: flags.egressIp } : {}),
    ...(typeof server.egressIp === "string" ? { configured: server.egressIp } : {}),
    ...(endpoints.ipEcho ? { echoUrl: endpoints.ipEcho } : {}),
  });
  await ask.verified("whitelist", async () => {
    let ips: string[];
    try {
      ips = (await tk.whitelist()).ips;
    } catch (err) {
      if (isTkError(err) && err.code === "TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED") ips = [];
      else throw err;
    }
    if (!egress) {
      say(
        `  ! cannot tell this server's IP (whitelist: ${ips.join(", ") || "empty"}); pass --egress-ip or set endpoints.ipEcho to check it`,
      );
      return;
    }
    if (!ips.includes(egress.ip))
      throw new TkError(
        "TK_ERR_SETUP_IP_NOT_WHITELISTED",
        `this server's IP ${egress.ip} (from ${egress.source}) is not whitelisted for app ${app.fsId}`,
        {
          fix: whitelistFix(egress.ip, app.fsId),
          exitCode: 1,
          details: { ip: egress.ip, whitelist: ips },
        },
      );
    say(`  ✔ ${egress.ip} is whitelisted`);
  });

  // ---- shop ------------------------------------------------------------------------------------------------
  say("Step 3/6: shop");
  const shops = Array.isArray(raw.shops) ? (raw.shops as Obj[]) : [];
  raw.shops = shops;
  let shopResult: InitResult["shop"];
  const found = await ask.verified("shop", async (fresh) => {
    const a = await ask.ask(
      {
        name: "shop.domain",
        message:
          "Shop URL or domain, e.g. tokopedia.com/kommo" + (shops.length > 0 ? " (empty: no new shop)" : ""),
        flag: "--shop-domain",
        flagValue: flags.shopDomain,
        optional: shops.length > 0,
      },
      fresh,
    );
    if (!a) return undefined;
    const shop = await findTokopediaShop(tk, a.value);
    say(`  ✔ found ${shop.name} (shop ID ${shop.shopId})`);
    return shop;
  });

  // ---- Kommo account ---------------------------------------------------------------------------------------
  say("Step 4/6: Kommo account");
  const accounts = list(raw, "kommo", "accounts");
  let accountName = flags.kommoAccount;
  if (accountName === undefined && accounts.length > 0) {
    const names = accounts.map((a) => String(a.name));
    accountName = ask.interactive
      ? await deps.prompter.select({
          name: "kommo.account",
          message: "Kommo account for this shop",
          choices: [...names.map((n) => ({ value: n, name: n })), { value: "", name: "a new account" }],
          default: names[0] ?? "",
        })
      : names[0];
  }
  let accountEntry: Obj | undefined = accountName ? accounts.find((a) => a.name === accountName) : undefined;
  if (accountEntry && !existing) {
    // A seed file's half-written account: set it up again from scratch.
    accounts.splice(accounts.indexOf(accountEntry), 1);
    accountEntry = undefined;
  }
  const knownAccount = accountEntry !== undefined;
  let account: KommoAccount;
  let oauthPair = false;
  if (knownAccount && existing) {
    const cfgAccount = existing.kommo.accounts.find((a) => a.name === accountName);
    if (!cfgAccount) throw new Error("init: account vanished");
    account = cfgAccount;
    await ask.verified("kommo.auth", async () => {
      say(`  checking account ${account.subdomain}...`);
      const info = await withAccountTokens(existing, account, (t) =>
        kommoRestClient(account, clientCfg, t).account(),
      );
      say(`  ✔ ${info.name || account.subdomain} (amojo_id ${info.amojoId})`);
    });
  } else {
    const sub = (
      await ask.need({
        name: "kommo.subdomain",
        message: "Kommo subdomain (acme for acme.kommo.com)",
        flag: "--kommo-subdomain",
        flagValue: flags.kommoSubdomain,
        validate: (v) => /^[a-z0-9][a-z0-9-]*$/i.test(v) || "only the subdomain, e.g. acme",
      })
    ).value;
    const name =
      accountName ||
      (
        await ask.need({
          name: "kommo.name",
          message: "Name for this Kommo account in the config",
          flag: "--kommo-account",
          default: sub,
          validate: validName,
        })
      ).value;
    const kVar = (suffix: string) => `TOKOKOMMO_KOMMO_${envToken(name)}_${suffix}`;
    const kind =
      flags.kommoToken || deps.env[kVar("LONG_LIVED_TOKEN")]
        ? "longLived"
        : flags.kommoClientId
          ? "oauth"
          : ask.interactive
            ? await deps.prompter.select({
                name: "kommo.authKind",
                message: "How does tokokommo sign in to Kommo?",
                choices: [
                  { value: "longLived", name: "a long-lived token (private integration)" },
                  { value: "oauth", name: "OAuth (integration id, secret and an authorization code)" },
                ],
                default: "longLived",
              })
            : "longLived";
    accountEntry = { name, subdomain: sub };
    /** The account as far as it is known; clients only read the fields each call needs. */
    const shell = { name, subdomain: sub, scopeId: "" };
    const entry = accountEntry;
    const amojoId = await ask.verified("kommo.auth", async (fresh) => {
      const base = { ...shell, amojoId: "", channel: { id: "", secret: "" } };
      if (kind === "longLived") {
        const t = await ask.need(
          {
            name: "kommo.token",
            message: "Long-lived token",
            flag: "--kommo-token",
            flagValue: flags.kommoToken,
            envVar: kVar("LONG_LIVED_TOKEN"),
            secret: true,
          },
          fresh,
        );
        say(`  checking the token on ${sub}...`);
        const info = await kommoRestClient(
          { ...base, auth: { longLivedToken: t.value } },
          clientCfg,
          tokens,
        ).account();
        entry.auth = t.fromEnv ? {} : { longLivedToken: t.value };
        say(`  ✔ ${info.name || sub} (amojo_id ${info.amojoId})`);
        return info.amojoId;
      }
      const clientId = (
        await ask.need(
          {
            name: "kommo.clientId",
            message: "Integration ID",
            flag: "--kommo-client-id",
            flagValue: flags.kommoClientId,
          },
          fresh,
        )
      ).value;
      const secret = await ask.need(
        {
          name: "kommo.clientSecret",
          message: "Secret key",
          flag: "--kommo-client-secret",
          flagValue: flags.kommoClientSecret,
          envVar: kVar("CLIENT_SECRET"),
          secret: true,
        },
        fresh,
      );
      const redirectUri = (
        await ask.need(
          {
            name: "kommo.redirectUri",
            message: "Redirect URI of the integration",
            flag: "--kommo-redirect-uri",
            flagValue: flags.kommoRedirectUri,
            validate: validUrl,
          },
          fresh,
        )
      ).value;
      const code = (
        await ask.need(
          {
            name: "kommo.authCode",
            message: "Authorization code (from the redirect, valid 20 minutes)",
            flag: "--kommo-auth-code",
            flagValue: flags.kommoAuthCode,
            secret: true,
          },
          fresh,
        )
      ).value;
      const client = kommoRestClient(
        { ...base, auth: { clientId, clientSecret: secret.value, redirectUri } },
        clientCfg,
        tokens,
      );
      say(`  exchanging the code on ${sub}...`);
      await client.exchangeCode(code);
      const info = await client.account();
      entry.auth = secret.fromEnv
        ? { clientId, redirectUri }
        : { clientId, clientSecret: secret.value, redirectUri };
      oauthPair = true;
      say(`  ✔ ${info.name || sub} (amojo_id ${info.amojoId})`);
      return info.amojoId;
    });
    entry.amojoId = amojoId;

    // ---- channel -------------------------------------------------------------------------------------------
    say("Step 5/6: Kommo chat channel");
    const channel = await ask.verified("kommo.channel", async (fresh) => {
      const id = (
        await ask.need(
          {
            name: "kommo.channelId",
            message: "Channel ID (issued by Kommo)",
            flag: "--channel-id",
            flagValue: flags.channelId,
          },
          fresh,
        )
      ).value;
      const secret = await ask.need(
        {
          name: "kommo.channelSecret",
          message: "Channel secret",
          flag: "--channel-secret",
          flagValue: flags.channelSecret,
          envVar: kVar("CHANNEL_SECRET"),
          secret: true,
        },
        fresh,
      );
      say("  connecting the channel...");
      const { scopeId } = await kommoChatsClient(
        { ...shell, amojoId, auth: { longLivedToken: "unused" }, channel: { id, secret: secret.value } },
        clientCfg,
      ).connect(amojoId, "Tokopedia");
      say(`  ✔ connected: scope_id ${scopeId}`);
      return { id, secret, scopeId };
    });
    entry.channel = channel.secret.fromEnv
      ? { id: channel.id }
      : { id: channel.id, secret: channel.secret.value };
    entry.scopeId = channel.scopeId;
    accounts.push(entry);
    const fullAuth =
      kind === "longLived" ? { longLivedToken: "" } : { clientId: "", clientSecret: "", redirectUri: "" };
    account = {
      name,
      subdomain: sub,
      amojoId,
      auth: fullAuth,
      channel: { id: channel.id, secret: channel.secret.value },
      scopeId: channel.scopeId,
    };
  }
  if (knownAccount) say("Step 5/6: Kommo chat channel (already connected)");

  // ---- shop binding in the config ----------------------------------------------------------------------------
  if (found) {
    const already = shops.find(
      (s) => (s.source ?? "tokopedia") === "tokopedia" && String(s.shopId) === found.shopId,
    );
    if (already) {
      say(`  shop ${found.shopId} is already bound (to ${String(already.kommoAccount)}); left as it is`);
      shopResult = { shopId: found.shopId, name: found.name, added: false };
    } else {
      shops.push({
        shopId: found.shopId,
        app: appName,
        kommoAccount: account.name,
        ...(found.domain || found.name ? { name: found.domain ?? found.name } : {}),
      });
      shopResult = { shopId: found.shopId, name: found.name, added: true };
    }
  }

  // ---- webhooks --------------------------------------------------------------------------------------------
  say("Step 6/6: webhooks");
  let chatWebhookUrl: string | undefined;
  let kommoHookUrl: string | undefined;
  if (publicUrl) {
    chatWebhookUrl = `${publicUrl}/webhooks/tokopedia/${encodeURIComponent(appName)}`;
    const url = chatWebhookUrl;
    await ask.verified("webhooks", async () => {
      // registerWebhooks reads the app's current URLs and sends them back: the other URLs stay as they are.
      await tk.registerWebhooks({
        chat_notification_url: url,
        ...(app.webhookSecret ? { webhook_secret: app.webhookSecret } : {}),
      });
    });
    say(`  ✔ Tokopedia chat webhook: ${chatWebhookUrl}`);
    kommoHookUrl = `${publicUrl}/webhooks/kommo/:scope_id`;
    say(`  Kommo channel hook URL (give it to Kommo for the channel): ${kommoHookUrl}`);
    say(`    for this account it resolves to ${publicUrl}/webhooks/kommo/${account.scopeId}`);
  } else {
    say("  no public URL: skipped (the bridge polls Tokopedia)");
  }

  // ---- write -----------------------------------------------------------------------------------------------
  const check = checkConfig(raw, deps.env, { configPath });
  if (!check.ok) throw invalidConfigError(configPath, check.problems);
  const config = check.config;
  if (oauthPair) {
    const pair = tokens.load(kommoTokenKey(account));
    if (pair) {
      const store = openStore(config.statePath);
      try {
        store.tokens.save(kommoTokenKey(account), pair);
      } finally {
        store.close();
      }
    }
  }
  saveConfig(configPath, config);
  const text = nextSteps({
    configPath,
    ...(kommoHookUrl ? { kommoHookUrl } : {}),
    ...(chatWebhookUrl ? { chatWebhookUrl } : {}),
    ...(deps.execPath ? { execPath: deps.execPath } : {}),
  });
  return {
    configPath,
    config,
    app: appName,
    ...(shopResult ? { shop: shopResult } : {}),
    kommoAccount: account.name,
    scopeId: account.scopeId,
    ...(chatWebhookUrl ? { chatWebhookUrl } : {}),
    ...(kommoHookUrl ? { kommoHookUrl } : {}),
    text,
  };
}

/**
 * Tokens for re-checking an existing account. OAuth pairs live in the state file and a check may rotate them
 * (single-use refresh tokens), so the real store is used read-write: a rotated pair must never be lost.
 */
function withAccountTokens<T>(
  config: Config,
  account: KommoAccount,
  fn: (store: TokenStore) => Promise<T>,
): Promise<T> {
  if ("longLivedToken" in account.auth) return fn(new MemoryTokenStore());
  const store = openStore(config.statePath);
  return fn(store.tokens).finally(() => store.close());
}
