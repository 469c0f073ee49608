/**
 * Past conversations on the simulators, for the import tests: messages with timestamps days back, written by
 * running the simulator's clock in the past (Tokopedia: the `now` it was started with; TikTok Shop: its clock
 * offset) and bringing it back to the present afterwards.
 */
import type { TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { shopWritesInSellerCenter } from "../../src/sim/tokopedia/history.js";
import type { TokopediaSim } from "../../src/sim/tokopedia/index.js";

export const DAY_MS = 86_400_000;

/** A clock for the Tokopedia simulator (`tokopedia: { now: clock.now }`) that can be set back. */
export function settableClock(): { now: () => number; setDaysAgo(days: number): void; present(): void } {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    setDaysAgo(days) {
      offset = -days * DAY_MS;
    },
    present() {
      offset = 0;
    },
  };
}

export interface SeededRoom {
  buyer: string;
  roomId: string;
  /** Texts in the order written, each with the side that wrote it. */
  texts: Array<{ text: string; fromShop: boolean; daysAgo: number }>;
}

/**
 * Tokopedia: per shop and buyer, one buyer message and one Seller Center answer on each of `days` (days ago), all
 * shops together oldest day first (the simulator's bubble clock never runs backwards). Every text names its shop,
 * buyer and day, so tests can check order and origin.
 */
export async function seedTokopedia(
  sim: TokopediaSim,
  clock: ReturnType<typeof settableClock>,
  shopIds: string[],
  buyers: string[],
  days: number[],
): Promise<Map<string, SeededRoom[]>> {
  const rooms = new Map<string, SeededRoom>();
  for (const d of [...days].sort((a, b) => b - a)) {
    clock.setDaysAgo(d);
    for (const shopId of shopIds) {
      for (const buyer of buyers) {
        const text = `s${shopId} ${buyer} day-${d} tanya`;
        const sent = await sim.buyerSends(shopId, buyer, text, { buyerName: `Buyer ${buyer}` });
        const key = `${shopId}:${buyer}`;
        const room = rooms.get(key) ?? { buyer, roomId: sent.msgId, texts: [] };
        room.texts.push({ text, fromShop: false, daysAgo: d });
        const answer = `s${shopId} ${buyer} day-${d} jawab`;
        shopWritesInSellerCenter(sim, sent.msgId, answer);
        room.texts.push({ text: answer, fromShop: true, daysAgo: d });
        rooms.set(key, room);
      }
    }
  }
  clock.present();
  const byShop = new Map<string, SeededRoom[]>();
  for (const [key, room] of rooms) {
    const shopId = key.slice(0, key.indexOf(":"));
    byShop.set(shopId, [...(byShop.get(shopId) ?? []), room]);
  }
  return byShop;
}

/** TikTok Shop: the same pattern, the answers typed by an agent in Seller Center. */
export function seedTikTokShop(
  sim: TikTokShopSim,
  shopId: string,
  buyers: string[],
  days: number[],
): SeededRoom[] {
  const rooms = new Map<string, SeededRoom>();
  let back = 0;
  for (const d of [...days].sort((a, b) => b - a)) {
    sim.advanceClock(-d * DAY_MS - back);
    back = -d * DAY_MS;
    for (const buyer of buyers) {
      const text = `s${shopId} ${buyer} day-${d} tanya`;
      const sent = sim.buyerSends(shopId, { id: buyer, name: `Buyer ${buyer}` }, text);
      const room = rooms.get(buyer) ?? { buyer, roomId: sent.conversationId, texts: [] };
      room.texts.push({ text, fromShop: false, daysAgo: d });
      const answer = `s${shopId} ${buyer} day-${d} jawab`;
      sim.agentSendsInSellerCenter(sent.conversationId, answer);
      room.texts.push({ text: answer, fromShop: true, daysAgo: d });
      rooms.set(buyer, room);
    }
  }
  sim.advanceClock(-back);
  return [...rooms.values()];
}
