/**
 * Control API for past conversations: a message the shop typed in Seller Center (not through the API), so tests can
 * seed a room's history on both sides. Its time is the simulator's clock, like every other bubble: a simulator
 * started with a `now` that runs in the past writes history with past timestamps.
 */
import type { TokopediaSim } from "./simulator.js";
import { anchorLinks } from "./state.js";

export function shopWritesInSellerCenter(
  sim: TokopediaSim,
  msgId: string,
  text: string,
): { replyId: string } {
  const room = sim.world.rooms.get(BigInt(msgId));
  if (!room) throw new Error(`sim: unknown room ${msgId}`);
  const shop = sim.world.shops.get(room.shopId)!;
  const replyId = sim.world.id();
  room.replies.push({
    replyId,
    msgId: room.msgId,
    senderId: shop.userId,
    role: "Shop Owner",
    senderName: shop.name,
    text,
    msg: anchorLinks(text),
    replyTime: sim.world.time(),
    fromBuyer: false,
  });
  return { replyId: String(replyId) };
}
