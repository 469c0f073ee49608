/**
 * Room sync (docs/architecture.md, Inbound step 2): the webhook is a hint, the room's messages are the truth. Read
 * what is newer than the room's cursor, insert each new message once together with its delivery job, and move the
 * cursor only after the walk completed — a walk that fails half-way leaves the cursor where it was and is retried.
 */
import { TkError } from "../errors/index.js";
import type { SourceMessage } from "../sources/types.js";
import { classifyError } from "./error-policy.js";
import { conversationId, kommoMsgId } from "./identities.js";
import { DELIVER_TO_KOMMO, DELIVER_TO_MARKETPLACE } from "./intake.js";
import { learnBuyer } from "./learn-buyer.js";
import { replyOrderingKey } from "./mark-room.js";
import type { EngineStore, RoomRecord, SourceRoomRef } from "./store-port.js";
import { shopKey, type Topology } from "./topology.js";

export interface InboundContentJson {
  content: SourceMessage["content"];
  senderName?: string;
}

export interface SyncDeps {
  store: EngineStore;
  topology: Topology;
  now: () => number;
}

export async function syncRoom(ref: SourceRoomRef, deps: SyncDeps): Promise<number> {
  const { store, topology, now } = deps;
  const shop = topology.shop(ref.source, ref.shopId);
  if (!shop) {
    throw new TkError(
      "TK_ERR_SHOP_NOT_CONFIGURED",
      `shop ${ref.shopId} (${ref.source}) is not in the config`,
      {
        fix: "Bind it with `tokokommo shops add`, or ignore: its rooms are not synced.",
        details: { retryable: false },
      },
    );
  }
  const room = store.getRoom(ref);
  const walkStartedAt = now();
  const after = room?.cursorMessageId
    ? { messageId: room.cursorMessageId, ...(room.cursorTime !== undefined ? { time: room.cursorTime } : {}) }
    : room?.cursorTime !== undefined
      ? { time: room.cursorTime }
      : undefined;
  let messages: SourceMessage[];
  try {
    messages = await shop.app.marketplace.readMessages(ref, after);
  } catch (err) {
    // The shop may not read today (its daily quota, or the share of it kept for replies, is spent): deliver what
    // the webhooks carried now instead of holding the buyer's messages until the reset. The cursor stays, so
    // the first read after the reset fills any gap (inserts are unique by message id).
    if (isQuotaStop(err)) {
      deliverFallbacks(ref, deps);
      return 0;
    }
    if (!isUnknownRoom(err, room) || store.listFallbacks(ref).length > 0) throw err;
    // The platform does not know a room the bridge never read and holds nothing from: a hint named a room that
    // does not exist (anyone can send an unsigned one). Nothing to read and nothing to lose, and not the shop's
    // failure: the room is left clean instead of a dead job and a shop error in `status`.
    store.advanceCursor(ref, undefined, walkStartedAt);
    return 0;
  }
  if (!room?.buyerId) await learnBuyer(ref, messages, shop.app.marketplace, store, walkStartedAt);
  let inserted = 0;
  store.transaction(() => {
    for (const m of messages) {
      const text = m.content.kind === "text" ? m.content.text : undefined;
      // Replies the bridge itself posted come back in the room: they are already in Kommo.
      if (m.sender === "shop" && store.isEcho(ref, m.messageId, text, m.sentAt)) continue;
      if (m.sender === "shop") {
        const wait = replyMaybeUnrecorded(store, ref, walkStartedAt);
        if (wait !== undefined) throw echoNotYetRecorded(ref, wait);
      }
      if (insertMessage(store, ref, m, walkStartedAt)) inserted++;
    }
    const last = messages[messages.length - 1];
    const cursor = last ? { messageId: last.messageId, time: last.sentAt } : undefined;
    store.advanceCursor(ref, cursor, walkStartedAt);
    store.clearFallbacks(ref, walkStartedAt);
    store.recordSyncSuccess(ref.source, ref.shopId, walkStartedAt);
  });
  return inserted;
}

