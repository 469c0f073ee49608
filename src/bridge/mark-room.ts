/**
 * The one way a room is queued for a sync, shared by webhook intake and poll sweeps: record the room and its
 * buyer, mark it dirty, and make sure one sync job is pending. Call with a transaction's handle (store-port.ts). Returns whether it
 * queued a new job (false: a pending sync will cover the room, so there is nothing new for the job runner).
 */
import type { Buyer } from "../domain/index.js";
import { conversationId } from "./identities.js";
import { SYNC_ROOM } from "./job-kinds.js";
import type { EngineStoreTx, SourceRoomRef } from "./store-port.js";
import { shopKey } from "./topology.js";

/**
 * How long a sync waits after a webhook that carries its message. The platform's deliveries are concurrent, so
 * two messages of one room written moments apart may arrive the wrong way round: the sync then finds both and
 * stores them in the room's order. A crossing wider than this is stored late (after the newer message).
 */
export const CARRIED_MESSAGE_SETTLE_MS = 250;

export function syncOrderingKey(ref: SourceRoomRef): string {
  return `sync:${conversationId(ref.source, ref.shopId, ref.roomId)}`;
}

/**
 * The lane of a room's replies to the marketplace: apart from its syncs, so buyer messages never wait behind a
 * reply that waits (a retry, a slow platform). What kept the two in one lane — a sync must not read the
 * bridge's own reply before its echo is recorded — is kept by syncRoom instead: it does not import a shop message
 * while a reply of the room is being sent (see replyInFlight in sync-room.ts).
 */
export function replyOrderingKey(ref: SourceRoomRef): string {
  return `reply:${conversationId(ref.source, ref.shopId, ref.roomId)}`;
}

export async function markRoomForSync(
  tx: EngineStoreTx,
  ref: SourceRoomRef,
  opts: {
    buyer?: Buyer;
    initialCursorTime: number;
    now: number;
    /**
     * False when the caller holds the whole message (a webhook that carries it, kept as the room's fallback): the
     * sync may then store it without reading the room. Default true: the room is marked dirty and read.
     */
    read?: boolean;
    /** A new sync job waits until then (ms); default at once. */
    runAfter?: number;
  },
): Promise<boolean> {
  const b = opts.buyer;
  await tx.upsertRoom(
    {
      ...ref,
      conversationId: conversationId(ref.source, ref.shopId, ref.roomId),
      ...(b
        ? {
            buyerId: b.id,
            buyerName: b.name,
            ...(b.avatarUrl ? { buyerAvatar: b.avatarUrl } : {}),
            ...(b.profileUrl ? { buyerProfileUrl: b.profileUrl } : {}),
            ...(b.platform ? { buyerPlatform: b.platform } : {}),
          }
        : {}),
      initialCursorTime: opts.initialCursorTime,
    },
    opts.now,
  );
  if (opts.read !== false) await tx.markDirty(ref, opts.now);
  // A pending (not yet running) sync will read everything up to its own start, so one is enough. A sync that is
  // already running may have started before this message: then a new one is queued behind it.
  const key = syncOrderingKey(ref);
  if (await tx.hasPendingJob(SYNC_ROOM, key)) return false;
  await tx.enqueue(
    {
      kind: SYNC_ROOM,
      orderingKey: key,
      shopKey: shopKey(ref.source, ref.shopId),
      payload: ref,
      ...(opts.runAfter !== undefined ? { runAfter: opts.runAfter } : {}),
    },
    opts.now,
  );
  return true;
}

/**
 * At most this many rooms a minute, per app, are created from unsigned hints (a Tokopedia app without a webhook
 * secret). Each such room costs at least one API read, and anyone who can reach the webhook URL can send hints
 * naming made-up rooms: without a bound, 300 hints made 301 rooms and 709 API calls. Hints beyond it are
 * answered 200 and dropped; a sweep (start-up, and every poll interval in hybrid and poll modes) finds real
 * rooms among them from the platform's room list. Hints for rooms the bridge already knows are never limited.
 */
export const UNSIGNED_NEW_ROOMS_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

/** The per-app budget of rooms created from unsigned hints (a sliding minute). In memory: a restart resets it. */
export class UnsignedRoomBudget {
  private readonly created = new Map<string, number[]>();
  private readonly refusedSince = new Map<string, number>();

  constructor(private readonly perMinute: number = UNSIGNED_NEW_ROOMS_PER_MINUTE) {}

  /**
   * Takes one room from `app`'s budget at `now`. `firstRefusal` is true for the first refusal of a window, so
   * the caller can warn once rather than once per hint.
   */
  take(app: string, now: number): { ok: boolean; firstRefusal: boolean } {
    const recent = (this.created.get(app) ?? []).filter((t) => t > now - WINDOW_MS);
    if (recent.length < this.perMinute) {
      recent.push(now);
      this.created.set(app, recent);
      this.refusedSince.delete(app);
      return { ok: true, firstRefusal: false };
    }
    this.created.set(app, recent);
    const since = this.refusedSince.get(app);
    const first = since === undefined || since <= now - WINDOW_MS;
    if (first) this.refusedSince.set(app, now);
    return { ok: false, firstRefusal: first };
  }
}
