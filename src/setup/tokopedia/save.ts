/**
 * The end of `init`: the draft laid over the file as found (a seed's other keys survive), validated, the Kommo
 * OAuth pair stored, the config written once, atomically. Secrets that came from the env stay out of the file.
 */
import { type Config, checkConfig, type Env, saveConfig } from "../../config/index.js";
import { invalidConfigError } from "../../config/load.js";
import { kommoTokenKey } from "../../daemon/clients.js";
import { openStore } from "../../store/index.js";
import { isObj, type Json, listAt, objAt } from "../config-file.js";
import type { AppDraft, InitDraft, InitResult, NewAccountDraft } from "./draft.js";
import { accountOf, appOf } from "./draft.js";

/** The file's JSON with the draft laid over it. */
export function draftedFile(d: InitDraft): { raw: Json; shop: InitResult["shop"] } {
  const raw = structuredClone(d.file.raw);
  const server = objAt(raw, "server");
  if (d.publicUrl) server.publicUrl = d.publicUrl;
  if (d.flags.egressIp) server.egressIp = d.flags.egressIp;
  raw.server = server;
  if (d.flags.state) raw.statePath = d.flags.state;
  const app = appOf(d);
  const apps = upsert(listAt(raw, "tokopedia", "apps"), appEntry(app), "merge");
  raw.tokopedia = { ...objAt(raw, "tokopedia"), apps };
  const account = accountOf(d);
  // A new account replaces a seed file's half-written entry of the same name.
  if (account.kind === "new") {
    const accounts = upsert(listAt(raw, "kommo", "accounts"), accountEntry(account), "replace");
    raw.kommo = { ...objAt(raw, "kommo"), accounts };
  }
  const shops = Array.isArray(raw.shops) ? raw.shops : [];
  raw.shops = shops;
  if (!d.shop) return { raw, shop: undefined };
  const shopId = d.shop.shopId;
  const bound = shops
    .filter(isObj)
    .some((s) => (s.source ?? "tokopedia") === "tokopedia" && String(s.shopId) === shopId);
  if (!bound)
    shops.push({
      shopId,
      app: app.app.name,
      kommoAccount: account.name,
      ...(d.shop.domain || d.shop.name ? { name: d.shop.domain ?? d.shop.name } : {}),
      ...d.routing,
    });
  return { raw, shop: { shopId, name: d.shop.name, added: !bound } };
}

/** Updates the entry of the same name ("merge" keeps keys init does not set), or appends it. */
function upsert(list: Json[], entry: Json, how: "merge" | "replace"): Json[] {
  const i = list.findIndex((e) => e.name === entry.name);
  if (i < 0) return [...list, withoutUndefined(entry)];
  const merged = how === "merge" ? { ...list[i], ...entry } : { ...entry };
  return list.map((e, j) => (j === i ? withoutUndefined(merged) : e));
}

function withoutUndefined(o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function appEntry(a: AppDraft): Json {
  return {
    name: a.app.name,
    fsId: a.app.fsId,
    clientId: a.app.clientId,
    clientSecret: a.clientSecretFromEnv ? undefined : a.app.clientSecret,
    webhookSecret: a.webhookSecretFromEnv ? undefined : a.app.webhookSecret,
  };
}

function accountEntry(a: NewAccountDraft): Json {
  const auth =
    "longLivedToken" in a.auth
      ? a.authSecretFromEnv
        ? {}
        : { longLivedToken: a.auth.longLivedToken }
      : {
          clientId: a.auth.clientId,
          ...(a.authSecretFromEnv ? {} : { clientSecret: a.auth.clientSecret }),
          redirectUri: a.auth.redirectUri,
        };
  const channel = a.channel;
  return {
    name: a.name,
    subdomain: a.subdomain,
    auth,
    amojoId: a.amojoId,
    ...(channel
      ? {
          channel: channel.secretFromEnv ? { id: channel.id } : { id: channel.id, secret: channel.secret },
          scopeId: channel.scopeId,
        }
      : {}),
  };
}

/** Validates the drafted file, stores a new OAuth pair, writes the config; returns the config written. */
export function saveDraft(d: InitDraft, raw: Json, env: Env): Config {
  const check = checkConfig(raw, env, { configPath: d.configPath });
  if (!check.ok) throw invalidConfigError(d.configPath, check.problems);
  const config = check.config;
  const account = accountOf(d);
  if (account.kind === "new" && account.oauthPair) {
    const pair = d.tokens.load(kommoTokenKey(account));
    if (pair) {
      const store = openStore(config.statePath);
      try {
        store.tokens.save(kommoTokenKey(account), pair);
      } finally {
        store.close();
      }
    }
  }
  saveConfig(d.configPath, config);
  return config;
}
