/**
 * Room sync (docs/architecture.md, Inbound step 2): the webhook is a hint, the room's messages are the truth. Read
 * what is newer than the room's cursor, insert each new message once together with its delivery job, and move the
 * cursor only after the walk completed — a walk that fails half-way leaves the cursor where it was and is retried.
 *
 * Webhooks that carry the whole message (TikTok Shop type 14: the id a read would return, and the ordering key)
 * need no read when the room is known whole up to them (see room-continuity.ts): the sync stores them as they
 * came, in order, without calling the platform. A sync that does read also stores those of them that arrived
 * after its read began, so a burst of webhooks costs one read, not one per message.
 */
import { TkError } from "../errors/index.js";
import type { SourceMessage } from "../sources/types.js";
import { isPermanentNotFound, isQuotaStop, mayHaveBeenSent } from "./error-policy.js";
import { conversationId, kommoMsgId } from "./identities.js";
import { DELIVER_TO_MARKETPLACE } from "./job-kinds.js";
import { learnBuyer } from "./learn-buyer.js";
import { replyOrderingKey } from "./mark-room.js";
import { orderOf, type RoomContinuity } from "./room-continuity.js";
import type { EngineStore, EngineStoreTx, RoomRecord, SourceRoomRef } from "./store-port.js";
import { shopKey, shopNotConfigured, type Topology } from "./topology.js";

export interface InboundContentJson {
  content: SourceMessage["content"];
  senderName?: string;
}

export interface SyncDeps {
  store: EngineStore;
  topology: Topology;
  now: () => number;
  /** Rooms known whole in this process; without it every sync reads. */
  continuity?: RoomContinuity;
}

export async function syncRoom(ref: SourceRoomRef, deps: SyncDeps): Promise<number> {
  const { store, topology, now } = deps;
  const shop = topology.shop(ref.source, ref.shopId);
  if (!shop) throw shopNotConfigured(ref.source, ref.shopId);
  const room = await store.getRoom(ref);
  if (deps.continuity && knownWhole(ref, room, deps.continuity, await store.listFallbacks(ref))) {
    return storeCarried(ref, deps, deps.continuity);
  }
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
      await deliverFallbacks(ref, deps);
      return 0;
    }
    if (!isUnknownRoom(err, room) || (await store.listFallbacks(ref)).length > 0) throw err;
    // The platform does not know a room the bridge never read and holds nothing from: a hint named a room that
    // does not exist (anyone can send an unsigned one). Nothing to read and nothing to lose, and not the shop's
    // failure: the room is left clean instead of a dead job and a shop error in `status`.
    await store.advanceCursor(ref, undefined, walkStartedAt);
    return 0;
  }
  if (!room?.buyerId) await learnBuyer(ref, messages, shop.app.marketplace, store, walkStartedAt);
  let inserted = 0;
  let known: bigint | undefined;
  await store.transaction(async (tx) => {
    for (const m of messages) if (await insertUnlessEcho(tx, ref, m, walkStartedAt)) inserted++;
    let newest = messages[messages.length - 1];
    // Whole messages whose webhooks came while the room was being read: stored here, after what the read found
    // (the unique key drops those the read found too), instead of a second read for them.
    const carried = carriedMessages(await tx.listFallbacks(ref));
    if (carried) {
      const after = newest ? orderOf(newest) : undefined;
      for (const m of carried) {
        if (await insertUnlessEcho(tx, ref, m, walkStartedAt)) inserted++;
        const o = orderOf(m)!;
        // The cursor only moves forward: past what the read found, or (when it found nothing new) past the
        // cursor's time; a late message older than that is stored but does not move it back.
        const newer =
          after !== undefined ? o > after : room?.cursorTime === undefined || m.sentAt >= room.cursorTime;
        if (newer && (newest === undefined || orderOf(newest) === undefined || o > orderOf(newest)!))
          newest = m;
      }
    }
    const cursor = newest ? { messageId: newest.messageId, time: newest.sentAt } : undefined;
    await tx.advanceCursor(ref, cursor, walkStartedAt);
    // Carried messages are all stored now; other fallbacks (texts without the message's real id) only stand in
    // for a read that fails, so those received after the read began stay for the next one.
    await tx.clearFallbacks(ref, carried ? now() : walkStartedAt);
    known = newest ? orderOf(newest) : undefined;
  });
  // After the commit, on its own: every sync of a shop writes this one row, and inside the room's transaction its
  // lock would line up every sync of the shop (on every replica) behind each other. A crash between the two loses
  // a health time only; the next sync writes it.
  await store.recordSyncSuccess(ref.source, ref.shopId, walkStartedAt);
  // Only once committed: a rolled-back sync leaves the room as unknown as it was.
  if (known !== undefined) deps.continuity?.seen(ref, known);
  return inserted;
}

/**
 * When a reply of the room may be on the platform without its echo recorded yet, returns how long to wait before
 * reading again: while it is being sent (the echo is recorded in the commit that marks the part sent), or while
 * it waits to retry after a failure that may have reached the platform (a lost answer: the retry finds the
 * message in the room and records it). Otherwise undefined.
 */
async function replyMaybeUnrecorded(
  tx: EngineStoreTx,
  ref: SourceRoomRef,
  now: number,
): Promise<number | undefined> {
  for (const job of await tx.openJobs(DELIVER_TO_MARKETPLACE, replyOrderingKey(ref))) {
    if (job.state === "running") return 1_000;
    if (job.lastErrorCode && mayHaveBeenSent(job.lastErrorCode))
      return Math.max(1_000, job.runAfter - now + 500);
  }
  return undefined;
}

