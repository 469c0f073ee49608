/**
 * TikTok Shop checks from what the daemon records in the state file: the day's Customer Service calls against
 * the quota, and the last webhook seen.
 */
import { tiktokshopWebhookUrl } from "../../setup/tiktokshop/webhook-url.js";
import { TTS_ERR } from "../../sources/tiktokshop/index.js";
import { type QuotaUsage, quotaSettings, readUsage, resetText } from "../../sources/tiktokshop/quota.js";
import type { DoctorContext } from "../context.js";
import type { Check } from "../types.js";
import { fail, pass, warn } from "../types.js";
import { DAY, inDays, inHours, worst } from "./tiktokshop-outcomes.js";
import { lastWebhookSeenAt, shopsInScope } from "./tiktokshop-probe.js";

/** Today's count of the shop's calls, as the daemon keeps it in the state file (undefined without one). */
async function countedUsage(
  ctx: DoctorContext,
  shop: { shopId: string; app: string },
): Promise<QuotaUsage | undefined> {
  const app = ctx.config.tiktokshop.apps.find((a) => a.name === shop.app);
  const store = ctx.store();
  if (!store || !app) return undefined;
  try {
    return await readUsage(
      store.callCounts,
      { source: "tiktokshop", shopId: shop.shopId },
      quotaSettings(app),
      ctx.now(),
    );
  } catch {
    return undefined; // a state file from before the count (not yet upgraded by the daemon)
  }
}

export const quota: Check = {
  id: "tiktokshop.quota",
  title: "Tokopedia & Shop daily Customer Service quota",
  needs: ["state.readable"],
  async run(ctx) {
    const shops = shopsInScope(ctx);
    const statuses =
      ctx
        .store()
        ?.shopStatus.listShopStatus()
        .filter((s) => s.source === "tiktokshop") ?? [];
    const usages = await Promise.all(
      shops.map((shop) => ctx.options.tiktokshop?.quotaUsage?.(shop.shopId) ?? countedUsage(ctx, shop)),
    );
    const outcomes = shops.map((shop, i) => {
      const st = statuses.find((s) => s.shopId === shop.shopId);
      const recent =
        st?.lastErrorAt !== null && st?.lastErrorAt !== undefined && ctx.now() - st.lastErrorAt < DAY;
      if (recent && !st.healthy && st.lastErrorCode === TTS_ERR.QUOTA_EXCEEDED) {
        return fail(
          `shop ${shop.shopId}: the daily Customer Service quota is used up`,
          "lower polling (sync.pollIntervalSeconds) or rely on webhooks; calls resume when the quota resets",
        );
      }
      if (recent && st.lastErrorCode === TTS_ERR.RATE_LIMITED) {
        return warn(
          `shop ${shop.shopId}: rate limited in the last 24 h`,
          "lower concurrency if it keeps happening",
        );
      }
      const usage = usages[i];
      if (!usage)
        return warn(
          `shop ${shop.shopId}: cannot tell quota use (no state file yet: the daemon counts the calls it makes)`,
        );
      const spent = `${usage.used} of ${usage.limit} daily calls used`;
      const reset = usage.resetsAt !== undefined ? ` until the reset at ${resetText(usage.resetsAt)}` : "";
      if (usage.exhausted) {
        return fail(
          `shop ${shop.shopId}: ${spent}: the quota is spent; replies fail and sweeps pause${reset}`,
          "poll less (sync.pollIntervalSeconds) or use webhook mode; check tiktokshop.apps[].dailyCallQuota matches the platform's quota",
        );
      }
      if (usage.readsStopped) {
        return warn(
          `shop ${shop.shopId}: ${spent}: reads and sweeps stopped, the rest is kept for replies${reset}`,
          "poll less (sync.pollIntervalSeconds) or use webhook mode",
        );
      }
      const share = usage.used / usage.limit;
      if (share >= 0.8) {
        return warn(
          `shop ${shop.shopId}: ${spent}`,
          "lower polling (sync.pollIntervalSeconds) or rely on webhooks",
        );
      }
      return pass(`shop ${shop.shopId}: ${spent}`);
    });
    return worst(outcomes, "no shops");
  },
};

export const webhookSeen: Check = {
  id: "tiktokshop.webhook-seen",
  title: "Tokopedia & Shop webhooks arriving",
  needs: ["state.readable"],
  async run(ctx) {
    const shops = shopsInScope(ctx);
    if (ctx.config.sync.mode === "poll") return pass('sync.mode is "poll": webhooks are not used');
    const apps = [...new Set(shops.map((s) => s.app))];
    const urls = apps.map((a) => tiktokshopWebhookUrl(ctx.config, a).url ?? "(set server.publicUrl first)");
    const fix = `set the webhook URL in Partner Center (app → Basic information → HTTP server URL): ${urls.join(", ")}`;
    const store = ctx.store();
    if (!store) return warn("no state file yet: no webhook has been seen", fix);
    const at = lastWebhookSeenAt(store, "tiktokshop");
    if (at === undefined) return warn("no Tokopedia & Shop webhook has ever been received", fix);
    const ago = ctx.now() - at;
    if (ago > DAY) return warn(`the last Tokopedia & Shop webhook arrived ${inDays(ago)} ago`, fix);
    return pass(`last webhook ${inHours(Math.max(0, ago))} ago`);
  },
};
