/**
 * The source-neutral vocabulary shared by the state store, the marketplace sources and the engine: which
 * marketplaces exist, who wrote a message, and who the buyer is. Nothing here knows a platform's wire format.
 */

/** The marketplaces the bridge reaches, one MarketplaceSource implementation each. */
export const SOURCE_KINDS = ["tokopedia", "tiktokshop"] as const;

export type SourceKind = (typeof SOURCE_KINDS)[number];

export function isSourceKind(value: string): value is SourceKind {
  return (SOURCE_KINDS as readonly string[]).includes(value);
}

/** `source:shop_id`: the one key of a shop across the bridge (job shop keys, per-shop status, topology). */
export function shopKey(source: SourceKind, shopId: string): string {
  return `${source}:${shopId}`;
}

/** The buyer's platform as the TikTok Shop API marks it; legacy Tokopedia buyers are always TOKOPEDIA. */
export type BuyerPlatform = "TOKOPEDIA" | "TIKTOK_SHOP";

export interface Buyer {
  id: string;
  name: string;
  avatarUrl?: string;
  profileUrl?: string;
  platform?: BuyerPlatform;
}

/** Who wrote a message in a conversation. */
export type SenderRole = "buyer" | "shop" | "system";
