/**
 * The one way a room is queued for a sync, shared by webhook intake and poll sweeps: record the room and its
 * buyer, mark it dirty, and make sure one sync job is pending. Call inside a store transaction. Returns whether it
 * queued a new job (false: a pending sync will cover the room, so there is nothing new for the job runner).
 */
import type { Buyer } from "../sources/types.js";
import { conversationId } from "./identities.js";
import type { EngineStore, SourceRoomRef } from "./store-port.js";
import { shopKey } from "./topology.js";

export const SYNC_ROOM = "sync_room";

export function syncOrderingKey(ref: SourceRoomRef): string {
  return `sync:${conversationId(ref.source, ref.shopId, ref.roomId)}`;
}

export function markRoomForSync(
  store: EngineStore,
  ref: SourceRoomRef,
  opts: { buyer?: Buyer; initialCursorTime: number; now: number },
): boolean {
  const b = opts.buyer;
  store.upsertRoom(
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
  store.markDirty(ref, opts.now);
  // A pending (not yet running) sync will read everything up to its own start, so one is enough. A sync that is
  // already running may have started before this message: then a new one is queued behind it.
  const key = syncOrderingKey(ref);
  if (store.hasPendingJob(SYNC_ROOM, key)) return false;
  store.enqueue(
    { kind: SYNC_ROOM, orderingKey: key, shopKey: shopKey(ref.source, ref.shopId), payload: ref },
    opts.now,
  );
  return true;
}
