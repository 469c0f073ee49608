/**
 * `shops add` for legacy Tokopedia (docs/platforms/tokopedia.md#shops): find the shop id through shop-info, verify
 * the binding (shop-info for that id answers instead of 403 RBAC_MDLW_001), write the config. Nothing is written
 * when any step fails.
 */
import { MemoryTokenStore } from "../../auth/token-store.js";
import { type Config, type Shop, saveConfig } from "../../config/index.js";
import { tokopediaClient } from "../../daemon/clients.js";
import { usageError } from "../../errors/index.js";
import type { RoutingKeys } from "../lead-routing.js";
import { findTokopediaShop } from "./bind-shop.js";

export async function addTokopediaShop(
  config: Config,
  configPath: string,
  o: { app: string; domain: string; kommoAccount: string; routing?: RoutingKeys },
): Promise<{ shop: Shop; added: boolean }> {
  const app = config.tokopedia.apps.find((a) => a.name === o.app);
  if (!app)
    throw usageError(
      `"${o.app}" is not a Tokopedia app in the config (${config.tokopedia.apps.map((a) => a.name).join(", ") || "none"})`,
      "use one of those names, or add the app with `tokokommo init`",
    );
  const client = tokopediaClient(app, config, new MemoryTokenStore());
  const found = await findTokopediaShop(client, o.domain);
  // The list says bound; asking for the shop itself proves the app may act for it (403 RBAC_MDLW_001 otherwise).
  await client.shopInfo({ shopId: found.shopId });
  const existing = config.shops.find((s) => s.source === "tokopedia" && s.shopId === found.shopId);
  if (existing) return { shop: existing, added: false };
  const shop: Shop = {
    source: "tokopedia",
    shopId: found.shopId,
    app: o.app,
    kommoAccount: o.kommoAccount,
    ...(found.domain || found.name ? { name: found.domain ?? found.name } : {}),
    ...o.routing,
  };
  saveConfig(configPath, { ...config, shops: [...config.shops, shop] });
  return { shop, added: true };
}
