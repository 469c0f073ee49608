/**
 * Legacy Tokopedia (Seller Open API) checks, per app and per shop: credentials, the IP whitelist, shop binding,
 * the registered chat webhook and its secret.
 */
import { timingSafeEqual } from "node:crypto";
import { UNSIGNED_NEW_ROOMS_PER_MINUTE } from "../../bridge/mark-room.js";
import { isTkError } from "../../errors/index.js";
import { trimTrailingSlashes } from "../../net/trim-trailing-slashes.js";
import type { DoctorContext } from "../context.js";
import type { Check, CheckGroup, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";
import { whitelistOutcome } from "./tokopedia-whitelist.js";

const BLOCKED = "TK_ERR_TOKOPEDIA_IP_NOT_WHITELISTED";

/** A Tokopedia failure as an outcome; an IP refusal points at the whitelist check rather than repeating it. */
function fromError(err: unknown, what: string): Outcome {
  if (isTkError(err)) {
    if (err.code === BLOCKED)
      return fail(
        `${what}: Tokopedia refused this server's IP`,
        "see check tokopedia.ip-whitelist: add this server's IP to the app's whitelist",
      );
    return fail(`${what}: ${err.message} (${err.code})`, err.fix ?? "see docs/errors.md for the code");
  }
  return fail(
    `${what}: ${err instanceof Error ? err.message : String(err)}`,
    "check the network path to Tokopedia (endpoints.tokopediaApi)",
  );
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

export const tokopediaChecks: CheckGroup = {
  name: "tokopedia",
  checks(ctx) {
    if (!ctx.configState.ok) return [];
    const shops = ctx.shops().filter((s) => s.source === "tokopedia");
    const appNames =
      ctx.options.shop === undefined
        ? ctx.config.tokopedia.apps.map((a) => a.name)
        : [...new Set(shops.map((s) => s.app))];
    const checks: Check[] = [];
    for (const name of appNames) {
      const app = ctx.config.tokopedia.apps.find((a) => a.name === name);
      if (!app) continue;
      const creds = `tokopedia.credentials:${name}`;
      checks.push(
        {
          id: "tokopedia.credentials",
          subject: name,
          title: `Tokopedia app ${name}: credentials`,
          needs: ["config.valid"],
          async run(c) {
            try {
              // A fresh token request proves the credentials; a token cached in the state file would not.
              await c.freshTokopedia(name).tokens.get();
              return pass(`a token was obtained for fs_id ${app.fsId}`);
            } catch (err) {
              return fromError(err, `no token for fs_id ${app.fsId}`);
            }
          },
        },
        {
          id: "tokopedia.ip-whitelist",
          subject: name,
          title: `Tokopedia app ${name}: egress IP whitelisted`,
          needs: [creds, "config.egress-ip"],
          async run(c) {
            let egress: Awaited<ReturnType<DoctorContext["egressIp"]>>;
            try {
              egress = await c.egressIp();
            } catch (err) {
              return warn(
                isTkError(err) ? err.message : String(err),
                isTkError(err) && err.fix ? err.fix : "give the IP with --egress-ip or server.egressIp",
              );
            }
            let ips: string[] | "refused";
            try {
              ips = (await c.tokopedia(name).whitelist()).ips;
            } catch (err) {
              if (!isTkError(err) || err.code !== BLOCKED) return fromError(err, "cannot read the whitelist");
              ips = "refused";
            }
            return whitelistOutcome(ips, egress, app.fsId);
          },
        },
        {
          id: "tokopedia.webhook-url",
          subject: name,
          title: `Tokopedia app ${name}: chat webhook URL`,
          needs: [creds],
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
            const want = expectedChatUrl(publicUrl, name);
            let got: string | undefined;
            try {
              got = (await webhooksOf(c, name)).urls.chat_notification_url;
            } catch (err) {
              return fromError(err, "cannot read the registered webhooks");
            }
            if (got === want) return pass(`registered: ${want}`);
            const fix = `run \`tokokommo init --no-interactive --app ${name}\` (it registers ${want} and keeps the app's other webhook URLs)`;
            return c.config.sync.mode === "poll" && !got
              ? pass("polling mode: no chat webhook registered")
              : fail(
                  `chat webhook is ${got ? JSON.stringify(got) : "not registered"}, expected ${want}`,
                  fix,
                );
          },
        },
        {
          id: "tokopedia.webhook-secret",
          subject: name,
          title: `Tokopedia app ${name}: webhook secret matches`,
          needs: [creds],
          async run(c) {
            let registered: string | undefined;
            try {
              registered = (await webhooksOf(c, name)).webhookSecret;
            } catch (err) {
              return fromError(err, "cannot read the registered webhooks");
            }
            const mine = app.webhookSecret;
            const envName = `TOKOKOMMO_TOKOPEDIA_${name.toUpperCase().replace(/[^A-Z0-9]/g, "_")}_WEBHOOK_SECRET`;
            if (!mine) {
              return registered
                ? warn(
                    "Tokopedia signs webhooks for this app but the config has no webhookSecret, so signatures are not checked",
                    `set tokopedia.apps[].webhookSecret (or ${envName}) to the app's webhook secret`,
                  )
                : warn(
                    `webhooks of this app are not signed: anyone who can reach the webhook URL can make the bridge read rooms (up to ${UNSIGNED_NEW_ROOMS_PER_MINUTE} new rooms a minute; buyers' names and messages still come from the API)`,
                    `set tokopedia.apps[].webhookSecret (or ${envName}) to a long random value, then run \`tokokommo init --no-interactive --app ${name}\` to register it at Tokopedia`,
                  );
            }
            if (registered && sameSecret(registered, mine))
              return pass("the registered secret equals the configured one");
            return fail(
              registered
                ? "the secret registered at Tokopedia differs from the configured webhookSecret: every webhook will be refused (401)"
                : "no webhook secret is registered at Tokopedia, but the config expects signed webhooks",
              `run \`tokokommo init --no-interactive --app ${name}\` to register the configured secret, or copy the registered one into the config`,
            );
          },
        },
      );
    }
    for (const shop of shops) {
      checks.push({
        id: "tokopedia.shop-bound",
        subject: shop.shopId,
        title: `Shop ${shop.shopId}${shop.name ? ` (${shop.name})` : ""}: bound to app ${shop.app} and active`,
        needs: [`tokopedia.credentials:${shop.app}`],
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
            return pass(
              `bound and active: ${info.name}${info.domain ? ` (tokopedia.com/${info.domain})` : ""}`,
            );
          } catch (err) {
            if (isTkError(err) && err.code === "TK_ERR_TOKOPEDIA_SHOP_NOT_BOUND")
              return fail(
                `shop ${shop.shopId} is not bound to app ${shop.app} (403 RBAC_MDLW_001): the binding was removed, or the owner has not yet approved it`,
                "in the Tokopedia Developer Console add the shop's domain under Shop Management; the shop owner then gets an approval e-mail and must accept it (Seller Center > Aplikasi Pihak Ketiga)",
              );
            return fromError(err, `shop-info for shop ${shop.shopId}`);
          }
        },
      });
    }
    return checks;
  },
};
