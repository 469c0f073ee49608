/**
 * Legacy Tokopedia (Seller Open API) checks, per app and per shop: credentials, the IP whitelist, shop binding,
 * the registered chat webhook and its secret.
 */
import { timingSafeEqual } from "node:crypto";
import { UNSIGNED_NEW_ROOMS_PER_MINUTE } from "../../bridge/mark-room.js";
import type { Shop, TokopediaApp } from "../../config/index.js";
import { isTkError } from "../../errors/index.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";
import type { EgressIp } from "../../setup/tokopedia/egress-ip.js";
import type { DoctorContext } from "../context.js";
import type { Check, CheckGroup, Outcome } from "../types.js";
import { BUG_FIX, fail, pass, warn } from "../types.js";
import { unreachable, unreachableReason } from "../unreachable.js";
import { whitelistOutcome } from "./tokopedia-whitelist.js";

const BLOCKED = "TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED";

/**
 * A Tokopedia failure as an outcome: no answer at all is "cannot reach", never a verdict on the credentials; an
 * IP refusal points at the whitelist check rather than repeating it.
 */
function fromError(err: unknown, what: string, url: string, unjudged: string): Outcome {
  const reason = unreachableReason(err);
  if (reason) return unreachable("Tokopedia", url, reason, unjudged);
  if (isTkError(err)) {
    if (err.code === BLOCKED)
      return fail(
        `${what}: Tokopedia refused this server's IP`,
        "see check tokopedia.ip-whitelist: add this server's IP to the app's whitelist",
      );
    return fail(`${what}: ${err.message} (${err.code})`, err.fix ?? "see docs/errors.md for the code");
  }
  return fail(`${what}: ${err instanceof Error ? err.message : String(err)}`, BUG_FIX);
}

export function expectedChatUrl(publicUrl: string, app: string): string {
  return `${trimTrailingSlashes(publicUrl)}/webhooks/tokopedia/${encodeURIComponent(app)}`;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}

const webhooksOf = (ctx: DoctorContext, app: string) =>
  ctx.once(`tk-webhooks:${app}`, () => ctx.tokopedia(app).listWebhooks());

const api = (c: DoctorContext) => c.config.endpoints.tokopediaApi;

/** A fresh token request with the app's client id and secret. */
const credentials = (app: TokopediaApp): Check => ({
  id: "tokopedia.credentials",
  subject: app.name,
  title: `Tokopedia app ${app.name}: credentials`,
  needs: ["config.valid"],
  calls: (c) => c.config.endpoints.tokopediaAuth,
  async run(c) {
    try {
      // A fresh token request proves the credentials; a token cached in the state file would not.
      await c.freshTokopedia(app.name).tokens.get();
      return pass(`a token was obtained for fs_id ${app.fsId}`);
    } catch (err) {
      return fromError(
        err,
        `no token for fs_id ${app.fsId}`,
        c.config.endpoints.tokopediaAuth,
        `the credentials of fs_id ${app.fsId}`,
      );
    }
  },
});

/**
 * The whitelist verdict, shared by doctor and init: is the IP Tokopedia sees (`egress`, undefined when unknown)
 * on the app's whitelist (`readWhitelist`, which throws the client's error)?
 */
export async function judgeIpWhitelist(input: {
  fsId: number;
  egress: EgressIp | undefined;
  readWhitelist: () => Promise<{ ips: string[] }>;
  /** The address the whitelist is read from (named when it cannot be reached). */
  apiUrl: string;
}): Promise<Outcome> {
  const { egress, fsId } = input;
  let ips: string[] | "refused";
  try {
    ips = (await input.readWhitelist()).ips;
  } catch (err) {
    if (!isTkError(err) || err.code !== BLOCKED)
      return fromError(err, "cannot read the whitelist", input.apiUrl, "the whitelist");
    ips = "refused";
  }
  return whitelistOutcome(ips, egress, fsId);
}

/** The IP Tokopedia sees is on the app's whitelist. */
const ipWhitelist = (app: TokopediaApp): Check => ({
  id: "tokopedia.ip-whitelist",
  subject: app.name,
  title: `Tokopedia app ${app.name}: egress IP whitelisted`,
  needs: [`tokopedia.credentials:${app.name}`, "config.egress-ip"],
  calls: api,
  async run(c) {
    let egress: EgressIp | undefined;
    try {
      egress = await c.egressIp();
    } catch (err) {
      return warn(
        isTkError(err) ? err.message : String(err),
        isTkError(err) && err.fix ? err.fix : "give the IP with --egress-ip or server.egressIp",
      );
    }
    return judgeIpWhitelist({
      fsId: app.fsId,
      egress,
      readWhitelist: () => c.tokopedia(app.name).whitelist(),
      apiUrl: api(c),
    });
  },
});

