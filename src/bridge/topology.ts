/**
 * Who is connected to whom: each bound shop with its marketplace source and its Kommo account. Built from the
 * config (daemon/topology-from-config.ts) and looked up by the engine on every webhook and job; the engine never
 * reads the config. A config reload replaces the bindings in place (replace()): every part of the engine holds
 * this one object, so the next lookup sees the new shops, while work already running keeps the binding it got.
 */

import type { SourceKind } from "../domain/index.js";
import { shopKey } from "../domain/marketplace.js";
import { TkError } from "../errors/index.js";
import type { MarketplaceSource } from "../sources/types.js";
import type { LeadSourcesState } from "./lead-sources.js";
import type { KommoChatsPort, KommoRestPort } from "./ports.js";

export interface KommoAccountBinding {
  name: string;
  scopeId: string;
  /** Channel secret: verifies the Kommo reply webhook (X-Signature). */
  channelSecret: string;
  chats: KommoChatsPort;
  rest?: KommoRestPort;
  /** How the account's shops with a pipeline are routed, once lead-sources.ts synced them. */
  leadSources?: LeadSourcesState;
}

export interface MarketplaceApp {
  source: SourceKind;
  name: string;
  marketplace: MarketplaceSource;
  /** Calls per second per endpoint that the app's shops share (Tokopedia's per-app bucket); none when absent. */
  callsPerSecond?: number;
}

/** The buyer's orders on the lead, for one shop (config `orders`, with the shop's override applied). */
export interface OrdersSettings {
  enabled: boolean;
  /** A buyer message after this many hours without one refreshes the note. */
  quietHours: number;
  /** Orders created in this many days are listed. */
  days: number;
}

/** Where the shop's leads go in Kommo and who owns them (config `shops[]` routing keys). */
export interface LeadRouting {
  /** The pipeline of the shop's new incoming leads; absent: the account's default pipeline. */
  pipelineId?: number;
  /** The responsible user of the shop's new leads and their tasks. */
  responsibleUserId?: number;
  /** Extra tags for the shop's new leads (beside the shop and marketplace tags). */
  leadTags: string[];
  /** The bridge accepts the shop's incoming leads itself. */
  autoAccept: boolean;
}

/** The reply-time guard for one shop (config `replyGuard`, with the shop's override applied). */
export interface ReplyGuardSettings {
  enabled: boolean;
  warnAfterMinutes: number;
  deadlineMinutes: number;
  /** The tag put on the lead of an overdue conversation. */
  tag: string;
}

export interface ShopBinding {
  source: SourceKind;
  shopId: string;
  shopName: string;
  app: MarketplaceApp;
  kommo: KommoAccountBinding;
  /** Absent: no orders note for this shop. */
  orders?: OrdersSettings;
  /** Absent: the defaults (default pipeline, no responsible user, no extra tags, no auto-accept). */
  routing?: LeadRouting;
  /** Absent: no reply-time guard for this shop. */
  replyGuard?: ReplyGuardSettings;
}

export const MARKETPLACE_NAME: Record<SourceKind, string> = {
  tokopedia: "Tokopedia",
  tiktokshop: "Tokopedia & Shop",
};

export { shopKey };

/**
 * A job names a shop the config does not bind (any more). Permanent: the daemon reads the config once, so its jobs
 * are dead at once, visible in `status`, and can be retried once the shop is bound again.
 */
export function shopNotConfigured(source: SourceKind, shopId: string): TkError {
  return new TkError("TK_ERR_SHOP_NOT_CONFIGURED", `shop ${shopId} (${source}) is not in the config`, {
    fix: "Bind it with `tokokommo shops add`, or ignore: its rooms are not synced.",
    details: { retryable: false },
  });
}

export class Topology {
  private readonly shops = new Map<string, ShopBinding>();
  private readonly apps = new Map<string, MarketplaceApp>();
  private readonly accountsByScope = new Map<string, KommoAccountBinding>();

  constructor(bindings: ShopBinding[]) {
    this.replace(bindings);
  }

  /** Swaps every binding for `bindings` (a config reload). */
  replace(bindings: ShopBinding[]): void {
    this.shops.clear();
    this.apps.clear();
    this.accountsByScope.clear();
    for (const b of bindings) {
      this.shops.set(shopKey(b.source, b.shopId), b);
      this.apps.set(`${b.source}:${b.app.name}`, b.app);
      this.accountsByScope.set(b.kommo.scopeId, b.kommo);
    }
  }

  shop(source: SourceKind, shopId: string): ShopBinding | undefined {
    return this.shops.get(shopKey(source, shopId));
  }

  /** The shop of a `source:shopId` key (shopKey()). */
  shopByKey(key: string): ShopBinding | undefined {
    return this.shops.get(key);
  }

  app(source: SourceKind, name: string): MarketplaceApp | undefined {
    return this.apps.get(`${source}:${name}`);
  }

  accountByScope(scopeId: string): KommoAccountBinding | undefined {
    return this.accountsByScope.get(scopeId);
  }

  allShops(): ShopBinding[] {
    return [...this.shops.values()];
  }
}
