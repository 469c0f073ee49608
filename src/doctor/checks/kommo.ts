/**
 * Kommo checks per account: the REST token (valid, expiry, OAuth refresh-token age), the channel secret as amojo
 * judges it, the scope id, and clock skew (amojo refuses signatures whose Date is more than 15 minutes off).
 */
import { request } from "undici";
import type { KommoAccount } from "../../config/index.js";
import { kommoApiUrl } from "../../config/index.js";
import { kommoTokenKey } from "../../daemon/clients.js";
import { isTkError } from "../../errors/index.js";
import type { DoctorContext } from "../context.js";
import type { Check, CheckGroup, Outcome } from "../types.js";
import { BUG_FIX, fail, pass, warn } from "../types.js";
import { unreachable, unreachableReason } from "../unreachable.js";

const DAY = 24 * 3600_000;
/**
 * Kommo refresh tokens die 3 months after they were issued if not used (docs/platforms/kommo.md#oauth-and-tokens).
 */
export const REFRESH_TOKEN_LIFE_MS = 90 * DAY;
/** Warn this long before a token expires. */
export const EXPIRY_WARN_MS = 14 * DAY;
/** amojo accepts a Date within 15 minutes; warn well before, fail when a signature is close to being refused. */
export const SKEW_WARN_MS = 60_000;
export const SKEW_FAIL_MS = 5 * 60_000;

const days = (ms: number) => `${Math.floor(ms / DAY)} day(s)`;

/** A failed Kommo call: unreachable told apart from an answer that refused (`what` says what was asked). */
function fromError(err: unknown, what: string, url: string, unjudged: string): Outcome {
  const reason = unreachableReason(err);
  if (reason) return unreachable("Kommo", url, reason, unjudged);
  if (isTkError(err))
    return fail(`${what}: ${err.message} (${err.code})`, err.fix ?? "see docs/errors.md for the code");
  return fail(`${what}: ${err instanceof Error ? err.message : String(err)}`, BUG_FIX);
}

/** `exp` (seconds) of a JWT, when the token is one (Kommo long-lived tokens are). */
function jwtExpiry(token: string): number | undefined {
  const part = token.split(".")[1];
  if (token.split(".").length !== 3 || !part) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(part, "base64url").toString("utf8")) as { exp?: unknown }).exp;
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const restUrl = (c: DoctorContext, account: KommoAccount) =>
  kommoApiUrl(c.config.endpoints, account.subdomain);

/** This machine's clock against the Date amojo answers with. */
const clock: Check = {
  id: "kommo.clock",
  title: "Clock agrees with Kommo (signatures expire after 15 minutes)",
  needs: ["config.valid"],
  calls: (c) => c.config.endpoints.kommoChats,
  async run(c) {
    const url = c.config.endpoints.kommoChats;
    let date: string | undefined;
    const sent = c.now();
    try {
      const res = await request(url, { method: "GET", headersTimeout: 10_000, bodyTimeout: 10_000 });
      await res.body.dump();
      const h = res.headers.date;
      date = Array.isArray(h) ? h[0] : h;
    } catch (err) {
      return fromError(err, `cannot reach ${url}`, url, "the clock");
    }
    const theirs = date ? Date.parse(date) : Number.NaN;
    if (Number.isNaN(theirs))
      return warn(
        `${url} sent no usable Date header`,
        "check endpoints.kommoChats points at amojo.kommo.com",
      );
    // Date has 1 s resolution and the round trip takes time: compare with the middle of the exchange.
    const ours = (sent + c.now()) / 2;
    const skew = ours - theirs;
    const text = `this clock is ${Math.abs(Math.round(skew / 1000))} s ${skew >= 0 ? "ahead of" : "behind"} Kommo`;
    const fix = "synchronise the clock (e.g. `timedatectl set-ntp true`, or install chrony)";
    if (Math.abs(skew) > SKEW_FAIL_MS) return fail(text, fix);
    if (Math.abs(skew) > SKEW_WARN_MS) return warn(text, fix);
    return pass(text);
  },
};

/** Codes with which Kommo answered that the token itself is not accepted. */
const TOKEN_REFUSED = new Set([
  "TK_ERR_KOMMO_UNAUTHORIZED",
  "TK_ERR_KOMMO_REAUTHORIZE",
  "TK_ERR_KOMMO_FORBIDDEN",
]);

/** GET /api/v4/account with the configured long-lived token or the stored OAuth pair. */
const token = (account: KommoAccount): Check => ({
  id: "kommo.token",
  subject: account.name,
  title: `Kommo account ${account.name}: token valid`,
  needs: ["config.valid"],
  calls: (c) => restUrl(c, account),
  async run(c) {
    try {
      const info = await c.kommoAccountInfo(account.name);
      return pass(`authorized for ${info.name || account.subdomain} (account ${info.id})`);
    } catch (err) {
      const refused = isTkError(err) && TOKEN_REFUSED.has(err.code);
      const what = refused
        ? `Kommo refused the token of ${account.subdomain}`
        : `Kommo did not confirm the token of ${account.subdomain}`;
      return fromError(err, what, restUrl(c, account), "the token");
    }
  },
});

