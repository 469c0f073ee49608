/**
 * The import's walk over one shop: its conversations active within the window, each read oldest first and sent
 * to Kommo as silent history, one message at a time and recorded as it goes (see store/imports.ts; SQLite or
 * PostgreSQL, whichever the state is), so the walk
 * can stop anywhere — Ctrl-C, a crash, the day's budget — and a later run continues after the last message sent.
 */
import { isQuotaStop } from "../bridge/error-policy.js";
import type { EngineStoreTx } from "../bridge/store-port.js";
import type { ShopBinding } from "../bridge/topology.js";
import type { RoomSummary, SourceMessage } from "../sources/types.js";
import type { ImportsPort } from "../store/imports.js";
import type { RoomKey } from "../store/keys.js";
import { importBudgetSpent, importInterrupted } from "./errors.js";
import { withRetries } from "./retry.js";
import { importedRecord, sendHistory } from "./send-history.js";

/** Messages newer than this, before the run began, are left to live sync (a reply may still be on its way). */
export const LIVE_MARGIN_MS = 5 * 60_000;

export interface ImportOptions {
  days: number;
  dryRun: boolean;
}

export interface ImportProgress {
  shopId: string;
  source: ShopBinding["source"];
  roomsTotal: number;
  roomsDone: number;
  /** Sent to Kommo by this run (--dry-run: would be sent). */
  messagesSent: number;
  /** Already in Kommo or the state file (live sync, an earlier run), or not shown (hidden, echoes). */
  messagesSkipped: number;
  /** Upstream calls this run spent on the marketplace (TikTok Shop: as counted against the daily quota). */
  calls: number;
  elapsedMs: number;
  /** Estimated time left (ms), once a room is done. */
  etaMs?: number;
}

export interface WalkDeps {
  shop: ShopBinding;
  imports: ImportsPort;
  /** The engine's state: when the bridge first saw a room (getRoom) and echoes of replies sent from Kommo. */
  state: Pick<EngineStoreTx, "getRoom" | "isEcho">;
  now: () => number;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

/** Walks the shop; resolves with the final progress, or throws importBudgetSpent / importInterrupted. */
/** The progress of a walk that has not started. */
export function emptyProgress(shopId: string, source: ImportProgress["source"]): ImportProgress {
  return {
    shopId,
    source,
    roomsTotal: 0,
    roomsDone: 0,
    messagesSent: 0,
    messagesSkipped: 0,
    calls: 0,
    elapsedMs: 0,
  };
}

export async function walkShop(o: ImportOptions, deps: WalkDeps): Promise<ImportProgress> {
  const { shop } = deps;
  const started = deps.now();
  const since = started - o.days * 86_400_000;
  const until = started - LIVE_MARGIN_MS;
  const calls = callCounter(shop);
  const p = emptyProgress(shop.shopId, shop.source);
  const tick = () => {
    p.calls = calls.spent();
    p.elapsedMs = deps.now() - started;
    if (p.roomsDone > 0) p.etaMs = Math.round((p.elapsedMs / p.roomsDone) * (p.roomsTotal - p.roomsDone));
    deps.onProgress?.({ ...p });
  };
  try {
    const rooms = await calls.around(() => shop.app.marketplace.listRooms(shop.shopId, since), deps.signal);
    // Oldest conversations first, so an interrupted run has imported whole early stretches of the window.
    rooms.sort((a, b) => a.lastMessageAt - b.lastMessageAt);
    p.roomsTotal = rooms.length;
    tick();
    for (const room of rooms) {
      await importRoom(room, { since, until, dryRun: o.dryRun }, deps, p, calls, tick);
      p.roomsDone++;
      tick();
    }
  } catch (err) {
    tick();
    if (isQuotaStop(err)) throw importBudgetSpent({ ...p }, err);
    throw err;
  }
  return { ...p };
}

interface Window {
  since: number;
  until: number;
  dryRun: boolean;
}

async function importRoom(
  room: RoomSummary,
  w: Window,
  deps: WalkDeps,
  p: ImportProgress,
  calls: CallCounter,
  tick: () => void,
): Promise<void> {
  const { shop, imports } = deps;
  const ref: RoomKey = { source: shop.source, shopId: shop.shopId, roomId: room.roomId };
  const done = await imports.progress(ref);
  if (done?.finishedThrough !== undefined && room.lastMessageAt <= done.finishedThrough) return;
  const after = done?.cursorMessageId
    ? { messageId: done.cursorMessageId, ...(done.cursorTime !== undefined ? { time: done.cursorTime } : {}) }
    : { time: w.since - 1 };
  const messages = await calls.around(() => shop.app.marketplace.readMessages(room, after), deps.signal);
  // From the moment the bridge knew the room, live sync has it: its records there may be pruned by now, and a shop
  // message there may be the echo of a manager's reply from Kommo, which must not come back as history.
  const liveFrom = (await deps.state.getRoom(ref))?.createdAt ?? Number.POSITIVE_INFINITY;
  for (const m of messages) {
    if (deps.signal?.aborted) throw importInterrupted({ ...p });
    if (m.sentAt < w.since) continue;
    if (m.sentAt > w.until) break;
    if (m.sentAt >= liveFrom || !(await worthSending(m, ref, deps))) {
      p.messagesSkipped++;
      if (!w.dryRun) await imports.skipMessage(ref, m.messageId, m.sentAt, deps.now());
      continue;
    }
    p.messagesSent++;
    if (!w.dryRun) {
      const amojo = await withRetries(() => sendHistory(shop, room.buyer, m), retryOptions(deps));
      // Recorded even when a Ctrl-C came during the send: the message is in Kommo.
      await imports.recordMessage(ref, { ...importedRecord(shop, m), ...amojo }, true, deps.now());
    }
    tick();
  }
  if (!w.dryRun) await imports.finish(ref, Math.min(room.lastMessageAt, w.until), deps.now());
}

/** Not hidden, not stored yet (live sync or an earlier run has it), not the echo of a reply sent from Kommo. */
async function worthSending(m: SourceMessage, ref: RoomKey, deps: WalkDeps): Promise<boolean> {
  if (m.hidden) return false;
  if (await deps.imports.isStored(ref, m.messageId)) return false;
  if (m.sender !== "shop") return true;
  const text = m.content.kind === "text" ? m.content.text : undefined;
  return !(await deps.state.isEcho(ref, m.messageId, text, m.sentAt));
}

function retryOptions(deps: WalkDeps) {
  return deps.signal ? { signal: deps.signal } : {};
}

interface CallCounter {
  /** Runs one platform call (retried on passing failures), counting it. */
  around<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  spent(): number;
}

/**
 * What the walk spent upstream: TikTok Shop counts every call against the shop's quota (the difference of its
 * count is exact, whoever else calls meanwhile aside); elsewhere each list or read counts once.
 */
function callCounter(shop: ShopBinding): CallCounter {
  const market = shop.app.marketplace;
  const used = () => market.quotaUsage?.(shop.shopId)?.used;
  const base = used();
  let own = 0;
  return {
    around(fn, signal) {
      return withRetries(
        () => {
          own++;
          return fn();
        },
        signal ? { signal } : {},
      );
    },
    spent: () => {
      const now = used();
      return base !== undefined && now !== undefined ? now - base : own;
    },
  };
}