/** The sync waits and reads again; the echo is recorded by then (or the message is someone else's). */
function echoNotYetRecorded(ref: SourceRoomRef, retryAfterMs: number): TkError {
  return new TkError(
    "TK_ERR_SYNC_REPLY_IN_FLIGHT",
    `room ${ref.roomId}: a shop message was read while a reply to the room may be on its way; reading again shortly`,
    { details: { retryable: true, retryAfterMs } },
  );
}

/**
 * Whether the room can be synced from its webhooks alone: nobody asked for a read (a sweep or a hint without the
 * message marks the room dirty), the bridge knows the room's buyer and has read it in this process, and every
 * pending webhook message carries the platform's ordering key.
 */
function knownWhole(
  ref: SourceRoomRef,
  room: RoomRecord | undefined,
  continuity: RoomContinuity,
  fallbacks: SourceMessage[],
): boolean {
  if (!room || room.dirty || !room.buyerId || !room.cursorMessageId) return false;
  if (continuity.known(ref) === undefined) return false;
  return carriedMessages(fallbacks) !== undefined;
}

/** The room's webhook messages, oldest first, when each carries its ordering key (else undefined). */
function carriedMessages(fallbacks: SourceMessage[]): SourceMessage[] | undefined {
  if (!fallbacks.every((m) => orderOf(m) !== undefined)) return undefined;
  return [...fallbacks].sort((a, b) => {
    const x = orderOf(a)!;
    const y = orderOf(b)!;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Stores the room's webhook messages without reading it (see knownWhole). One transaction, no platform call. */
async function storeCarried(ref: SourceRoomRef, deps: SyncDeps, continuity: RoomContinuity): Promise<number> {
  const { store } = deps;
  const at = deps.now();
  let inserted = 0;
  let seen: bigint | undefined;
  await store.transaction(async (tx) => {
    const carried = carriedMessages(await tx.listFallbacks(ref)) ?? [];
    let newestOrder = continuity.known(ref);
    let cursor: { messageId: string; time: number } | undefined;
    for (const m of carried) {
      if (await insertUnlessEcho(tx, ref, m, at)) inserted++;
      const o = orderOf(m)!;
      // A message older than the newest known one came late (its webhook was retried): it is stored, after the
      // newer ones, but the cursor stays on the newest.
      if (newestOrder === undefined || o > newestOrder) {
        newestOrder = o;
        cursor = { messageId: m.messageId, time: m.sentAt };
      }
    }
    if (cursor) await tx.advanceCursor(ref, cursor, at);
    await tx.clearFallbacks(ref, at);
    seen = newestOrder;
  });
  if (seen !== undefined) continuity.seen(ref, seen);
  return inserted;
}

/**
 * Inserts a message unless it is hidden (never shown) or the echo of a reply the bridge posted (that one is
 * already in Kommo). A shop message met while a reply of the room may be on the platform without its echo
 * recorded yet is not decided now: `wait` throws, so the sync reads again shortly (nothing of it is committed);
 * `skip` leaves it for a later read.
 */
async function insertUnlessEcho(
  tx: EngineStoreTx,
  ref: SourceRoomRef,
  m: SourceMessage,
  at: number,
  unrecordedReply: "wait" | "skip" = "wait",
): Promise<boolean> {
  if (m.hidden) return false;
  const text = m.content.kind === "text" ? m.content.text : undefined;
  if (m.sender === "shop") {
    if (await tx.isEcho(ref, m.messageId, text, m.sentAt)) return false;
    const wait = await replyMaybeUnrecorded(tx, ref, at);
    if (wait !== undefined) {
      if (unrecordedReply === "skip") return false;
      throw echoNotYetRecorded(ref, wait);
    }
  }
  return insertMessage(tx, ref, m, at);
}

/** A "no such room" answer (permanent) for a room that was never read and whose buyer is not known. */
function isUnknownRoom(err: unknown, room: RoomRecord | undefined): boolean {
  if (!room || room.cursorMessageId !== undefined || room.buyerId !== undefined) return false;
  return isPermanentNotFound(err);
}

/**
 * The room could not be read within the retry budget: deliver the texts its webhooks carried (synthetic ids)
 * rather than lose them. Called when a sync job dies.
 */
export async function deliverFallbacks(
  ref: SourceRoomRef,
  deps: Pick<SyncDeps, "store" | "now">,
): Promise<number> {
  const { store } = deps;
  const at = deps.now();
  let inserted = 0;
  await store.transaction(async (tx) => {
    // A shop message while a reply may be on its way is left for a later read (the cursor did not move).
    for (const m of await tx.listFallbacks(ref))
      if (await insertUnlessEcho(tx, ref, m, at, "skip")) inserted++;
    await tx.clearFallbacks(ref, at);
  });
  return inserted;
}

/** Inserts one marketplace message with its deliver_to_kommo job, once (unique on source, shop, room, message). */
function insertMessage(
  tx: EngineStoreTx,
  ref: SourceRoomRef,
  m: SourceMessage,
  at: number,
): Promise<boolean> {
  const content: InboundContentJson = {
    content: m.content,
    ...(m.senderName ? { senderName: m.senderName } : {}),
  };
  return tx.insertInbound(
    {
      ...ref,
      platformMessageId: m.messageId,
      kommoMsgId: kommoMsgId(ref.source, ref.shopId, ref.roomId, m.messageId),
      sender: m.sender,
      contentJson: JSON.stringify(content),
      sentAt: m.sentAt,
    },
    {
      orderingKey: conversationId(ref.source, ref.shopId, ref.roomId),
      shopKey: shopKey(ref.source, ref.shopId),
    },
    at,
  );
}
