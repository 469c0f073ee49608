/**
 * What the reply-time guard does for one conversation at a tick (reply-guard.ts decides which): a buyer waiting past
 * the warning time gets ONE Kommo task on the lead and the overdue tag (once the lead has left the incoming stage);
 * a conversation answered since has its task completed and its tag removed. Every call goes through the account's
 * REST client, so through its 7 requests/s limiter.
 *
 * NEVER TWO OPEN TASKS FOR ONE WAIT. Kommo's task create takes no idempotency key (`request_id` is only echoed), so
 * a create whose answer was lost (the process died, the connection broke) cannot simply be repeated. The state
 * records `creating` together with a marker unique to the wait BEFORE the call, and the task's id AFTER it. The
 * marker is part of the task's text. A conversation found in `creating` (the answer was never recorded) is first
 * looked up among the lead's open tasks by its marker, and adopted when found; only when it is absent is a task
 * created. The look-up waits RECONCILE_AFTER_MS after the create began, longer than a REST call can take (its
 * timeout), so a create still on its way cannot be missed and duplicated. A crash after the call and before the
 * record therefore costs one extra read, never a second task.
 */
import type { KommoRestPort } from "./ports.js";
import type { ConversationRef, ReplyGuardStore, ReplyWait } from "./reply-guard-store.js";
import { MARKETPLACE_NAME, type ShopBinding } from "./topology.js";

/** Longer than the REST client's timeout (15 s): a create call begun this long ago has ended either way. */
export const RECONCILE_AFTER_MS = 30_000;
const MINUTE_MS = 60_000;

export interface GuardWorkDeps {
  store: ReplyGuardStore;
  now: () => number;
  /** A task was created for the shop (metrics). */
  onTaskCreated: (shop: ShopBinding) => void;
}

/** The REST methods the guard needs; undefined when the account lacks any of them. */
export type GuardRest = Required<
  Pick<
    KommoRestPort,
    | "leadOfChat"
    | "leadPriceState"
    | "addLeadTags"
    | "removeLeadTags"
    | "createLeadTask"
    | "completeTask"
    | "openTasksOfLead"
  >
>;

export function guardRest(rest: KommoRestPort | undefined): GuardRest | undefined {
  const r = rest as Partial<GuardRest> | undefined;
  if (!r?.leadOfChat || !r.leadPriceState || !r.addLeadTags || !r.removeLeadTags) return undefined;
  if (!r.createLeadTask || !r.completeTask || !r.openTasksOfLead) return undefined;
  return r as GuardRest;
}

/** How long a wait lasted, in words ("8 h 5 min"). */
export function waitText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / MINUTE_MS));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

/** The marker that identifies the task of one wait on its lead. */
export const markerOf = (w: ReplyWait) => `[tokokommo wait ${w.roomId}@${w.waitingSince}]`;

export async function guardWaiting(
  w: ReplyWait,
  shop: ShopBinding,
  rest: GuardRest,
  deps: GuardWorkDeps,
): Promise<void> {
  const settings = shop.replyGuard!;
  const now = deps.now();
  const since = w.waitingSince!;
  if (now - since < settings.warnAfterMinutes * MINUTE_MS) return;
  const leadId = await leadOf(w, rest, deps);
  if (leadId === undefined) return; // Kommo has not made the lead yet: the next tick looks again
  const lead = await rest.leadPriceState(leadId);
  if (w.taskState !== "open") await ensureTask(w, leadId, lead.responsibleUserId, shop, rest, deps);
  if (w.tagState === "on") return;
  // Never write to a lead still incoming (a write takes it out of incoming): the tag waits for a later tick.
  if (lead.incoming) {
    if (w.tagState !== "pending") await deps.store.setTag(w, "pending", now);
    return;
  }
  await rest.addLeadTags(leadId, [settings.tag]);
  await deps.store.setTag(w, "on", deps.now());
}

