/**
 * Kommo checks per account: the REST token (valid, expiry, OAuth refresh-token age), the channel secret as amojo
 * judges it, the scope id, and clock skew (amojo refuses signatures whose Date is more than 15 minutes off).
 */
import { request } from "undici";
import { kommoTokenKey } from "../../daemon/clients.js";
import { isTkError } from "../../errors/index.js";
import type { Check, CheckGroup, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";

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

function fromError(err: unknown, what: string): Outcome {
  if (isTkError(err))
    return fail(`${what}: ${err.message} (${err.code})`, err.fix ?? "see docs/errors.md for the code");
  return fail(
    `${what}: ${err instanceof Error ? err.message : String(err)}`,
    "check the network path to Kommo (endpoints.kommoApi / kommoChats)",
  );
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

export const kommoChecks: CheckGroup = {
  name: "kommo",
  checks(ctx) {
    if (!ctx.configState.ok) return [];
    const used = new Set(ctx.shops().map((s) => s.kommoAccount));
    const checks: Check[] = [
      {
        id: "kommo.clock",
        title: "Clock agrees with Kommo (signatures expire after 15 minutes)",
        needs: ["config.valid"],
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
            return fromError(err, `cannot reach ${url}`);
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
      },
    ];
    for (const account of ctx.config.kommo.accounts) {
      if (ctx.options.shop !== undefined && !used.has(account.name)) continue;
      const name = account.name;
      const tokenKey = `kommo.token:${name}`;
      checks.push(
        {
          id: "kommo.token",
          subject: name,
          title: `Kommo account ${name}: token valid`,
          needs: ["config.valid"],
          async run(c) {
            try {
              const info = await c.kommoAccountInfo(name);
              return pass(`authorized for ${info.name || account.subdomain} (account ${info.id})`);
            } catch (err) {
              return fromError(err, `Kommo refused the token of ${account.subdomain}`);
            }
          },
        },
        {
          id: "kommo.token-expiry",
          subject: name,
          title: `Kommo account ${name}: token expiry and refresh-token age`,
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
            const reauth = `authorize again: \`tokokommo init --kommo-account ${name} --kommo-auth-code CODE\` with a fresh code from Kommo`;
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
        },
        {
          id: "kommo.channel-secret",
          subject: name,
          title: `Kommo account ${name}: channel secret accepted by amojo`,
          needs: ["config.valid"],
          async run(c) {
            const r = await probeScope(c.kommoChats(name), account.scopeId);
            if (r.ok || r.code === "TK_ERR_KOMMO_NOT_REGISTERED")
              return pass(`amojo accepted a request signed for channel ${account.channel.id}`);
            if (r.code === "TK_ERR_KOMMO_BAD_SIGNATURE")
              return fail(
                `amojo refused the signature of channel ${account.channel.id} (ORIGIN_INVALID_SIGNATURE)`,
                "copy the channel secret Kommo issued into kommo.accounts[].channel.secret (or TOKOKOMMO_KOMMO_<ACCOUNT>_CHANNEL_SECRET); if the secret is right, check the clock (kommo.clock)",
              );
            return fromError(r.error, "amojo probe failed");
          },
        },
        {
          id: "kommo.scope",
          subject: name,
          title: `Kommo account ${name}: scope_id matches channel and account`,
          needs: [tokenKey, `kommo.channel-secret:${name}`],
          async run(c) {
            const info = await c.kommoAccountInfo(name);
            const want = `${account.channel.id}_${info.amojoId}`;
            const fix = `run \`tokokommo init --kommo-account ${name}\` again: it connects the channel and stores the scope_id`;
            if (info.amojoId !== account.amojoId)
              return fail(
                `amojoId in the config (${account.amojoId}) is not this account's (${info.amojoId})`,
                `set amojoId to ${info.amojoId} and scopeId to ${want}, or ${fix}`,
              );
            if (account.scopeId !== want) return fail(`scopeId is ${account.scopeId}, expected ${want}`, fix);
            const r = await probeScope(c.kommoChats(name), account.scopeId);
            if (r.code === "TK_ERR_KOMMO_NOT_REGISTERED")
              return fail(
                `the channel is not connected to this account (scope ${account.scopeId} unknown to amojo)`,
                fix,
              );
            if (!r.ok) return fromError(r.error, "amojo probe failed");
            return pass(`connected: ${account.scopeId}`);
          },
        },
      );
    }
    return checks;
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
