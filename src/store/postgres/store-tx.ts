/**
 * The engine's reads and writes over PostgreSQL (EngineStoreTx), on a `Sql`: the pool (each call on its own)
 * or one transaction's connection. Thin: every rule lives in the statements of rooms.ts, messages.ts and jobs.ts.
 */
import type { NewJobOf } from "../../bridge/job-kinds.js";
import type {
  EngineStoreTx,
  InboundRecord,
  JobCounts,
  NewDeliveryJob,
  OutboundRecord,
  RoomRecord,
  RoomUpsert,
  SourceRoomRef,
} from "../../bridge/store-port.js";
import type { SourceKind } from "../../domain/index.js";
import type { JobKind } from "../../domain/job-kinds.js";
import type { SourceMessage } from "../../sources/types.js";
import * as jobs from "./jobs.js";
import * as messages from "./messages.js";
import * as rooms from "./rooms.js";
import type { Sql } from "./sql.js";

export class PgStoreTx implements EngineStoreTx {
  constructor(readonly sql: Sql) {}

  upsertRoom(room: RoomUpsert, now: number): Promise<void> {
    return rooms.upsertRoom(this.sql, room, now);
  }
  getRoom(ref: SourceRoomRef): Promise<RoomRecord | undefined> {
    return rooms.getRoom(this.sql, ref);
  }
  markDirty(ref: SourceRoomRef, at: number): Promise<void> {
    return rooms.markDirty(this.sql, ref, at);
  }
  advanceCursor(
    ref: SourceRoomRef,
    cursor: { messageId: string; time: number } | undefined,
    walkStartedAt: number,
  ): Promise<void> {
    return rooms.advanceCursor(this.sql, ref, cursor, walkStartedAt);
  }
  setAmojoChatId(ref: SourceRoomRef, amojoChatId: string): Promise<void> {
    return rooms.setAmojoChatId(this.sql, ref, amojoChatId);
  }
  markLeadTagsQueued(ref: SourceRoomRef): Promise<void> {
    return rooms.markLeadTagsQueued(this.sql, ref);
  }

  insertInbound(
    msg: Omit<InboundRecord, "id" | "state" | "amojoMessageId">,
    job: NewDeliveryJob,
    now: number,
  ): Promise<boolean> {
    return messages.insertInbound(this.sql, msg, job, now);
  }
  getInbound(id: number): Promise<InboundRecord | undefined> {
    return messages.getInbound(this.sql, id);
  }
  markInboundDelivered(id: number, amojo: { amojoMessageId?: string; amojoChatId?: string }): Promise<void> {
    return messages.markInboundDelivered(this.sql, id, amojo);
  }
  insertOutbound(
    reply: Omit<OutboundRecord, "id" | "state" | "createdAt">,
    job: NewDeliveryJob,
    now: number,
  ): Promise<boolean> {
    return messages.insertOutbound(this.sql, reply, job, now);
  }
  getOutbound(id: number): Promise<OutboundRecord | undefined> {
    return messages.getOutbound(this.sql, id);
  }
  markOutboundPartSent(id: number, index: number, platformMessageIds: string[]): Promise<boolean> {
    return messages.markOutboundPartSent(this.sql, id, index, platformMessageIds);
  }
  markOutboundSent(id: number, platformMessageIds: string[]): Promise<void> {
    return messages.finishOutbound(this.sql, id, { state: "sent", ids: platformMessageIds });
  }
  markOutboundFailed(id: number, code: string, text: string): Promise<void> {
    return messages.finishOutbound(this.sql, id, { state: "failed", code, text });
  }
  rememberEcho(
    ref: SourceRoomRef,
    platformMessageIds: string[],
    text: string,
    sentAt: number,
  ): Promise<void> {
    return messages.rememberEcho(this.sql, ref, platformMessageIds, text, sentAt);
  }
  isEcho(
    ref: SourceRoomRef,
    platformMessageId: string,
    text: string | undefined,
    sentAt: number,
  ): Promise<boolean> {
    return messages.isEcho(this.sql, ref, platformMessageId, text, sentAt);
  }

  enqueue(job: NewJobOf, now: number): Promise<number> {
    return jobs.enqueue(this.sql, job, now);
  }
  hasPendingJob(kind: JobKind, orderingKey: string): Promise<boolean> {
    return jobs.hasPendingJob(this.sql, kind, orderingKey);
  }
  openJobs(
    kind: JobKind,
    orderingKey: string,
  ): Promise<{ state: "pending" | "running"; runAfter: number; lastErrorCode: string | null }[]> {
    return jobs.openJobs(this.sql, kind, orderingKey);
  }
  jobCounts(): Promise<JobCounts[]> {
    return jobs.jobCounts(this.sql);
  }
  jobCountsByKind(): Promise<{ kind: string; pending: number; running: number; dead: number }[]> {
    return jobs.jobCountsByKind(this.sql);
  }
  requeueDead(kind?: JobKind): Promise<number> {
    return jobs.requeueDead(this.sql, kind);
  }
  makeWaitingDue(now: number): Promise<number> {
    return jobs.makeWaitingDue(this.sql, now);
  }

  recordSyncSuccess(source: SourceKind, shopId: string, at: number): Promise<void> {
    return rooms.recordSyncSuccess(this.sql, source, shopId, at);
  }
  recordShopError(
    source: SourceKind,
    shopId: string,
    code: string,
    message: string,
    at: number,
  ): Promise<void> {
    return rooms.recordShopError(this.sql, { source, shopId }, { code, message }, at);
  }
  lastSyncSuccess(source: SourceKind, shopId: string): Promise<number | undefined> {
    return rooms.lastSyncSuccess(this.sql, source, shopId);
  }
  addFallback(ref: SourceRoomRef, message: SourceMessage, now: number): Promise<void> {
    return rooms.addFallback(this.sql, ref, message, now);
  }
  listFallbacks(ref: SourceRoomRef): Promise<SourceMessage[]> {
    return rooms.listFallbacks(this.sql, ref);
  }
  clearFallbacks(ref: SourceRoomRef, upTo: number): Promise<void> {
    return rooms.clearFallbacks(this.sql, ref, upTo);
  }
  seenOnce(source: SourceKind, notificationId: string, now: number): Promise<boolean> {
    return rooms.seenOnce(this.sql, source, notificationId, now);
  }
}
