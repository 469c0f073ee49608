/**
 * The config file's one zod schema (docs/configuration.md): the single source of truth for its shape, defaults and
 * cross-references. Loading, saving, the docs and `init` all go through it.
 *
 * Messages here never contain secret values; issue formatting (issues.ts) adds the key path and a fix.
 */
import { isIP } from "node:net";
import { join } from "node:path";
import { z } from "zod";
import { SOURCE_KINDS } from "../domain/marketplace.js";
import { trimTrailingSlashes } from "../net/trim-trailing-slashes.js";
import { resolveStatePath } from "../store/state-location.js";
import { crossCheck } from "./cross-checks.js";
import { NAME_RE, NAME_RULE, SHOP_ID_RE } from "./names.js";

/** The real hosts; tests, the sandbox and benchmarks point these at the simulators. */
export const DEFAULT_ENDPOINTS = {
  tokopediaAuth: "https://accounts.tokopedia.com",
  tokopediaApi: "https://fs.tokopedia.net",
  tiktokshopAuth: "https://auth.tiktok-shops.com",
  tiktokshopApi: "https://open-api.tiktokglobalshop.com",
  kommoApi: "https://{subdomain}.kommo.com",
  kommoChats: "https://amojo.kommo.com",
} as const;

const nonEmpty = () => z.string().min(1);
const entryName = () => z.string().regex(NAME_RE, NAME_RULE);
/** A secret: required after env overrides were applied (secrets.ts); never echoed in messages. */
const secret = () => z.string().min(1);

