/**
 * Delivery of one Kommo reply to the marketplace (design §4 outbound step 2), then its delivery status.
 *
 * "Nothing delivered twice": the marketplace APIs take no idempotency key, so a reply whose previous attempt may
 * have reached the platform (the process died after sending, before recording) is first looked for in the room;
 * if the shop's message with the same text is there, it counts as sent.
 */
import { TkError } from "../errors/index.js";
import { replyFailureText } from "./error-policy.js";
import { REPORT_STATUS } from "./intake.js";
import type { BridgeMetrics } from "./metrics.js";
import { type KommoReplyContent, planOutbound } from "./outbound-plan.js";
import type { KommoDeliveryStatus } from "./ports.js";
import type { EngineStore, OutboundRecord, SourceRoomRef } from "./store-port.js";
import { MARKETPLACE_NAME, shopKey, type Topology } from "./topology.js";

export interface OutboundDeps {
  store: EngineStore;
  topology: Topology;
  metrics: BridgeMetrics;
  attachments: "reject" | "link";
  now: () => number;
  /** Downloads a Kommo media URL (for sources that can send pictures). */
  download?: (url: string) => Promise<{ bytes: Uint8Array; contentType: string }>;
}

export interface ReportStatusPayload {
  scopeId: string;
  amojoMessageId: string;
  status: KommoDeliveryStatus;
}

/** How far before the reply's arrival an earlier attempt's message can be (clock skew between us and the platform). */
const RESEND_CHECK_SKEW_MS = 5 * 60_000;

function enqueueStatus(
  store: EngineStore,
  reply: OutboundRecord,
  status: KommoDeliveryStatus,
  now: number,
): void {
  const payload: ReportStatusPayload = {
    scopeId: reply.scopeId,
    amojoMessageId: reply.amojoMessageId,
    status,
  };
  store.enqueue(
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
export function refuseReply(
  store: EngineStore,
  reply: OutboundRecord,
  code: string,
  text: string,
  now: number,
): void {
  store.transaction(() => {
    store.markOutboundFailed(reply.id, code, text);
    enqueueStatus(store, reply, { status: -1, errorCode: 905, error: text }, now);
  });
}

export async function deliverToMarketplace(
  replyId: number,
  attempts: number,
  deps: OutboundDeps,
): Promise<void> {
  const { store, topology } = deps;
  const reply = store.getOutbound(replyId);
  if (reply?.state !== "pending") return;
  const shop = reply.source && reply.shopId ? topology.shop(reply.source, reply.shopId) : undefined;
  const name = reply.source ? MARKETPLACE_NAME[reply.source] : "Tokopedia";
  const known =
    shop && reply.roomId && reply.source && shop.kommo.scopeId === reply.scopeId
      ? store.getRoom({ source: reply.source, shopId: shop.shopId, roomId: reply.roomId })
      : undefined;
  // Only rooms a buyer opened (and the bridge synced) can be answered: Tokopedia has no "write first".
  if (!shop || !known || !reply.roomId || !reply.source) {
    const text = replyFailureText("TK_ERR_UNKNOWN_CONVERSATION", "", name);
    refuseReply(store, reply, "TK_ERR_UNKNOWN_CONVERSATION", text, deps.now());
    return;
  }
  const ref: SourceRoomRef = { source: reply.source, shopId: shop.shopId, roomId: reply.roomId };
  const marketplace = shop.app.marketplace;
  const content = JSON.parse(reply.contentJson) as KommoReplyContent;
  const plan = planOutbound(content, {
    attachments: deps.attachments,
    canSendImages: typeof marketplace.sendImage === "function" && Boolean(deps.download),
    marketplaceName: name,
  });
  if (plan.action === "refuse") {
    refuseReply(store, reply, plan.code, plan.reason, deps.now());
    return;
  }
  if (attempts > 0 && plan.action === "send_text") {
    const earlier = await marketplace.readMessages(ref, { time: reply.createdAt - RESEND_CHECK_SKEW_MS });
    // A message with the same text that is already remembered as the echo of another reply (by id, or by text
    // hash, which this claims) was that reply's delivery, not an earlier attempt of this one: the manager may
    // well send the same "ok" twice. Only an unaccounted-for message counts as this reply's lost success.
    const found = earlier.find(
      (m) =>
        m.sender === "shop" &&
        m.content.kind === "text" &&
        m.content.text === plan.text &&
        !store.isEcho(ref, m.messageId, m.content.text, m.sentAt),
    );
    if (found) {
      recordSent(deps, reply, ref, [found.messageId], plan.text, found.sentAt);
      return;
    }
  }
  let sent: { messageIds: string[]; sentAt: number };
  let echoText: string;
  if (plan.action === "send_text") {
    sent = await marketplace.sendText(ref, plan.text);
    echoText = plan.text;
  } else {
    if (!marketplace.sendImage || !deps.download) {
      throw new TkError("TK_ERR_REPLY_ATTACHMENT", "this source cannot send pictures", {
        details: { retryable: false },
      });
    }
    const image = await deps.download(plan.mediaUrl);
    sent = await marketplace.sendImage(ref, image);
    echoText = plan.mediaUrl;
    if (plan.caption) {
      const captionSent = await marketplace.sendText(ref, plan.caption);
      sent = { messageIds: [...sent.messageIds, ...captionSent.messageIds], sentAt: captionSent.sentAt };
    }
  }
  recordSent(deps, reply, ref, sent.messageIds, echoText, sent.sentAt);
}

function recordSent(
  deps: OutboundDeps,
  reply: OutboundRecord,
  ref: SourceRoomRef,
  ids: string[],
  text: string,
  sentAt: number,
): void {
  const { store } = deps;
  store.transaction(() => {
    store.markOutboundSent(reply.id, ids);
    store.rememberEcho(ref, ids, text, sentAt);
    enqueueStatus(store, reply, { status: 1 }, deps.now());
  });
  deps.metrics.messagesOut.inc({ source: ref.source, shop: ref.shopId });
}

/** A reply whose job died (permanent error, or retry budget used up): the manager must see it failed. */
export function replyJobDied(
  replyId: number,
  error: { code: string; message: string },
  deps: Pick<OutboundDeps, "store" | "now">,
): void {
  const reply = deps.store.getOutbound(replyId);
  if (reply?.state !== "pending") return;
  const name = reply.source ? MARKETPLACE_NAME[reply.source] : "Tokopedia";
  refuseReply(deps.store, reply, error.code, replyFailureText(error.code, error.message, name), deps.now());
}
