/**
 * What the sandbox's player acts on: the Tokopedia simulator (where it writes as a buyer), the Kommo simulator
 * (where it answers as a manager and reads what arrived), the shop the buyers write to and the Kommo scope of
 * the channel. `tokokommo sandbox` runs the bridge itself (startSandboxWorld); `sandbox --serve` leaves that to
 * the operator's own `serve` (rehearsal.ts).
 */
import { type RunningDaemon, startDaemon } from "../daemon/daemon.js";
import { TkError } from "../errors/index.js";
import type { KommoSimulator, SimMessage } from "../sim/kommo/index.js";
import type { TikTokShopSim } from "../sim/tiktokshop/index.js";
import type { TokopediaSim } from "../sim/tokopedia/index.js";
import { startTestbed } from "../testbed/tokopedia.js";
import type { BuyerStep } from "./script.js";

export interface SandboxSides {
  tokopedia: TokopediaSim;
  kommo: KommoSimulator;
  /** `{channel id}_{amojo id}` of the connected channel. */
  scopeId: string;
  shop: { shopId: string; name: string };
  /** Every Tokopedia shop of the sandbox (`shop NAME` lines pick one); absent: only `shop`. */
  shops?: Array<{ shopId: string; name: string }>;
  /** Moves the reply-time guard's clock on and lets it look (`wait` lines); only where the bridge runs in-process. */
  guard?: { advance(minutes: number): Promise<void> };
  /** A TikTok Shop shop buyers can write to (`buyer on tiktokshop:`); only `sandbox --serve` has one. */
  tiktokshop?: { sim: TikTokShopSim; shopId: string; name: string };
  /** How long a buyer message may take to reach Kommo, and a reply to get its delivery status. */
  waitMs: number;
  /** Appended when nothing arrived in time: what to check. */
  missingHint?: string;
}

/** The whole flow in one process: both simulators and the real daemon (the code `serve` runs) on loopback. */
export interface SandboxWorld {
  sides: SandboxSides;
  daemon: RunningDaemon;
  close(): Promise<void>;
}

export async function startSandboxWorld(): Promise<SandboxWorld> {
  const bed = await startTestbed({ mode: "hybrid", shops: 2 });
  try {
    // An agency's second client shop has its own pipeline: its leads land there (Kommo lead sources).
    const second = bed.config.shops[1];
    if (second)
      second.pipelineId = bed.kommo.routing.addPipeline(bed.accountId, { name: `${second.name} leads` }).id;
    // The reply-time guard runs on a clock the script moves on (`wait MINUTES`), so hours pass in a moment.
    let skew = 0;
    const daemon = await startDaemon({
      config: bed.config,
      port: 0,
      engine: { guardNow: () => Date.now() + skew },
    });
    await bed.connectDaemon(daemon.url);
    return {
      sides: {
        tokopedia: bed.tokopedia,
        kommo: bed.kommo,
        scopeId: bed.scopeId,
        shop: bed.shops[0]!,
        shops: bed.shops,
        guard: {
          async advance(minutes) {
            // What the bridge has taken in is recorded first: the jobs delivering to Kommo finish before the clock
            // moves (a message shows in Kommo a moment before its delivery job ends).
            await waitUntil(() => (idle(daemon) ? true : undefined), 10_000);
            skew += minutes * 60_000;
            daemon.engine.guard?.wake();
            await daemon.engine.guard?.settled();
          },
        },
        waitMs: 10_000,
      },
      daemon,
      async close() {
        await daemon.stop(2_000);
        await bed.close(); // also removes the temporary config and state file
      },
    };
  } catch (err) {
    await bed.close();
    throw err;
  }
}

const buyerIds = new Map<string, number>();
/** A stable numeric Tokopedia user id per buyer name. */
function buyerIdOf(name: string): string {
  if (!buyerIds.has(name)) buyerIds.set(name, 8_100_000 + buyerIds.size);
  return String(buyerIds.get(name));
}

/** Sends a buyer's message; returns the room (conversation) and the Kommo conversation id it belongs to. */
export async function buyerSends(
  sides: SandboxSides,
  step: BuyerStep,
): Promise<{ room: string; conversationId: string }> {
  if (step.on === "tiktokshop") return tiktokshopBuyerSends(sides, step);
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
  const sent = await sides.tokopedia.buyerSends(sides.shop.shopId, buyerIdOf(step.buyer), content, {
    buyerName: step.buyer,
  });
  // The bridge's conversation id for a Tokopedia room (one room per buyer and shop).
  return { room: sent.msgId, conversationId: `tkp:${sides.shop.shopId}:${sent.msgId}` };
}

/** A buyer's message on TikTok Shop (text or an image: what the script offers there). */
function tiktokshopBuyerSends(
  sides: SandboxSides,
  step: BuyerStep,
): { room: string; conversationId: string } {
  const tts = sides.tiktokshop;
  if (!tts)
    throw new TkError("TK_ERR_SANDBOX_SCRIPT", `script line ${step.line}: no TikTok Shop here`, {
      fix: "TikTok Shop buyers write in `tokokommo sandbox --serve`, once its seller is set up (README, Rehearse the real setup).",
      exitCode: 2,
    });
  const content =
    step.kind === "image" ? { type: "IMAGE" as const, url: step.url } : step.kind === "text" ? step.text : "";
  const sent = tts.sim.buyerSends(tts.shopId, { id: buyerIdOf(step.buyer), name: step.buyer }, content);
  return { room: sent.conversationId, conversationId: `tts:${tts.shopId}:${sent.conversationId}` };
}

/** The buyer messages Kommo holds in a conversation, oldest first. */
export function kommoMessages(sides: SandboxSides, conversationId: string): SimMessage[] {
  return sides.kommo
    .received(sides.scopeId)
    .filter((m) => m.conversationId === conversationId && m.direction === "in");
}

/** Polls `probe` until it answers, `timeoutMs` passed or `cancelled()` says to give up (undefined then). */
export async function waitUntil<T>(
  probe: () => T | undefined,
  timeoutMs: number,
  cancelled: () => boolean = () => false,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline || cancelled()) return undefined;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** No job of the bridge waits or runs. */
function idle(daemon: RunningDaemon): boolean {
  return daemon.store.jobs.counts().every((c) => c.pending + c.running === 0);
}