/**
 * When a reply of the room may be on the platform without its echo recorded yet, returns how long to wait before
 * reading again: while it is being sent (the echo is recorded in the commit that marks the part sent), or while
 * it waits to retry after a failure that may have reached the platform (a lost answer: the retry finds the
 * message in the room and records it). Otherwise undefined.
 */
function replyMaybeUnrecorded(store: EngineStore, ref: SourceRoomRef, now: number): number | undefined {
  for (const job of store.openJobs(DELIVER_TO_MARKETPLACE, replyOrderingKey(ref))) {
    if (job.state === "running") return 1_000;
    if (job.lastErrorCode && MAYBE_SENT.test(job.lastErrorCode))
      return Math.max(1_000, job.runAfter - now + 500);
  }
  return undefined;
}

/** Failures after which a send may have reached the platform (timeouts, dropped connections, crashes). */
const MAYBE_SENT = /TRANSIENT|TIMEOUT|NETWORK|INTERNAL|LEASE_EXPIRED/;

/** The sync waits and reads again; the echo is recorded by then (or the message is someone else's). */
function echoNotYetRecorded(ref: SourceRoomRef, retryAfterMs: number): TkError {
  return new TkError(
    "TK_ERR_SYNC_REPLY_IN_FLIGHT",
    `room ${ref.roomId}: a shop message was read while a reply to the room may be on its way; reading again shortly`,
    { details: { retryable: true, retryAfterMs } },
  );
}

/** The platform's daily call quota (or the bridge's own budget of it) stops reads until its reset. */
export function isQuotaStop(err: unknown): boolean {
  return /_QUOTA_EXCEEDED$|_QUOTA_RESERVED$/.test(classifyError(err).code);
}

/** A "no such room" answer (permanent) for a room that was never read and whose buyer is not known. */
function isUnknownRoom(err: unknown, room: RoomRecord | undefined): boolean {
  if (!room || room.cursorMessageId !== undefined || room.buyerId !== undefined) return false;
  const c = classifyError(err);
  return !c.retryable && /NOT_FOUND/.test(c.code);
}

/**
 * The room could not be read within the retry budget: deliver the texts its webhooks carried (synthetic ids)
 * rather than lose them. Called when a sync job dies.
 */
export function deliverFallbacks(ref: SourceRoomRef, deps: Pick<SyncDeps, "store" | "now">): number {
  const { store } = deps;
  const at = deps.now();
  let inserted = 0;
  store.transaction(() => {
    for (const m of store.listFallbacks(ref)) {
      // The webhooks of the bridge's own replies carry them too: those are already in Kommo.
      const text = m.content.kind === "text" ? m.content.text : undefined;
      if (m.sender === "shop" && store.isEcho(ref, m.messageId, text, m.sentAt)) continue;
      // Maybe a reply on its way: a later sync reads the room again (the cursor did not move).
      if (m.sender === "shop" && replyMaybeUnrecorded(store, ref, at) !== undefined) continue;
      if (insertMessage(store, ref, m, at)) inserted++;
    }
    store.clearFallbacks(ref, at);
  });
  return inserted;
}

/** Inserts one marketplace message with its deliver_to_kommo job, once (unique on source, shop, room, message). */
function insertMessage(store: EngineStore, ref: SourceRoomRef, m: SourceMessage, at: number): boolean {
  const content: InboundContentJson = {
    content: m.content,
    ...(m.senderName ? { senderName: m.senderName } : {}),
  };
  return store.insertInbound(
    {
      ...ref,
      platformMessageId: m.messageId,
      kommoMsgId: kommoMsgId(ref.source, ref.shopId, ref.roomId, m.messageId),
      sender: m.sender,
      contentJson: JSON.stringify(content),
      sentAt: m.sentAt,
    },
    {
      kind: DELIVER_TO_KOMMO,
      orderingKey: conversationId(ref.source, ref.shopId, ref.roomId),
      shopKey: shopKey(ref.source, ref.shopId),
    },
    at,
  );
}
