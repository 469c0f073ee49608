/**
 * TikTok Shop ("Tokopedia & Shop") checks in the doctor registry: adapts the doctor context to the context the
 * TikTok Shop checks take (one shared object per doctor run, so their live calls are made once).
 */

import type { DoctorContext } from "../context.js";
import { tiktokshopChecks as checks } from "../tiktokshop-checks.js";
import type { TikTokShopCheckContext } from "../tiktokshop-probe.js";
import type { Check, CheckGroup } from "../types.js";

const shared = new WeakMap<DoctorContext, TikTokShopCheckContext>();

function adapt(ctx: DoctorContext): TikTokShopCheckContext {
  let c = shared.get(ctx);
  if (!c) {
    c = { config: ctx.config, store: ctx.store(), now: ctx.now() };
    shared.set(ctx, c);
  }
  return c;
}

export const tiktokshopChecks: CheckGroup = {
  name: "tiktokshop",
  checks(ctx): Check[] {
    if (!ctx.configState.ok || ctx.config.tiktokshop.apps.length === 0) return [];
    return checks.map((check) => ({
      id: check.id,
      title: `Tokopedia & Shop: ${check.title}`,
      needs: ["config.valid", "state.readable"],
      run: (c: DoctorContext) => check.run(adapt(c)),
    }));
  },
};
