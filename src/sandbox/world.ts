/**
 * The sandbox world: both simulators and the real daemon (the code `serve` runs) on loopback, with a temporary
 * state file. Acts as the buyer on Tokopedia and as the manager in Kommo, and reports what each side now shows.
 */
import { type RunningDaemon, startDaemon } from "../daemon/daemon.js";
import type { SimMessage } from "../sim/kommo/index.js";
import { startTestbed, type Testbed } from "../testbed/tokopedia.js";
import type { ScriptStep } from "./script.js";

export interface SandboxWorld {
  bed: Testbed;
  daemon: RunningDaemon;
  shopId: string;
  /** Conversation id (Kommo side) of each buyer who wrote, by name. */
  conversations: Map<string, string>;
  /** Tokopedia room of each buyer. */
  rooms: Map<string, string>;
  lastBuyer: string | undefined;
  close(): Promise<void>;
}

export async function startSandboxWorld(): Promise<SandboxWorld> {
  const bed = await startTestbed({ mode: "hybrid" });
  try {
    const daemon = await startDaemon({ config: bed.config, port: 0 });
    await bed.connectDaemon(daemon.url);
    const world: SandboxWorld = {
      bed,
      daemon,
      shopId: bed.shops[0]!.shopId,
      conversations: new Map(),
      rooms: new Map(),
      lastBuyer: undefined,
      async close() {
        await daemon.stop(2_000);
        await bed.close();
      },
    };
    return world;
  } catch (err) {
    await bed.close();
    throw err;
  }
}

const buyerIds = new Map<string, number>();
function buyerIdOf(name: string): string {
  if (!buyerIds.has(name)) buyerIds.set(name, 8_100_000 + buyerIds.size);
  return String(buyerIds.get(name));
}

export type BuyerStep = Extract<ScriptStep, { actor: "buyer" }>;

/** Sends a buyer's message on Tokopedia; returns the Kommo conversation id it belongs to. */
export async function buyerSends(world: SandboxWorld, step: BuyerStep): Promise<string> {
  const content =
    step.kind === "text"
      ? step.text
      : step.kind === "image"
        ? { kind: "image" as const, url: step.url }
        : step.kind === "product"
          ? {
              kind: "product" as const,
              name: step.name,
              price: step.price ?? "",
              url: step.url ?? "",
              ...(step.imageUrl ? { imageUrl: step.imageUrl } : {}),
            }
          : step.kind === "invoice"
            ? {
                kind: "invoice" as const,
                code: step.code,
                total: step.total ?? "",
                status: step.status ?? "",
                url: step.url ?? "",
              }
            : { kind: "sticker" as const, name: step.name };
  const sent = await world.bed.tokopedia.buyerSends(world.shopId, buyerIdOf(step.buyer), content, {
    buyerName: step.buyer,
  });
  const conversationId = `tkp:${world.shopId}:${sent.msgId}`;
  world.conversations.set(step.buyer, conversationId);
  world.rooms.set(step.buyer, sent.msgId);
  world.lastBuyer = step.buyer;
  return conversationId;
}

export function kommoMessages(world: SandboxWorld, conversationId: string): SimMessage[] {
  return world.bed.kommo
    .received(world.bed.scopeId)
    .filter((m) => m.conversationId === conversationId && m.direction === "in");
}

export async function waitUntil<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 20));
  }
}
