/**
 * One adapter per marketplace source for the end-to-end suites that run against both (crash, faults): how to start
 * the testbed, act as a buyer, inject platform faults and read what the platform saw. Everything else (the daemon,
 * Kommo, the assertions) is shared: the suites are written once, over `SOURCE_WORLDS`.
 */
import type { Config } from "../../src/config/index.js";
import type { KommoSimulator } from "../../src/sim/kommo/index.js";
import { startTikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { startTestbed } from "../../src/testbed/tokopedia.js";

export interface WorldOptions {
  mode: "webhook" | "poll" | "hybrid";
  pollIntervalSeconds?: number;
  /** The config's `jobs.leaseSeconds` (default 10). */
  jobLeaseSeconds?: number;
}

/** A buyer's message as the suites see it. */
export interface BuyerMessage {
  /** The marketplace's room (Tokopedia msg_id, TikTok Shop conversation id). */
  roomId: string;
  /** The same room as Kommo knows it (the conversation id the bridge gives it). */
  conversationId: string;
}

/** How many calls of each kind of injected platform fault the simulator answered (seen from its side). */
export interface PlatformFaultsSeen {
  serverErrors: number;
  rateLimited: number;
  dropped: number;
}

/** What a crash run sends: `total` messages over `rooms` rooms, the daemon down from `killAt` to `restartAt`. */
export interface CrashLoad {
  rooms: number;
  total: number;
  killAt: number;
  restartAt: number;
  /** Webhooks are let out in batches of this many messages, so some are in flight when the daemon dies. */
  webhookBatch: number;
}

export interface SourceWorld {
  /** Kommo, the config file and the state file the daemon is started on. */
  kommo: KommoSimulator;
  scopeId: string;
  config: Config;
  configPath: string;
  statePath: string;
  /** Points the platform's webhooks and Kommo's channel hook at a running daemon. */
  connectDaemon(daemonUrl: string): Promise<void>;
  /** Buyer `buyerId` writes `text` in their room with the (single) shop; its webhook may still be in flight. */
  buyerSends(buyerId: string, text: string, buyerName?: string): Promise<BuyerMessage>;
  /** Resolves once every webhook sent so far has had its first attempt answered (or failed). */
  settleWebhooks(): Promise<void>;
  /** True when no webhook is still due: each was accepted or the platform gave up retrying it. */
  webhooksSettled(): boolean;
  /** How many buyer messages' first webhook attempt failed (the daemon was down or refused it). */
  failedFirstWebhooks(): number;
  /** Texts the platform holds as sent by the shop into the room, oldest first. */
  shopTexts(roomId: string): string[];
  /** The next platform call answers a 5xx. */
  failNextWithServerError(): void;
  /** The next platform call loses its connection without an answer. */
  dropNextConnection(): void;
  /** The next `n` platform calls are refused as over the rate limit (HTTP 429). */
  rateLimitNext(n: number): void;
  platformFaultsSeen(): PlatformFaultsSeen;
  close(): Promise<void>;
}

export interface SourceWorldKind {
  name: "tokopedia" | "tiktokshop";
  start(o: WorldOptions): Promise<SourceWorld>;
  crashLoad: CrashLoad;
}

/** The parts both testbeds share: Kommo, the files the daemon runs on, connecting and closing. */
type SharedBed = Pick<
  SourceWorld,
  "kommo" | "scopeId" | "config" | "configPath" | "statePath" | "connectDaemon" | "close"
>;

function sharedParts(bed: SharedBed): SharedBed {
  return {
    kommo: bed.kommo,
    scopeId: bed.scopeId,
    config: bed.config,
    configPath: bed.configPath,
    statePath: bed.statePath,
    connectDaemon: (url) => bed.connectDaemon(url),
    close: () => bed.close(),
  };
}

/** Counts the injected faults in a simulator's request log (a cut connection is logged with status -1). */
function faultsIn(log: ReadonlyArray<{ status: number }>): PlatformFaultsSeen {
  return {
    serverErrors: log.filter((x) => x.status >= 500).length,
    rateLimited: log.filter((x) => x.status === 429).length,
    dropped: log.filter((x) => x.status === -1).length,
  };
}

async function startTokopediaWorld(o: WorldOptions): Promise<SourceWorld> {
  const bed = await startTestbed(o);
  const shopId = bed.shops[0]!.shopId;
  let failedFirst = 0;
  return {
    ...sharedParts(bed),
    async buyerSends(buyerId, text, buyerName) {
      // The simulator posts the webhook before it answers: nothing is left in flight.
      const sent = await bed.tokopedia.buyerSends(shopId, buyerId, text, buyerName ? { buyerName } : {});
      if (sent.deliveries.some((d) => d.status !== 200)) failedFirst++;
      return { roomId: sent.msgId, conversationId: `tkp:${shopId}:${sent.msgId}` };
    },
    settleWebhooks: async () => {},
    // Tokopedia does not retry a refused webhook: once posted, it is settled.
    webhooksSettled: () => true,
    failedFirstWebhooks: () => failedFirst,
    shopTexts: (roomId) => bed.tokopedia.shopReplies(roomId),
    failNextWithServerError: () => bed.tokopedia.failNext(1, { status: 503 }),
    dropNextConnection: () => bed.tokopedia.dropNext(1),
    rateLimitNext: (n) => bed.tokopedia.failNext(n, { status: 429 }),
    platformFaultsSeen: () => faultsIn(bed.tokopedia.requests()),
  };
}

/** Refused webhooks are retried quickly, so a run that restarts the daemon does not wait minutes for them. */
const TTS_WEBHOOK_RETRY_DELAYS_MS = [200, 1000, 3000];
/** TikTok Shop's rate-limit code (answered with HTTP 429). */
const TTS_RATE_LIMITED = 36009002;

async function startTikTokShopWorld(o: WorldOptions): Promise<SourceWorld> {
  const bed = await startTikTokShopTestbed({
    ...o,
    tiktokshop: { webhookRetryDelaysMs: TTS_WEBHOOK_RETRY_DELAYS_MS },
  });
  const sim = bed.tiktokshop;
  return {
    ...sharedParts(bed),
    async buyerSends(buyerId, text, buyerName) {
      const { conversationId } = sim.buyerSends(
        bed.shopId,
        { id: buyerId, name: buyerName ?? buyerId },
        text,
      );
      return { roomId: conversationId, conversationId: `tts:${bed.shopId}:${conversationId}` };
    },
    settleWebhooks: () => sim.flushWebhooks(),
    webhooksSettled() {
      const last = new Map<string, { ok: boolean; attempt: number }>();
      for (const d of sim.webhookDeliveries()) last.set(d.notificationId, d);
      const finalAttempt = TTS_WEBHOOK_RETRY_DELAYS_MS.length + 1;
      return sim.webhooksSent().every((n) => {
        const d = last.get(n.notificationId);
        return d !== undefined && (d.ok || d.attempt >= finalAttempt);
      });
    },
    failedFirstWebhooks: () => sim.webhookDeliveries().filter((d) => d.attempt === 1 && !d.ok).length,
    shopTexts: (roomId) => sim.shopMessages(roomId).flatMap((m) => (m.text !== undefined ? [m.text] : [])),
    failNextWithServerError: () => sim.failNext(1, { status: 503 }),
    // A read whose connection is cut before the answer: to the bridge a dropped connection, and the simulator
    // logs it (a connection dropped before the request is read leaves no trace to check the fault happened).
    dropNextConnection: () => sim.dropNext(1, { method: "GET", afterProcessing: true }),
    rateLimitNext: (n) => sim.failNext(n, { code: TTS_RATE_LIMITED }),
    platformFaultsSeen: () => faultsIn(sim.calls()),
  };
}

/** Both marketplace sources, for `describe.each(SOURCE_WORLDS)("…: $name", …)`. */
export const SOURCE_WORLDS: SourceWorldKind[] = [
  {
    name: "tokopedia",
    start: startTokopediaWorld,
    crashLoad: { rooms: 10, total: 500, killAt: 200, restartAt: 300, webhookBatch: 1 },
  },
  {
    name: "tiktokshop",
    start: startTikTokShopWorld,
    crashLoad: { rooms: 5, total: 150, killAt: 60, restartAt: 90, webhookBatch: 10 },
  },
];
