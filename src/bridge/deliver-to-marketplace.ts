/**
 * Delivery of one Kommo reply to the marketplace (docs/architecture.md, Outbound step 2), then its delivery status.
 *
 * "Nothing delivered twice": a reply goes as one or more parts (a long text cut for TikTok Shop, a picture and its
 * caption). Each part is recorded in the state file the moment the platform confirms it, so a retry sends only the
 * parts after the last recorded one. The marketplace APIs take no idempotency key, so a text part a previous
 * attempt may have sent without recording it (the process died in between) is first looked for in the room; if
 * the shop's message with the same text is there, it counts as sent. Kommo hears "delivered" once every part went.
 */
import { isTkError, TkError } from "../errors/index.js";
import { asReplyCall } from "../sources/call-purpose.js";
import type { MarketplaceSource, SendResult, SourceMessage } from "../sources/types.js";
import type { DeliveredIds } from "./deliver-to-kommo.js";
import { classifyError, replyFailureText } from "./error-policy.js";
import { REPORT_STATUS, type ReportStatusPayload } from "./job-kinds.js";
import type { BridgeMetrics } from "./metrics.js";
import {
  type KommoReplyContent,
  parsePartFailure,
  partFailureMessage,
  planOutbound,
  type ReplyPart,
  replyParts,
} from "./outbound-plan.js";
import type { KommoDeliveryStatus } from "./ports.js";
import type { ReplyGuardHooks } from "./reply-guard.js";
import type { EngineStore, EngineStoreTx, OutboundRecord, SourceRoomRef } from "./store-port.js";
import { MARKETPLACE_NAME, shopKey, type Topology } from "./topology.js";

export interface OutboundDeps {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  attachments: "reject" | "link";
  now: () => number;
  /** Downloads a Kommo media URL (for sources that can send pictures). */
  download?: (url: string) => Promise<{ bytes: Uint8Array; contentType: string }>;
  /** Told of every reply sent whole to the marketplace, by ids only (see DeliverDeps). */
  onDelivered?: (ids: DeliveredIds) => void;
  /**
   * The reply-time guard: a delivered reply ends the buyer's wait. Told before the part is recorded, so a crash in
   * between re-runs the job, which finds the part in the room and records it; ending a wait twice changes nothing.
   */
  guard?: ReplyGuardHooks;
}

/** How far before the reply's arrival an earlier attempt's message can be (clock skew between us and the platform). */
const RESEND_CHECK_SKEW_MS = 5 * 60_000;

/** In a transaction (`tx`), or on its own (the store). */
async function enqueueStatus(
  tx: EngineStoreTx,
  reply: OutboundRecord,
  status: KommoDeliveryStatus,
  now: number,
): Promise<void> {
  const payload: ReportStatusPayload = {
    scopeId: reply.scopeId,
    amojoMessageId: reply.amojoMessageId,
    status,
  };
  await tx.enqueue(
    {
      kind: REPORT_STATUS,
      orderingKey: `status:${reply.amojoMessageId}`,
      shopKey: reply.source && reply.shopId ? shopKey(reply.source, reply.shopId) : `kommo:${reply.scopeId}`,
      payload,
    },
    now,
  );
}

/** Records the failure and tells Kommo (status -1, error 905, a text the manager can act on). */
export async function refuseReply(
  store: EngineStore,
  reply: OutboundRecord,
  code: string,
  text: string,
  now: number,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.markOutboundFailed(reply.id, code, text);
    await enqueueStatus(tx, reply, { status: -1, errorCode: 905, error: text }, now);
  });
}