/** An http(s) URL; `template` allows the `{subdomain}` placeholder. Trailing slashes are dropped. */
function httpUrl(template = false) {
  return z
    .string()
    .superRefine((s, ctx) => {
      const probe = template ? s.replaceAll("{subdomain}", "subdomain") : s;
      let url: URL;
      try {
        url = new URL(probe);
      } catch {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(s)} is not a valid URL`,
          params: { fix: "write a full URL such as https://example.com" },
        });
        return;
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        ctx.addIssue({
          code: "custom",
          message: `${JSON.stringify(s)} is not an http(s) URL`,
          params: { fix: "use an http:// or https:// URL" },
        });
      }
    })
    .transform((s) => trimTrailingSlashes(s));
}

/** Shop ids: numbers or strings in the file, always strings in memory (Tokopedia ids exceed 2^31). */
const shopId = z.unknown().transform((v, ctx): string => {
  if (typeof v === "number") {
    if (Number.isSafeInteger(v) && v > 0) return String(v);
    ctx.addIssue({
      code: "custom",
      message: "is not a positive whole number that JSON can hold exactly",
      params: { fix: 'write the shop id as a string, e.g. "7494049642642441621"' },
    });
    return z.NEVER;
  }
  if (typeof v === "string" && SHOP_ID_RE.test(v)) return v;
  ctx.addIssue({
    code: "custom",
    message:
      v === undefined
        ? "is required"
        : typeof v === "string"
          ? `${JSON.stringify(v)} is not a shop id (letters, digits, '-' or '_')`
          : "must be a number or a string",
    params: { fix: "use the shop id shown by the marketplace, e.g. 481154" },
  });
  return z.NEVER;
});

/**
 * The job lease in seconds (`jobs.leaseSeconds`): a claimed job stays with its process this long, renewed every
 * quarter of it while it runs. It decides how soon the jobs of a process that died are taken over; at the floor a
 * main thread may still stall 1.5 s without losing its jobs to the queue.
 */
export const DEFAULT_JOB_LEASE_SECONDS = 10;
export const MIN_JOB_LEASE_SECONDS = 2;
export const MAX_JOB_LEASE_SECONDS = 300;

/** Tokopedia's usual per-endpoint rate (5 requests/s, burst 5) and the most an app may be configured with. */
export const DEFAULT_REQUESTS_PER_SECOND = 5;
export const MAX_REQUESTS_PER_SECOND = 10_000;

const tokopediaApp = z.strictObject({
  name: entryName(),
  /** Tokopedia's app id (fs_id). */
  fsId: z.number().int().positive(),
  clientId: nonEmpty(),
  clientSecret: secret(),
  /** Optional: when set, Authorization-Hmac on chat webhooks is checked. */
  webhookSecret: secret().optional(),
  /**
   * Requests per second per endpoint that the app's shops share (Tokopedia's bucket is per app and endpoint).
   * Sweeps are spread so that all the app's shops fit in it.
   */
  requestsPerSecond: z.number().positive().max(MAX_REQUESTS_PER_SECOND).default(DEFAULT_REQUESTS_PER_SECOND),
});

const tiktokshopApp = z.strictObject({
  name: entryName(),
  appKey: nonEmpty(),
  appSecret: secret(),
  /** Partner Center service id, used to build the seller authorization link. */
  serviceId: nonEmpty().optional(),
  /** Customer Service calls a shop may make per day (the platform's quota; the bridge counts its own calls). */
  dailyCallQuota: z.number().int().positive().default(10_000),
  /** Share of dailyCallQuota that only replies may use: reads and sweeps stop at (1 - replyReserve). */
  replyReserve: z.number().min(0).max(1).default(0.2),
  /** When the quota day starts, "HH:MM" in UTC (the platform does not document it). */
  quotaDayStartUtc: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be "HH:MM" (UTC), e.g. "00:00" or "17:00"')
    .default("00:00"),
});

/**
 * Kommo REST auth: a long-lived token, or OAuth (client id/secret and redirect URI; tokens live in the state
 * file). One flat strict object checked by hand, because a zod union reports its failures unreadably.
 */
const kommoAuth = z
  .strictObject({
    longLivedToken: secret().optional(),
    clientId: nonEmpty().optional(),
    clientSecret: secret().optional(),
    redirectUri: httpUrl().optional(),
  })
  .superRefine((a, ctx) => {
    const oauthKeys = (["clientId", "clientSecret", "redirectUri"] as const).filter(
      (k) => a[k] !== undefined,
    );
    if (a.longLivedToken !== undefined) {
      if (oauthKeys.length > 0)
        ctx.addIssue({
          code: "custom",
          message: `has both longLivedToken and OAuth keys (${oauthKeys.join(", ")})`,
          params: { fix: "keep either longLivedToken, or clientId + clientSecret + redirectUri" },
        });
      return;
    }
    if (oauthKeys.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["longLivedToken"],
        message: "is required (or use OAuth: clientId, clientSecret, redirectUri)",
        params: { missingSecret: true },
      });
      return;
    }
    for (const k of ["clientId", "clientSecret", "redirectUri"] as const) {
      if (a[k] === undefined)
        ctx.addIssue({
          code: "custom",
          path: [k],
          message: "is required for OAuth",
          params: k === "clientSecret" ? { missingSecret: true } : { fix: `add auth.${k}` },
        });
    }
  })
  .transform((a): KommoAuth => {
    if (a.longLivedToken !== undefined) return { longLivedToken: a.longLivedToken };
    return {
      clientId: a.clientId ?? "",
      clientSecret: a.clientSecret ?? "",
      redirectUri: a.redirectUri ?? "",
    };
  });

export type KommoAuth =
  | { longLivedToken: string }
  | { clientId: string; clientSecret: string; redirectUri: string };

const kommoAccount = z.strictObject({
  name: entryName(),
  subdomain: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, "must be the account's subdomain only, e.g. acme for acme.kommo.com"),
  /** The account's amojo_id (GET /api/v4/account?with=amojo_id). */
  amojoId: nonEmpty(),
  auth: kommoAuth.prefault({}),
  /** The Chats API channel issued by Kommo. */
  channel: z.strictObject({ id: nonEmpty(), secret: secret() }),
  /** `{channel.id}_{amojoId}`, returned by connect. */
  scopeId: nonEmpty(),
});

/**
 * The buyer's orders on the Kommo lead (one note kept current; sources with an order API only). `quietHours`: a
 * buyer message after this long without one refreshes the note; `days`: how far back orders are listed.
 */
const ordersFields = {
  enabled: z.boolean(),
  quietHours: z
    .number()
    .min(0)
    .max(24 * 30),
  days: z.number().int().min(1).max(365),
};
export const ORDERS_DEFAULTS = { enabled: true, quietHours: 6, days: 90 } as const;
const orders = z.strictObject({
  enabled: ordersFields.enabled.default(ORDERS_DEFAULTS.enabled),
  quietHours: ordersFields.quietHours.default(ORDERS_DEFAULTS.quietHours),
  days: ordersFields.days.default(ORDERS_DEFAULTS.days),
});
/** A shop's override of the global `orders`: only the keys it sets. */
const shopOrders = z.strictObject({
  enabled: ordersFields.enabled.optional(),
  quietHours: ordersFields.quietHours.optional(),
  days: ordersFields.days.optional(),
});

/**
 * The reply-time guard's settings: a buyer waiting `warnAfterMinutes` gets a Kommo task (and the tag on the lead),
 * due at `deadlineMinutes` (Tokopedia & Shop counts replies within 12 hours in the seller's score).
 */
const replyGuardFields = {
  enabled: z.boolean(),
  warnAfterMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  deadlineMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
  tag: nonEmpty().max(100),
};
export const REPLY_GUARD_DEFAULTS = {
  enabled: true,
  warnAfterMinutes: 480,
  deadlineMinutes: 720,
  tag: "reply overdue",
} as const;
const replyGuard = z.strictObject({
  enabled: replyGuardFields.enabled.default(REPLY_GUARD_DEFAULTS.enabled),
  warnAfterMinutes: replyGuardFields.warnAfterMinutes.default(REPLY_GUARD_DEFAULTS.warnAfterMinutes),
  deadlineMinutes: replyGuardFields.deadlineMinutes.default(REPLY_GUARD_DEFAULTS.deadlineMinutes),
  tag: replyGuardFields.tag.default(REPLY_GUARD_DEFAULTS.tag),
});
/** A shop's override of the global `replyGuard`: only the keys it sets. */
const shopReplyGuard = z.strictObject({
  enabled: replyGuardFields.enabled.optional(),
  warnAfterMinutes: replyGuardFields.warnAfterMinutes.optional(),
  deadlineMinutes: replyGuardFields.deadlineMinutes.optional(),
  tag: replyGuardFields.tag.optional(),
});

/** A Kommo entity id (pipeline, user): a positive integer. */
const kommoId = () => z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const shop = z.strictObject({
  source: z.enum(SOURCE_KINDS).default("tokopedia"),
  shopId,
  /** Name of an app in the section of `source` (tokopedia.apps or tiktokshop.apps). */
  app: entryName(),
  /** Name of an account in kommo.accounts. */
  kommoAccount: entryName(),
  name: nonEmpty().optional(),
  orders: shopOrders.optional(),
  /** The Kommo pipeline this shop's new incoming leads land in (absent: the account's default pipeline). */
  pipelineId: kommoId().optional(),
  /** The Kommo user made responsible for the shop's new leads and their tasks. */
  responsibleUserId: kommoId().optional(),
  /** Extra tags on the shop's new leads, beside the shop and marketplace tags. */
  leadTags: z.array(nonEmpty().max(100)).max(20).optional(),
  /** The bridge accepts the shop's incoming leads itself (no incoming step for a person); default false. */
  autoAccept: z.boolean().optional(),
  replyGuard: shopReplyGuard.optional(),
});

const endpoints = z.strictObject({
  tokopediaAuth: httpUrl().default(DEFAULT_ENDPOINTS.tokopediaAuth),
  tokopediaApi: httpUrl().default(DEFAULT_ENDPOINTS.tokopediaApi),
  tiktokshopAuth: httpUrl().default(DEFAULT_ENDPOINTS.tiktokshopAuth),
  tiktokshopApi: httpUrl().default(DEFAULT_ENDPOINTS.tiktokshopApi),
  kommoApi: httpUrl(true).default(DEFAULT_ENDPOINTS.kommoApi),
  kommoChats: httpUrl().default(DEFAULT_ENDPOINTS.kommoChats),
  /** Optional: a URL that answers with the caller's IP (for the whitelist check). */
  ipEcho: httpUrl().optional(),
});

/**
 * Builds the schema. `baseDir` is the config file's directory: the default statePath is `state.db` there,
 * and a relative statePath is resolved against it.
 */
export function createConfigSchema(baseDir: string) {
  return z
    .strictObject({
      version: z.literal(1),
      server: z
        .strictObject({
          host: nonEmpty().default("127.0.0.1"),
          /** 0 picks a free port (tests). */
          port: z.number().int().min(0).max(65535).default(8787),
          /** Where the platforms reach this bridge; http:// is allowed behind a TLS proxy or locally. */
          publicUrl: httpUrl().optional(),
          /** The IP Tokopedia sees, for the whitelist check. */
          egressIp: z
            .string()
            .refine((s) => isIP(s) !== 0, "must be an IPv4 or IPv6 address")
            .optional(),
          /**
           * How long `serve` lets running jobs finish after SIGTERM/SIGINT before it aborts what they wait on and
           * releases them; at most 7, so the process still exits within its 10 s budget.
           */
          shutdownGraceSeconds: z.number().min(0).max(7).default(7),
        })
        .prefault({}),
      /** An SQLite file (resolved against baseDir) or a postgres:// / postgresql:// URL (kept as written). */
      statePath: nonEmpty()
        .default(join(baseDir, "state.db"))
        .transform((p) => resolveStatePath(p, baseDir)),
      sync: z
        .strictObject({
          mode: z.enum(["webhook", "poll", "hybrid"]).default("hybrid"),
          pollIntervalSeconds: z.number().int().min(5).max(86_400).default(30),
        })
        .prefault({}),
      /** The lease of claimed jobs (see DEFAULT_JOB_LEASE_SECONDS); every replica on one database should agree. */
      jobs: z
        .strictObject({
          leaseSeconds: z
            .number()
            .int()
            .min(MIN_JOB_LEASE_SECONDS)
            .max(MAX_JOB_LEASE_SECONDS)
            .default(DEFAULT_JOB_LEASE_SECONDS),
        })
        .prefault({}),
      tokopedia: z.strictObject({ apps: z.array(tokopediaApp).default([]) }).prefault({}),
      tiktokshop: z.strictObject({ apps: z.array(tiktokshopApp).default([]) }).prefault({}),
      kommo: z.strictObject({ accounts: z.array(kommoAccount).min(1) }),
      shops: z.array(shop).min(1),
      /** What happens to attachments sent from Kommo that the marketplace cannot take. */
      attachments: z.enum(["reject", "link"]).default("reject"),
      /**
       * Downloads of pictures attached in Kommo. `allowPrivateNetworks`: also fetch from loopback, private,
       * link-local and other non-public addresses (refused by default: the link is chosen by whoever writes in
       * the Kommo chat). The env var TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS=1 does the same.
       */
      orders: orders.prefault({}),
      /** The reply-time guard (tasks on leads whose buyer waits); `shops[].replyGuard` overrides it per shop. */
      replyGuard: replyGuard.prefault({}),
      media: z.strictObject({ allowPrivateNetworks: z.boolean().default(false) }).prefault({}),
      endpoints: endpoints.prefault({}),
      /**
       * How long finished history stays in the state file: done jobs, delivered messages, sent replies and echo
       * records older than this are pruned by the daemon (hourly). Dead jobs and unfinished work are never pruned.
       */
      retention: z.strictObject({ days: z.number().int().min(1).max(3650).default(30) }).prefault({}),
    })
    .superRefine(crossCheck, { when: () => true });
}

export type ConfigSchema = ReturnType<typeof createConfigSchema>;
/** The validated config, defaults filled, shop ids as strings, statePath absolute. */
export type Config = z.output<ConfigSchema>;
export type TokopediaApp = Config["tokopedia"]["apps"][number];
export type TiktokshopApp = Config["tiktokshop"]["apps"][number];
export type KommoAccount = Config["kommo"]["accounts"][number];
export type Shop = Config["shops"][number];
export type OrdersConfig = Config["orders"];
export type ReplyGuardConfig = Config["replyGuard"];
export type Endpoints = Config["endpoints"];
export type ShopSource = Shop["source"];
