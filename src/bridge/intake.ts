/**
 * Webhook intake: verify, commit, answer. Nothing here calls a platform: the answer must go out within Kommo's
 * 5 s and TikTok's 3 s windows even when every upstream is slow or down. A webhook is acknowledged (200) only
 * after what it carries is committed to SQLite; a rejected one (401/400/404) stores nothing. When the state file
 * refuses the commit (locked by another process, disk full), the webhook is answered 503 and stores nothing: the
 * platforms that retry deliveries send it again, and the sweeps read the rooms anyway.
 */

import type { SourceKind } from "../domain/index.js";
import { isTkError } from "../errors/index.js";
import type { MarketplaceSource, OrderStatusHint, WebhookHint } from "../sources/types.js";
import { CommitGroup } from "./commit-group.js";
import { parseConversationId } from "./identities.js";
import {
  CARRIED_MESSAGE_SETTLE_MS,
  markRoomForSync,
  replyOrderingKey,
  UNSIGNED_NEW_ROOMS_PER_MINUTE,
  UnsignedRoomBudget,
} from "./mark-room.js";
import type { BridgeMetrics } from "./metrics.js";
import type { KommoReplyContent } from "./outbound-plan.js";
import type { RoomContinuity } from "./room-continuity.js";
import { type StateHealth, stateWriteCode } from "./state-health.js";
import type { EngineStore, EngineStoreTx, SourceRoomRef } from "./store-port.js";
import { shopKey, type Topology } from "./topology.js";

export interface IntakeResponse {
  status: number;
  body: Record<string, unknown>;
}

/** A Kommo reply webhook reduced to what the bridge needs (parsed by src/kommo). */
export interface KommoReplyHook {
  kind: "message" | "other";
  accountId?: string;
  conversationClientId?: string;
  amojoChatId?: string;
  amojoMessageId?: string;
  message?: KommoReplyContent;
}

export interface KommoHookCodec {
  verify(secret: string, rawBody: Uint8Array, signature: string | undefined): boolean;
  parse(rawBody: Uint8Array): KommoReplyHook;
}

export interface IntakeOptions {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  kommoHooks: KommoHookCodec;
  /** Wakes the job runner after a commit. */
  notify: () => void;
  /** How far back the first walk of a new room reaches (ms): the message that made the webhook is in it. */
  initialLookbackMs: number;
  now?: () => number;
  onWarning?: (msg: string, details: Record<string, unknown>) => void;
  /** Told of every refused and every committed intake write (readiness, logs, metrics). */
  state?: StateHealth;
  /** Rooms known whole: a refused webhook makes its room unknown (its message is missing until it comes again). */
  continuity?: RoomContinuity;
  /** A webhook named a room of this shop (the poller's idle back-off ends: see sweep-scheduler.ts). */
  onShopActivity?: (source: SourceKind, shopId: string) => void;
  /**
   * An order's status changed (TikTok Shop type 1): true when work was queued (the lead notes listing the order are
   * refreshed, see bridge/order-note.ts). Without it order webhooks are acknowledged and ignored.
   */
  onOrderStatus?: (
    tx: EngineStoreTx,
    source: SourceKind,
    shopId: string,
    order: OrderStatusHint,
    now: number,
  ) => Promise<boolean>;
}

/** Sources that can be told a shop's authorization is gone (TikTokShopSource); not part of MarketplaceSource. */
interface TracksReauth {
  markReauthNeeded(shopId: string, reason: string): void;
}

function tracksReauth(source: MarketplaceSource): source is MarketplaceSource & TracksReauth {
  return typeof (source as Partial<TracksReauth>).markReauthNeeded === "function";
}

export class Intake {
  private readonly now: () => number;
  /** Webhooks arriving together share one commit (see commit-group.ts); each is answered after it. */
  private readonly commits: CommitGroup;
  /** Rooms that unsigned hints may still create, per app (see UnsignedRoomBudget). */
  private readonly unsignedRooms = new UnsignedRoomBudget();
  constructor(private readonly o: IntakeOptions) {
    this.now = o.now ?? Date.now;
    this.commits = new CommitGroup(o.store);
  }

