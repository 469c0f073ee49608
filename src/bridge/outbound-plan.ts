/**
 * What to do with a reply a manager (or Salesbot) wrote in Kommo (docs/architecture.md, Outbound). Pure: the
 * worker executes the plan; tests can check every row without a network.
 */
export interface KommoReplyContent {
  /** Kommo message type: text, picture, file, video, voice, audio, sticker, location, contact. */
  type: string;
  text?: string;
  media?: string;
  fileName?: string;
}

export type OutboundPlan =
  | { action: "send_text"; text: string }
  | { action: "send_image"; mediaUrl: string; caption?: string }
  /** Refuse with delivery status -1 / 905 and this text, shown to the manager in Kommo. */
  | { action: "refuse"; code: string; reason: string };

export interface OutboundPolicy {
  /** Config `attachments`: "reject" (default) or "link" (send the media URL as text). */
  attachments: "reject" | "link";
  /** The source can send pictures (TikTok Shop); legacy Tokopedia cannot. */
  canSendImages: boolean;
  /** Display name of the marketplace for messages shown to managers. */
  marketplaceName: string;
}

const MEDIA_TYPES = new Set(["picture", "file", "video", "voice", "audio", "sticker"]);

export function planOutbound(reply: KommoReplyContent, policy: OutboundPolicy): OutboundPlan {
  const text = (reply.text ?? "").trim();
  if (reply.type === "text") {
    if (!text)
      return { action: "refuse", code: "TK_ERR_REPLY_EMPTY", reason: "Empty message: nothing to send." };
    return { action: "send_text", text: reply.text ?? "" };
  }
  if (MEDIA_TYPES.has(reply.type) && reply.media) {
    if (reply.type === "picture" && policy.canSendImages) {
      return { action: "send_image", mediaUrl: reply.media, ...(text ? { caption: reply.text } : {}) };
    }
    if (policy.attachments === "link") {
      return { action: "send_text", text: text ? `${reply.text}\n${reply.media}` : reply.media };
    }
    const reason = policy.canSendImages
      ? `${policy.marketplaceName} accepts only text and pictures from Kommo; this ${reply.type} was not sent.`
      : `${policy.marketplaceName} does not accept attachments from Kommo; send the text instead.`;
    return { action: "refuse", code: "TK_ERR_REPLY_ATTACHMENT", reason };
  }
  return {
    action: "refuse",
    code: "TK_ERR_REPLY_UNSUPPORTED",
    reason: `${policy.marketplaceName} cannot receive a "${reply.type}" message from Kommo; send text instead.`,
  };
}

/** One message of a reply as the marketplace receives it; a reply is one or more parts, sent in order. */
export type ReplyPart = { kind: "text"; text: string } | { kind: "image"; mediaUrl: string };

/**
 * The parts a planned reply is sent as: a text cut where the platform needs it (`split`, e.g. TikTok Shop's
 * 2,000-character messages), a picture followed by its caption's parts. Deterministic, so every attempt of a
 * reply computes the same parts and a retry can start after the ones already sent.
 */
export function replyParts(
  plan: Extract<OutboundPlan, { action: "send_text" | "send_image" }>,
  split: (text: string) => string[] = (text) => [text],
): ReplyPart[] {
  const texts = (text: string): ReplyPart[] => split(text).map((t) => ({ kind: "text", text: t }));
  if (plan.action === "send_text") return texts(plan.text);
  return [{ kind: "image", mediaUrl: plan.mediaUrl }, ...(plan.caption ? texts(plan.caption) : [])];
}

const PART_FAILED = /^Part (\d+) of (\d+) failed: /;

/** The message of a failure of one part of a reply in several parts (kept in the job's error, shown in status). */
export function partFailureMessage(part: number, total: number, message: string): string {
  return `Part ${part} of ${total} failed: ${message}`;
}

/** Splits a message made by partFailureMessage back into its part label and the underlying message. */
export function parsePartFailure(message: string): { label: string; message: string } | undefined {
  const m = PART_FAILED.exec(message);
  return m ? { label: m[0], message: message.slice(m[0].length) } : undefined;
}