/** A long-lived token's expiry, or the OAuth refresh token's age against Kommo's 3-month limit. */
const tokenExpiry = (account: KommoAccount): Check => ({
  id: "kommo.token-expiry",
  subject: account.name,
  title: `Kommo account ${account.name}: token expiry and refresh-token age`,
  needs: ["config.valid"],
  run(c) {
    const now = c.now();
    if ("longLivedToken" in account.auth) {
      const exp = jwtExpiry(account.auth.longLivedToken);
      if (exp === undefined) return pass("long-lived token (no expiry date readable in it)");
      const left = exp - now;
      const fix =
        "create a new long-lived token in Kommo (Settings > Integrations > your integration > Keys) and put it in the config";
      if (left <= 0) return fail(`the long-lived token expired ${days(-left)} ago`, fix);
      if (left < EXPIRY_WARN_MS) return warn(`the long-lived token expires in ${days(left)}`, fix);
      return pass(`long-lived token valid for ${days(left)}`);
    }
    const reauth = `authorize again: \`tokokommo init --kommo-account ${account.name} --kommo-auth-code CODE\` with a fresh code from Kommo`;
    if (!c.store()) return warn("no state file, so no OAuth tokens stored yet", reauth);
    const t = c.store()?.tokens.load(kommoTokenKey(account));
    if (!t) return fail("no OAuth tokens stored for this account", reauth);
    if (typeof t.meta?.reauthorize === "string")
      return fail(`Kommo refused the refresh token (${t.meta.reauthorize})`, reauth);
    const refreshEnd = t.refreshExpiresAt ?? t.obtainedAt + REFRESH_TOKEN_LIFE_MS;
    const age = now - t.obtainedAt;
    if (refreshEnd <= now)
      return fail(`the refresh token is ${days(age)} old and past Kommo's 3-month limit`, reauth);
    if (refreshEnd - now < EXPIRY_WARN_MS)
      return warn(
        `the refresh token is ${days(age)} old; it expires in ${days(refreshEnd - now)} unless the daemon refreshes it`,
        "keep `tokokommo serve` running (it refreshes tokens daily), or authorize again",
      );
    const access =
      t.expiresAt > now
        ? `access token valid for ${Math.round((t.expiresAt - now) / 3600_000)} h`
        : "access token expired (the daemon refreshes it on use)";
    return pass(`${access}; refresh token ${days(age)} old of 90`);
  },
});

/** amojo accepts a request signed with the channel secret. */
const channelSecret = (account: KommoAccount): Check => ({
  id: "kommo.channel-secret",
  subject: account.name,
  title: `Kommo account ${account.name}: channel secret accepted by amojo`,
  needs: ["config.valid"],
  calls: (c) => c.config.endpoints.kommoChats,
  async run(c) {
    const r = await probeScope(c.kommoChats(account.name), account.scopeId);
    if (r.ok || r.code === "TK_ERR_KOMMO_NOT_REGISTERED")
      return pass(`amojo accepted a request signed for channel ${account.channel.id}`);
    if (r.code === "TK_ERR_KOMMO_BAD_SIGNATURE")
      return fail(
        `amojo refused the signature of channel ${account.channel.id} (ORIGIN_INVALID_SIGNATURE)`,
        "copy the channel secret Kommo issued into kommo.accounts[].channel.secret (or TOKOKOMMO_KOMMO_<ACCOUNT>_CHANNEL_SECRET); if the secret is right, check the clock (kommo.clock)",
      );
    return fromError(r.error, "amojo probe failed", c.config.endpoints.kommoChats, "the channel secret");
  },
});

/** amojoId and scopeId match the account, and amojo knows the scope. */
const scope = (account: KommoAccount): Check => ({
  id: "kommo.scope",
  subject: account.name,
  title: `Kommo account ${account.name}: scope_id matches channel and account`,
  needs: [`kommo.token:${account.name}`, `kommo.channel-secret:${account.name}`],
  calls: (c) => c.config.endpoints.kommoChats,
  async run(c) {
    const info = await c.kommoAccountInfo(account.name);
    const want = `${account.channel.id}_${info.amojoId}`;
    const fix = `run \`tokokommo init --kommo-account ${account.name}\` again: it connects the channel and stores the scope_id`;
    if (info.amojoId !== account.amojoId)
      return fail(
        `amojoId in the config (${account.amojoId}) is not this account's (${info.amojoId})`,
        `set amojoId to ${info.amojoId} and scopeId to ${want}, or ${fix}`,
      );
    if (account.scopeId !== want) return fail(`scopeId is ${account.scopeId}, expected ${want}`, fix);
    const r = await probeScope(c.kommoChats(account.name), account.scopeId);
    if (r.code === "TK_ERR_KOMMO_NOT_REGISTERED")
      return fail(
        `the channel is not connected to this account (scope ${account.scopeId} unknown to amojo)`,
        fix,
      );
    if (!r.ok) return fromError(r.error, "amojo probe failed", c.config.endpoints.kommoChats, "the scope");
    return pass(`connected: ${account.scopeId}`);
  },
});

export const kommoChecks: CheckGroup = {
  name: "kommo",
  checks(ctx) {
    if (!ctx.configState.ok) return [];
    const used = new Set(ctx.shops().map((s) => s.kommoAccount));
    const accounts = ctx.config.kommo.accounts.filter(
      (a) => ctx.options.shop === undefined || used.has(a.name),
    );
    return [clock, ...accounts.flatMap((a) => [token(a), tokenExpiry(a), channelSecret(a), scope(a)])];
  },
};

/**
 * A read-only signed amojo request on the scope (the history of a chat that does not exist): proves the channel
 * secret (403 ORIGIN_INVALID_SIGNATURE otherwise) and that the scope is connected (404 otherwise), changing nothing.
 */
async function probeScope(
  chats: { history(scopeId: string, chatId: string, page?: { limit?: number }): Promise<unknown> },
  scopeId: string,
): Promise<{ ok: boolean; code?: string; error?: unknown }> {
  try {
    await chats.history(scopeId, "tokokommo-doctor-probe", { limit: 1 });
    return { ok: true };
  } catch (error) {
    return { ok: false, error, ...(isTkError(error) ? { code: error.code } : {}) };
  }
}
