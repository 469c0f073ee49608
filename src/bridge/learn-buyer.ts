/**
 * Who the buyer of a room is, for rooms whose webhook did not say. Tokopedia's chat webhook carries the buyer;
 * TikTok Shop's type-14 webhook carries only an im_user_id (no name, user id or platform:
 * docs/platforms/tiktokshop.md#webhooks). Without this, a TikTok Shop chat opened by a webhook would reach Kommo as
 * "buyer room-…" and the lead would never be tagged with the buyer's platform. The conversation listing (the same
 * call poll sweeps make) has all of it.
 *
 * Called by the room sync before it inserts the first buyer message of a room with no buyer yet, so the
 * delivery to Kommo (which reads the room) and the lead's tags see the buyer. Best effort: the listing failing
 * costs a name, never a message, so the error is swallowed and the next sync of the room tries again.
 */
import type { Buyer } from "../domain/index.js";
import type { MarketplaceSource, SourceMessage } from "../sources/types.js";
import { conversationId } from "./identities.js";
import type { EngineStore, SourceRoomRef } from "./store-port.js";

export async function learnBuyer(
  ref: SourceRoomRef,
  messages: SourceMessage[],
  marketplace: MarketplaceSource,
  store: EngineStore,
  now: number,
): Promise<void> {
  const first = messages.find((m) => m.sender === "buyer");
  if (!first) return;
  let b: Buyer | undefined;
  try {
    // A source that can look one room up stops as soon as it finds it; otherwise the rooms active since this
    // room's first new message are listed: this room is among them.
    b = marketplace.findBuyer
      ? await marketplace.findBuyer(ref)
      : (await marketplace.listRooms(ref.shopId, first.sentAt)).find((r) => r.roomId === ref.roomId)?.buyer;
  } catch {
    b = undefined;
  }
  if (!b?.id) return;
  await store.upsertRoom(
    {
      ...ref,
      conversationId: conversationId(ref.source, ref.shopId, ref.roomId),
      buyerId: b.id,
      buyerName: b.name || first.senderName || "",
      ...(b.avatarUrl ? { buyerAvatar: b.avatarUrl } : {}),
      ...(b.profileUrl ? { buyerProfileUrl: b.profileUrl } : {}),
      ...(b.platform ? { buyerPlatform: b.platform } : {}),
    },
    now,
  );
}