export async function deliverToMarketplace(
  replyId: number,
  attempts: number,
  deps: OutboundDeps,
): Promise<void> {
  const { store } = deps;
  const reply = await store.getOutbound(replyId);
  if (reply?.state !== "pending") return;
  const name = reply.source ? MARKETPLACE_NAME[reply.source] : "Tokopedia";
  const target = await replyRoom(reply, deps);
  // Only rooms a buyer opened (and the bridge synced) can be answered: Tokopedia has no "write first".
  if (!target) {
    const text = replyFailureText("TK_ERR_UNKNOWN_CONVERSATION", "", name);
    await refuseReply(store, reply, "TK_ERR_UNKNOWN_CONVERSATION", text, deps.now());
    return;
  }
  const { ref, marketplace } = target;
  const content = JSON.parse(reply.contentJson) as KommoReplyContent;
  const plan = planOutbound(content, {
    attachments: deps.attachments,
    canSendImages: typeof marketplace.sendImage === "function" && Boolean(deps.download),
    marketplaceName: name,
  });
  if (plan.action === "refuse") {
    await refuseReply(store, reply, plan.code, plan.reason, deps.now());
    return;
  }
  const parts = replyParts(plan, marketplace.textParts ? (t) => marketplace.textParts!(t) : undefined);
  if (parts.length === 0) {
    await refuseReply(store, reply, "TK_ERR_REPLY_EMPTY", "Empty message: nothing to send.", deps.now());
    return;
  }
  const ids = [...(reply.platformMessageIds ?? [])];
  const firstUnsent = reply.partsSent ?? 0;
  // The room as it is now, read once per retry: parts an earlier attempt sent but could not record are in it.
  let room: SourceMessage[] | undefined;
  const claimed = new Set<string>();
  for (let index = firstUnsent; index < parts.length; index++) {
    const part = parts[index]!;
    try {
      let sent: SendResult | undefined;
      if (attempts > 0 && part.kind === "text") {
        room ??= await asReplyCall(() =>
          marketplace.readMessages(ref, { time: reply.createdAt - RESEND_CHECK_SKEW_MS }),
        );
        const found = await findEarlierSend(store, ref, room, part.text, claimed);
        if (found) sent = { messageIds: [found.messageId], sentAt: found.sentAt };
      }
      sent ??= await sendPart(deps, marketplace, ref, part);
      const echoText = part.kind === "text" ? part.text : part.mediaUrl;
      ids.push(...sent.messageIds);
      // The buyer has (a first part of) the reply: the wait ends, before the part is recorded (see OutboundDeps).
      if (index === firstUnsent) await deps.guard?.replied(ref);
      await recordPart(deps, reply, ref, { index, last: index === parts.length - 1, ids, sent, echoText });
    } catch (err) {
      throw await partFailed(deps, reply, err, {
        index,
        total: parts.length,
        name,
        // A failure at the same part as the previous attempt was already reported to Kommo.
        report: attempts === 0 || index > firstUnsent,
      });
    }
  }
  if (firstUnsent >= parts.length) {
    // Every part was recorded, yet the reply is pending (its parts were cut differently before a config change).
    await store.transaction(async (tx) => {
      await tx.markOutboundSent(reply.id, ids);
      await enqueueStatus(tx, reply, { status: 1 }, deps.now());
    });
  }
  deps.metrics.messagesOut.inc({ source: ref.source, shop: ref.shopId });
  deps.onDelivered?.({
    direction: "to-marketplace",
    source: ref.source,
    shop: ref.shopId,
    room: ref.roomId,
    message: reply.amojoMessageId,
  });
}

/** The reply's marketplace and room, when its shop is bound to the reply's Kommo account and the room is known. */
async function replyRoom(
  reply: OutboundRecord,
  deps: OutboundDeps,
): Promise<{ ref: SourceRoomRef; marketplace: MarketplaceSource } | undefined> {
  if (!reply.source || !reply.shopId || !reply.roomId) return undefined;
  const shop = deps.topology.shop(reply.source, reply.shopId);
  if (!shop || shop.kommo.scopeId !== reply.scopeId) return undefined;
  const ref: SourceRoomRef = { source: reply.source, shopId: shop.shopId, roomId: reply.roomId };
  return (await deps.store.getRoom(ref)) ? { ref, marketplace: shop.app.marketplace } : undefined;
}

/**
 * Records one sent part durably before the next is sent. The last part completes the reply: one commit records
 * it, its echo and the "delivered" status.
 */
