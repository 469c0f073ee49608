/**
 * The reply-time guard's state port, asynchronous (every method returns a Promise) like store-port.ts, so
 * the SQLite file and a PostgreSQL database can both serve it. Implemented over SQLite by src/store/reply-waits.ts.
 *
 * Per conversation: since when its buyer waits (the first buyer message no reply answered yet), the Kommo lead, the
 * overdue task and the overdue tag. Per wait: when it began and when the first reply came (the 7-day figures). Per
 * shop: the platform's own Customer Service figures, cached. Each call is atomic on its own.
 */
import type { SourceKind } from "../domain/index.js";

export interface ConversationRef {
  source: SourceKind;
  shopId: string;
  roomId: string;
}

/** none: no task; creating: a create call may have reached Kommo (see reply-guard-tasks.ts); open: known id. */
export type GuardTaskState = "none" | "creating" | "open";
/** off: not on the lead; pending: wanted, held back while the lead is incoming; on: on the lead. */
export type GuardTagState = "off" | "pending" | "on";

export interface ReplyWait extends ConversationRef {
  amojoChatId?: string;
  buyerName?: string;
  /** The first unanswered buyer message (ms); absent when nobody waits. */
  waitingSince?: number;
  lastReplyAt?: number;
  leadId?: number;
  taskState: GuardTaskState;
  taskId?: number;
  /** The marker written into the task's text: finds a task whose create call's answer was lost. */
  taskMarker?: string;
  /** When the task state last changed to creating or open (ms). */
  taskSince?: number;
  tagState: GuardTagState;
}

/** One wait of one conversation: its first buyer message and its first reply (absent while unanswered). */
export interface WaitEpisode {
  roomId: string;
  startedAt: number;
  firstReplyAt?: number;
}

export interface ReplyGuardStore {
  /**
   * A buyer message taken in (sent at `at`): starts the conversation's wait unless it already waits or a reply came
   * after `at` (an old message read late). True when a wait started.
   */
  buyerWrote(
    ref: ConversationRef,
    m: { at: number; amojoChatId?: string; buyerName?: string },
    now: number,
  ): Promise<boolean>;
  /** A reply delivered at `at`: ends a wait that began at or before it and records the first reply. */
  replied(ref: ConversationRef, at: number, now: number): Promise<boolean>;
  get(ref: ConversationRef): Promise<ReplyWait | undefined>;
  /**
   * Conversations with guard work: waiting since `waitingSinceAtMost` or earlier with the task or the tag not yet
   * in place, and answered ones whose task or tag is still there; of one shop. Oldest wait first, at most `limit`.
   */
  needingWork(
    waitingSinceAtMost: number,
    limit: number,
    shop: { source: SourceKind; shopId: string },
  ): Promise<ReplyWait[]>;
  setLead(ref: ConversationRef, leadId: number, now: number): Promise<void>;
  /** Recorded BEFORE the create call (see reply-guard-tasks.ts). */
  taskCreating(ref: ConversationRef, marker: string, now: number): Promise<void>;
  taskOpened(ref: ConversationRef, taskId: number, now: number): Promise<void>;
  taskClosed(ref: ConversationRef, now: number): Promise<void>;
  setTag(ref: ConversationRef, state: GuardTagState, now: number): Promise<void>;
  /** Conversations of the shop waiting now, and the oldest wait's start. */
  waitingNow(source: SourceKind, shopId: string): Promise<{ count: number; oldestSince?: number }>;
  /** The shop's waits that began at or after `since`. */
  history(source: SourceKind, shopId: string, since: number): Promise<WaitEpisode[]>;
  csPerformance(
    source: SourceKind,
    shopId: string,
  ): Promise<{ fetchedAt: number; figures: Record<string, unknown> } | undefined>;
  saveCsPerformance(
    source: SourceKind,
    shopId: string,
    fetchedAt: number,
    figures: Record<string, unknown>,
  ): Promise<void>;
  /** Deletes waits that began before `before` and idle conversations last touched before it; returns rows. */
  prune(before: number): Promise<number>;
}