/** The conversation was answered: complete its task, take its tag off. */
export async function guardAnswered(
  w: ReplyWait,
  shop: ShopBinding,
  rest: GuardRest,
  deps: GuardWorkDeps,
): Promise<void> {
  const result = `Answered: a reply went to the buyer (${waitText((w.lastReplyAt ?? deps.now()) - (w.taskSince ?? deps.now()))} after this task was made).`;
  if (w.taskState === "open" && w.taskId !== undefined) {
    await rest.completeTask(w.taskId, result);
    await deps.store.taskClosed(w, deps.now());
  } else if (w.taskState === "creating") {
    if (deps.now() - (w.taskSince ?? 0) < RECONCILE_AFTER_MS) return;
    const found = w.leadId !== undefined ? await findMarked(w, w.leadId, rest) : undefined;
    if (found !== undefined) await rest.completeTask(found, result);
    await deps.store.taskClosed(w, deps.now());
  }
  if (w.tagState === "on" && w.leadId !== undefined) {
    const tag = shop.replyGuard?.tag;
    if (tag) await rest.removeLeadTags(w.leadId, [tag]);
    await deps.store.setTag(w, "off", deps.now());
  } else if (w.tagState === "pending") await deps.store.setTag(w, "off", deps.now());
}

async function leadOf(w: ReplyWait, rest: GuardRest, deps: GuardWorkDeps): Promise<number | undefined> {
  if (w.leadId !== undefined) return w.leadId;
  if (!w.amojoChatId) return undefined;
  const leadId = await rest.leadOfChat(w.amojoChatId);
  if (leadId !== undefined) {
    await deps.store.setLead(w, leadId, deps.now());
    w.leadId = leadId;
  }
  return leadId;
}

async function findMarked(w: ReplyWait, leadId: number, rest: GuardRest): Promise<number | undefined> {
  const marker = w.taskMarker ?? markerOf(w);
  return (await rest.openTasksOfLead(leadId)).find((t) => t.text.includes(marker))?.id;
}

/** Creates the wait's task unless it exists (see the comment at the top). */
async function ensureTask(
  w: ReplyWait,
  leadId: number,
  leadResponsible: number | undefined,
  shop: ShopBinding,
  rest: GuardRest,
  deps: GuardWorkDeps,
): Promise<void> {
  const ref: ConversationRef = w;
  if (w.taskState === "creating") {
    if (deps.now() - (w.taskSince ?? 0) < RECONCILE_AFTER_MS) return;
    const found = await findMarked(w, leadId, rest);
    if (found !== undefined) {
      await deps.store.taskOpened(ref, found, deps.now());
      w.taskState = "open";
      return;
    }
  }
  const marker = markerOf(w);
  await deps.store.taskCreating(ref, marker, deps.now());
  const responsible = leadResponsible ?? shop.routing?.responsibleUserId;
  const taskId = await rest.createLeadTask({
    leadId,
    text: taskText(w, shop, deps.now(), marker),
    completeTill: completeTill(w, shop, deps.now()),
    ...(responsible !== undefined ? { responsibleUserId: responsible } : {}),
  });
  await deps.store.taskOpened(ref, taskId, deps.now());
  w.taskState = "open";
  deps.onTaskCreated(shop);
}

/**
 * Due at the deadline (the wait's start plus deadlineMinutes), in Unix seconds. A deadline already passed (after
 * downtime) is sent as one minute from now: Kommo's answer to a due time in the past is not documented, and the
 * task shows as overdue a minute later all the same.
 */
function completeTill(w: ReplyWait, shop: ShopBinding, now: number): number {
  const deadline = w.waitingSince! + shop.replyGuard!.deadlineMinutes * MINUTE_MS;
  return Math.floor(Math.max(deadline, now + MINUTE_MS) / 1000);
}

function taskText(w: ReplyWait, shop: ShopBinding, now: number, marker: string): string {
  const buyer = w.buyerName || "A buyer";
  const deadline = new Date(w.waitingSince! + shop.replyGuard!.deadlineMinutes * MINUTE_MS).toISOString();
  return `${buyer} has waited ${waitText(now - w.waitingSince!)} for a reply in ${shop.shopName} (${MARKETPLACE_NAME[shop.source]}). Reply before ${deadline.slice(0, 16).replace("T", " ")} UTC. ${marker}`;
}