async function recordPart(
  deps: OutboundDeps,
  reply: OutboundRecord,
  ref: SourceRoomRef,
  p: { index: number; last: boolean; ids: string[]; sent: SendResult; echoText: string },
): Promise<void> {
  await deps.store.transaction(async (tx) => {
    if (p.last) {
      await tx.markOutboundSent(reply.id, p.ids);
      await enqueueStatus(tx, reply, { status: 1 }, deps.now());
    } else await tx.markOutboundPartSent(reply.id, p.index, p.sent.messageIds);
    await tx.rememberEcho(ref, p.sent.messageIds, p.echoText, p.sent.sentAt);
  });
}

/**
 * A shop message in the room with this part's text that no other reply accounts for: an earlier attempt of this
 * reply sent it (the process died after sending, before recording). A message with the same text remembered as
 * the echo of another reply (by id, or by text hash, which this claims) was that reply's delivery: the manager
 * may well send the same "ok" twice.
 */
async function findEarlierSend(
  store: EngineStore,
  ref: SourceRoomRef,
  room: SourceMessage[],
  text: string,
  claimed: Set<string>,
): Promise<SourceMessage | undefined> {
  for (const m of room) {
    if (m.sender !== "shop" || m.content.kind !== "text" || m.content.text !== text) continue;
    if (claimed.has(m.messageId) || (await store.isEcho(ref, m.messageId, m.content.text, m.sentAt)))
      continue;
    claimed.add(m.messageId);
    return m;
  }
  return undefined;
}

async function sendPart(
  deps: OutboundDeps,
  marketplace: MarketplaceSource,
  ref: SourceRoomRef,
  part: ReplyPart,
): Promise<SendResult> {
  if (part.kind === "text") return marketplace.sendText(ref, part.text);
  if (!marketplace.sendImage || !deps.download) {
    throw new TkError("TK_ERR_REPLY_ATTACHMENT", "this source cannot send pictures", {
      details: { retryable: false },
    });
  }
  return marketplace.sendImage(ref, await deps.download(part.mediaUrl));
}

/**
 * A part of a reply failed. A reply in one part keeps its error as it is. In several parts the error names the
 * part (the buyer may already have the ones before it), and while the job retries Kommo shows the manager an
 * error status naming it; "delivered" follows once the last part went.
 */
async function partFailed(
  deps: OutboundDeps,
  reply: OutboundRecord,
  err: unknown,
  at: { index: number; total: number; name: string; report: boolean },
): Promise<unknown> {
  if (at.total === 1) return err;
  const c = classifyError(err);
  const message = partFailureMessage(at.index + 1, at.total, c.message);
  if (c.retryable && at.report) {
    const text = `${partFailureMessage(at.index + 1, at.total, replyFailureText(c.code, c.message, at.name))} Retrying.`;
    await enqueueStatus(deps.store, reply, { status: -1, errorCode: 905, error: text }, deps.now());
  }
  return new TkError(c.code, message, {
    cause: err,
    ...(isTkError(err) && err.fix ? { fix: err.fix } : {}),
    details: {
      ...(isTkError(err) ? err.details : {}),
      retryable: c.retryable,
      ...(c.retryAfterMs !== undefined ? { retryAfterMs: c.retryAfterMs } : {}),
    },
  });
}

/** A reply whose job died (permanent error, or retry budget used up): the manager must see it failed. */
export async function replyJobDied(
  replyId: number,
  error: { code: string; message: string },
  deps: Pick<OutboundDeps, "store" | "now">,
): Promise<void> {
  const reply = await deps.store.getOutbound(replyId);
  if (reply?.state !== "pending") return;
  const name = reply.source ? MARKETPLACE_NAME[reply.source] : "Tokopedia";
  const part = parsePartFailure(error.message);
  const text = part
    ? `${part.label}${replyFailureText(error.code, part.message, name)}`
    : replyFailureText(error.code, error.message, name);
  await refuseReply(deps.store, reply, error.code, text, deps.now());
}
