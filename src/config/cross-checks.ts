/**
 * Checks across sections of the config (names that refer to other entries, uniqueness, scope ids).
 *
 * They run even when the shape has problems (so one run reports everything), hence every read here is
 * defensive: the value may be partially invalid.
 */
import { isSourceKind, type SourceKind } from "../domain/marketplace.js";
import { envToken } from "./secrets.js";

/** The part of zod's refinement context used here. */
export interface IssueSink {
  addIssue(issue: {
    code: "custom";
    message: string;
    path: (string | number)[];
    params?: Record<string, unknown>;
  }): void;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown, key: string): unknown[] => {
  const inner = isObj(v) ? v[key] : undefined;
  return Array.isArray(inner) ? inner : [];
};
const str = (v: unknown, key: string): string | undefined => {
  const s = isObj(v) ? v[key] : undefined;
  return typeof s === "string" ? s : undefined;
};
const namesOf = (entries: unknown[]): string[] => [
  ...new Set(entries.map((e) => str(e, "name")).filter((n): n is string => n !== undefined)),
];
const quoteAll = (names: string[]) => (names.length ? names.join(", ") : "none");

const SECTIONS = [
  { section: "tokopedia", list: "apps", what: "app" },
  { section: "tiktokshop", list: "apps", what: "app" },
  { section: "kommo", list: "accounts", what: "account" },
] as const;

/** Reports one problem at `path`, with the fix to show. */
type Add = (path: (string | number)[], message: string, fix: string) => void;

export function crossCheck(value: unknown, ctx: IssueSink): void {
  const c = isObj(value) ? value : {};
  const add: Add = (path, message, fix) => ctx.addIssue({ code: "custom", path, message, params: { fix } });
  checkUniqueNames(c, add);
  checkSomeAppConfigured(c, add);
  checkShops(c, add);
  checkScopeIds(c, add);
  checkPublicUrlForWebhooks(c, add);
}

/** Names are unique per section, also once turned into env var names (my-app and my_app collide). */
function checkUniqueNames(c: Obj, add: Add): void {
  for (const { section, list: key, what } of SECTIONS) {
    const seen = new Map<string, number>();
    const seenEnv = new Map<string, number>();
    list(c[section], key).forEach((entry, i) => {
      const name = str(entry, "name");
      if (name === undefined) return;
      const first = seen.get(name);
      const firstEnv = seenEnv.get(envToken(name));
      if (first !== undefined) {
        add(
          [section, key, i, "name"],
          `${JSON.stringify(name)} is already the name of ${section}.${key}[${first}]`,
          `give each ${what} in ${section}.${key} its own name`,
        );
      } else if (firstEnv !== undefined) {
        add(
          [section, key, i, "name"],
          `${JSON.stringify(name)} gives the same env var names as ${section}.${key}[${firstEnv}]`,
          `rename one of them (names differing only in case, '-' or '_' collide)`,
        );
      }
      if (first === undefined) seen.set(name, i);
      if (firstEnv === undefined) seenEnv.set(envToken(name), i);
    });
  }
}

function checkSomeAppConfigured(c: Obj, add: Add): void {
  if (list(c.tokopedia, "apps").length + list(c.tiktokshop, "apps").length === 0) {
    add(
      ["tokopedia", "apps"],
      "no marketplace app is configured (tokopedia.apps and tiktokshop.apps are both empty)",
      "add an app to tokopedia.apps or tiktokshop.apps (`tokokommo init` does it for you)",
    );
  }
}

/** Each shop names an app of its own source and a configured Kommo account, and is bound once. */
function checkShops(c: Obj, add: Add): void {
  const apps = {
    tokopedia: namesOf(list(c.tokopedia, "apps")),
    tiktokshop: namesOf(list(c.tiktokshop, "apps")),
  };
  const accountNames = namesOf(list(c.kommo, "accounts"));
  const shopKeys = new Map<string, number>();
  list(c, "shops").forEach((shop, i) => {
    const source = str(shop, "source") ?? "tokopedia";
    const app = str(shop, "app");
    if (app !== undefined && isSourceKind(source)) checkShopApp(i, source, app, apps, add);
    const account = str(shop, "kommoAccount");
    if (account !== undefined && !accountNames.includes(account)) {
      add(
        ["shops", i, "kommoAccount"],
        `${JSON.stringify(account)} is not a Kommo account in kommo.accounts (names: ${quoteAll(accountNames)})`,
        `use one of those names, or add an account named ${JSON.stringify(account)} to kommo.accounts`,
      );
    }
    const rawId = isObj(shop) ? shop.shopId : undefined;
    if (typeof rawId === "string" || typeof rawId === "number") {
      const key = `${source}:${String(rawId)}`; // a duplicate check over raw input, not yet a shop of a known source
      const first = shopKeys.get(key);
      if (first !== undefined) {
        add(
          ["shops", i, "shopId"],
          `${source} shop ${String(rawId)} is already bound in shops[${first}]`,
          "remove the duplicate entry (one shop maps to one Kommo account)",
        );
      } else shopKeys.set(key, i);
    }
  });
}

function checkShopApp(
  i: number,
  source: SourceKind,
  app: string,
  apps: Record<SourceKind, string[]>,
  add: Add,
): void {
  const own = apps[source];
  if (own.includes(app)) return;
  const otherSource: SourceKind = source === "tokopedia" ? "tiktokshop" : "tokopedia";
  add(
    ["shops", i, "app"],
    `${JSON.stringify(app)} is not an app in ${source}.apps (names: ${quoteAll(own)})`,
    apps[otherSource].includes(app)
      ? `it is a ${otherSource} app: set shops[${i}].source to "${otherSource}"`
      : `use one of those names, or add an app named ${JSON.stringify(app)} to ${source}.apps`,
  );
}

/**
 * scope_id = `{channel_id}_{amojo_id}` (docs/platforms/kommo.md#hosts-and-identifiers); a mismatch means ids from
 * different accounts.
 */
function checkScopeIds(c: Obj, add: Add): void {
  list(c.kommo, "accounts").forEach((account, i) => {
    const scopeId = str(account, "scopeId");
    const channelId = str(isObj(account) ? account.channel : undefined, "id");
    const amojoId = str(account, "amojoId");
    if (scopeId === undefined || channelId === undefined) return;
    if (!scopeId.startsWith(`${channelId}_`)) {
      add(
        ["kommo", "accounts", i, "scopeId"],
        `does not begin with channel.id followed by "_" (${JSON.stringify(`${channelId}_`)})`,
        amojoId !== undefined
          ? `set it to ${JSON.stringify(`${channelId}_${amojoId}`)} (the scope_id connect returned)`
          : "use the scope_id returned when the channel was connected",
      );
    } else if (amojoId !== undefined && scopeId !== `${channelId}_${amojoId}`) {
      add(
        ["kommo", "accounts", i, "scopeId"],
        `does not end with this account's amojoId (${JSON.stringify(amojoId)})`,
        `check amojoId, or set scopeId to ${JSON.stringify(`${channelId}_${amojoId}`)}`,
      );
    }
  });
}

function checkPublicUrlForWebhooks(c: Obj, add: Add): void {
  const mode = str(c.sync, "mode");
  if (mode === "webhook" && str(c.server, "publicUrl") === undefined) {
    add(
      ["server", "publicUrl"],
      'is required when sync.mode is "webhook" (the platforms must reach this bridge)',
      'set server.publicUrl, or use sync.mode "hybrid" or "poll"',
    );
  }
}