  /** POST /webhooks/{tokopedia|tiktokshop}/{app} */
  async marketplaceWebhook(
    source: SourceKind,
    appName: string,
    headers: Record<string, string | string[] | undefined>,
    raw: Uint8Array,
  ): Promise<IntakeResponse> {
    const route = `${source}`;
    const app = this.o.topology.app(source, appName);
    if (!app) return this.reject(route, 404, "unknown_app");
    if (!app.marketplace.verifyWebhook(headers, raw)) return this.reject(route, 401, "bad_signature");
    let hints: WebhookHint[];
    try {
      hints = app.marketplace.parseWebhook(raw);
    } catch (err) {
      if (isTkError(err)) return this.reject(route, 400, "malformed");
      throw err;
    }
    const now = this.now();
    let committed: { accepted: number; queued: number };
    try {
      committed = await this.commit(async (tx) => {
        let accepted = 0;
        let queued = 0;
        for (const hint of hints) {
          const r = await this.acceptHint(tx, source, appName, hint, now);
          if (r !== "ignored") accepted++;
          if (r === "queued") queued++;
        }
        return { accepted, queued };
      });
    } catch (err) {
      for (const h of hints)
        if (h.roomId) this.o.continuity?.forget({ source, shopId: h.shopId, roomId: h.roomId });
      return this.refuseUnwritable(route, err);
    }
    const { accepted, queued } = committed;
    // Only a new job is news to the runner; a room whose sync is already pending needs no wake-up (and a wake-up
    // costs a claim, a scan of the queue, per webhook under load).
    if (queued > 0) this.o.notify();
    return { status: 200, body: { ok: true, accepted } };
  }

  /**
   * Marks the room dirty and makes sure a sync job will read it; keeps the webhook's own text as fallback.
   * "queued": a new sync job; "covered": a pending sync will read the room; "ignored": nothing to do.
   */
  private async acceptHint(
    tx: EngineStoreTx,
    source: SourceKind,
    appName: string,
    hint: WebhookHint,
    now: number,
  ): Promise<"queued" | "covered" | "ignored"> {
    // The shop first: a notification for a shop not (yet) bound must not be remembered as seen, so its redelivery
    // after a reload that binds the shop is taken.
    const shop = this.o.topology.shop(source, hint.shopId);
    if (!shop) {
      this.o.onWarning?.("webhook for a shop that is not bound in the config; ignored", {
        source,
        shopId: hint.shopId,
      });
      return "ignored";
    }
    if (hint.notificationId && !(await tx.seenOnce(source, hint.notificationId, now))) return "ignored";
    if (hint.event) {
      const msg =
        hint.event === "deauthorized"
          ? "the seller revoked the authorization; re-authorize with `tokokommo shops add`"
          : "the seller's authorization expires soon; ask them to re-authorize";
      const code = hint.event === "deauthorized" ? "TK_ERR_SHOP_DEAUTHORIZED" : "TK_ERR_SHOP_AUTH_EXPIRING";
      await tx.recordShopError(source, hint.shopId, code, msg, now);
      // Deauthorized: the tokens are dead. A source that tracks this (TikTok Shop) then fails fast with a
      // re-authorize error instead of spending calls (and retry budget) on answers it knows will be refused.
      if (hint.event === "deauthorized" && tracksReauth(shop.app.marketplace)) {
        shop.app.marketplace.markReauthNeeded(hint.shopId, "the seller deauthorized the app");
      }
      return "ignored";
    }
    if (hint.order)
      return (await this.o.onOrderStatus?.(tx, source, hint.shopId, hint.order, now)) ? "queued" : "ignored";
    const ref: SourceRoomRef = { source, shopId: hint.shopId, roomId: hint.roomId };
    // Nothing to read in a room the bridge already knows (each of its messages comes with its own webhook).
    if (hint.roomOnly && (await tx.getRoom(ref))?.buyerId) return "ignored";
    // An unsigned hint only says "read this room": no buyer, no text, and new rooms within a bound.
    if (hint.unsigned && !(await tx.getRoom(ref))) {
      const budget = this.unsignedRooms.take(`${source}:${appName}`, now);
      if (!budget.ok) {
        if (budget.firstRefusal) {
          this.o.onWarning?.(
            "too many new rooms from unsigned webhooks; further ones wait for a sweep (set the app's webhookSecret)",
            { source, app: appName, perMinute: UNSIGNED_NEW_ROOMS_PER_MINUTE },
          );
        }
        return "ignored";
      }
    }
    const trusted = !hint.unsigned;
    // A signed webhook that carries the whole message (with the platform's ordering key) is what a read would
    // return: the sync may store it without reading the room (see sync-room.ts).
    const whole = trusted && hint.fallback?.order !== undefined;
    const queued = await markRoomForSync(tx, ref, {
      ...(hint.buyer && trusted ? { buyer: hint.buyer } : {}),
      initialCursorTime: now - this.o.initialLookbackMs,
      now,
      read: !whole,
      ...(whole ? { runAfter: now + CARRIED_MESSAGE_SETTLE_MS } : {}),
    });
    if (hint.fallback && trusted) await tx.addFallback(ref, hint.fallback, now);
    this.o.onShopActivity?.(source, hint.shopId);
    return queued ? "queued" : "covered";
  }