/** The registered chat webhook URL is this bridge's. */
const webhookUrl = (app: TokopediaApp): Check => ({
  id: "tokopedia.webhook-url",
  subject: app.name,
  title: `Tokopedia app ${app.name}: chat webhook URL`,
  needs: [`tokopedia.credentials:${app.name}`],
  calls: api,
  async run(c) {
    const { publicUrl } = c.config.server;
    if (!publicUrl) {
      return c.config.sync.mode === "poll"
        ? pass("polling mode: no chat webhook needed")
        : warn(
            "no server.publicUrl, so no chat webhook can be registered",
            "set server.publicUrl and run `tokokommo init` again to register the webhook",
          );
    }
    const want = expectedChatUrl(publicUrl, app.name);
    let got: string | undefined;
    try {
      got = (await webhooksOf(c, app.name)).urls.chat_notification_url;
    } catch (err) {
      return fromError(err, "cannot read the registered webhooks", api(c), "the registered webhooks");
    }
    if (got === want) return pass(`registered: ${want}`);
    const fix = `run \`tokokommo init --no-interactive --app ${app.name}\` (it registers ${want} and keeps the app's other webhook URLs)`;
    return c.config.sync.mode === "poll" && !got
      ? pass("polling mode: no chat webhook registered")
      : fail(`chat webhook is ${got ? JSON.stringify(got) : "not registered"}, expected ${want}`, fix);
  },
});

/** The webhook secret registered at Tokopedia is the configured one (compared in constant time). */
const webhookSecret = (app: TokopediaApp): Check => ({
  id: "tokopedia.webhook-secret",
  subject: app.name,
  title: `Tokopedia app ${app.name}: webhook secret matches`,
  needs: [`tokopedia.credentials:${app.name}`],
  calls: api,
  async run(c) {
    let registered: string | undefined;
    try {
      registered = (await webhooksOf(c, app.name)).webhookSecret;
    } catch (err) {
      return fromError(err, "cannot read the registered webhooks", api(c), "the registered webhooks");
    }
    const mine = app.webhookSecret;
    const envName = `TOKOKOMMO_TOKOPEDIA_${app.name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_WEBHOOK_SECRET`;
    if (!mine) {
      return registered
        ? warn(
            "Tokopedia signs webhooks for this app but the config has no webhookSecret, so signatures are not checked",
            `set tokopedia.apps[].webhookSecret (or ${envName}) to the app's webhook secret`,
          )
        : warn(
            `webhooks of this app are not signed: anyone who can reach the webhook URL can make the bridge read rooms (up to ${UNSIGNED_NEW_ROOMS_PER_MINUTE} new rooms a minute; buyers' names and messages still come from the API)`,
            `set tokopedia.apps[].webhookSecret (or ${envName}) to a long random value, then run \`tokokommo init --no-interactive --app ${app.name}\` to register it at Tokopedia`,
          );
    }
    if (registered && sameSecret(registered, mine))
      return pass("the registered secret equals the configured one");
    return fail(
      registered
        ? "the secret registered at Tokopedia differs from the configured webhookSecret: every webhook will be refused (401)"
        : "no webhook secret is registered at Tokopedia, but the config expects signed webhooks",
      `run \`tokokommo init --no-interactive --app ${app.name}\` to register the configured secret, or copy the registered one into the config`,
    );
  },
});

/** shop-info answers for the shop: it is bound to the app (and approved), and open. */
const shopBound = (shop: Shop): Check => ({
  id: "tokopedia.shop-bound",
  subject: shop.shopId,
  title: `Shop ${shop.shopId}${shop.name ? ` (${shop.name})` : ""}: bound to app ${shop.app} and active`,
  needs: [`tokopedia.credentials:${shop.app}`],
  calls: api,
  async run(c) {
    try {
      const [info] = await c.tokopedia(shop.app).shopInfo({ shopId: shop.shopId });
      if (!info)
        return fail(
          `shop-info returned nothing for shop ${shop.shopId}`,
          "check the shop id in the config (`tokokommo shops list`)",
        );
      if (info.isOpen === false)
        return warn(
          `shop ${shop.shopId} (${info.name}) is bound but closed`,
          "open the shop in Tokopedia Seller Center; buyers cannot chat with a closed shop",
        );
      return pass(`bound and active: ${info.name}${info.domain ? ` (tokopedia.com/${info.domain})` : ""}`);
    } catch (err) {
      if (isTkError(err) && err.code === "TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND")
        return fail(
          `shop ${shop.shopId} is not bound to app ${shop.app} (403 RBAC_MDLW_001): the binding was removed, or the owner has not yet approved it`,
          "in the Tokopedia Developer Console add the shop's domain under Shop Management; the shop owner then gets an approval e-mail and must accept it (Seller Center > Aplikasi Pihak Ketiga)",
        );
      return fromError(
        err,
        `shop-info for shop ${shop.shopId}`,
        api(c),
        `the binding of shop ${shop.shopId}`,
      );
    }
  },
});

export const tokopediaChecks: CheckGroup = {
  name: "tokopedia",
  checks(ctx) {
    if (!ctx.configState.ok) return [];
    const shops = ctx.shops().filter((s) => s.source === "tokopedia");
    const inScope = new Set(shops.map((s) => s.app));
    const apps = ctx.config.tokopedia.apps.filter(
      (a) => ctx.options.shop === undefined || inScope.has(a.name),
    );
    return [
      ...apps.flatMap((a) => [credentials(a), ipWhitelist(a), webhookUrl(a), webhookSecret(a)]),
      ...shops.map(shopBound),
    ];
  },
};