  /** POST /webhooks/kommo/{scope_id} */
  async kommoWebhook(
    scopeId: string,
    headers: Record<string, string | string[] | undefined>,
    raw: Uint8Array,
  ): Promise<IntakeResponse> {
    const account = this.o.topology.accountByScope(scopeId);
    if (!account) return this.reject("kommo", 404, "unknown_scope");
    const sig = headers["x-signature"];
    if (!this.o.kommoHooks.verify(account.channelSecret, raw, Array.isArray(sig) ? sig[0] : sig)) {
      return this.reject("kommo", 401, "bad_signature");
    }
    let hook: KommoReplyHook;
    try {
      hook = this.o.kommoHooks.parse(raw);
    } catch (err) {
      if (isTkError(err)) return this.reject("kommo", 400, "malformed");
      throw err;
    }
    if (hook.kind !== "message" || !hook.amojoMessageId || !hook.message) {
      return { status: 200, body: { ok: true, ignored: "not a message" } };
    }
    // The conversation must be one the bridge made, for a shop bound to this very Kommo account. Anything else
    // is still stored: the job then tells Kommo the reply could not be delivered (Kommo never retries hooks).
    const parsed = parseConversationId(hook.conversationClientId);
    const shop = parsed && this.o.topology.shop(parsed.source, parsed.shopId);
    const known = parsed && shop && shop.kommo.scopeId === scopeId ? parsed : undefined;
    const now = this.now();
    // Replies have their own lane per room (they keep their order; buyer messages never wait behind them); the
    // echo of a reply being posted is kept out of Kommo by syncRoom (see replyOrderingKey).
    const orderingKey = known
      ? replyOrderingKey({ source: known.source, shopId: known.shopId, roomId: known.roomId })
      : `kommo:${hook.amojoChatId ?? hook.amojoMessageId}`;
    let inserted: boolean;
    try {
      inserted = await this.commit((tx) =>
        tx.insertOutbound(
          {
            scopeId,
            amojoMessageId: hook.amojoMessageId!,
            ...(hook.amojoChatId ? { amojoChatId: hook.amojoChatId } : {}),
            ...(hook.conversationClientId ? { conversationId: hook.conversationClientId } : {}),
            ...(known ? { source: known.source, shopId: known.shopId, roomId: known.roomId } : {}),
            contentJson: JSON.stringify(hook.message),
          },
          {
            orderingKey,
            shopKey: known ? shopKey(known.source, known.shopId) : `kommo:${scopeId}`,
          },
          now,
        ),
      );
    } catch (err) {
      return this.refuseUnwritable("kommo", err);
    }
    if (inserted) this.o.notify();
    return { status: 200, body: { ok: true, duplicate: !inserted } };
  }

  /** Commits `fn` with the other webhooks of this turn and tells the state health it went through. */
  private async commit<T>(fn: (tx: EngineStoreTx) => Promise<T>): Promise<T> {
    const result = await this.commits.run(fn);
    this.o.state?.succeeded();
    return result;
  }

  /**
   * A commit that threw: 503 when the state file refused the write (nothing stored; the platform may retry),
   * rethrown otherwise (a bug: the server answers 500 and logs it).
   */
  private refuseUnwritable(route: string, err: unknown): IntakeResponse {
    const code = this.o.state ? this.o.state.failed("intake", err) : stateWriteCode(err);
    if (!code) throw err;
    return this.reject(route, 503, "state_unavailable");
  }

  private reject(route: string, status: number, reason: string): IntakeResponse {
    this.o.metrics.webhookRejections.inc({ route, reason });
    return { status, body: { error: reason } };
  }
}
