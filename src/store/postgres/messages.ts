/**
 * Inbound messages, outbound replies and echoes in PostgreSQL: the same rules as store/inbound.ts, outbound.ts and
 * echoes.ts. A message or reply and its delivery job are one statement (a data-modifying WITH), so they are stored
 * together or not at all even outside a transaction; the unique keys make a repeated insert store nothing.
 */

import { type InboundColumns, inboundRecordOf, outboundRecordOf } from "../../bridge/state-records.js";
import type {
  InboundRecord,
  NewDeliveryJob,
  OutboundRecord,
  SourceRoomRef,
} from "../../bridge/store-port.js";
import { DELIVER_TO_KOMMO, DELIVER_TO_MARKETPLACE } from "../../domain/job-kinds.js";
import { ECHO_WINDOW_MS, echoTextHash } from "../echoes.js";
import { fromJson, toJson } from "../json.js";
import { shopKey } from "../keys.js";
import { type OutboundRow, outboundReplyOf } from "../outbound.js";
import type { Sql } from "./sql.js";

const JOB_FROM_ROW = `INSERT INTO jobs (kind, ordering_key, ref_id, shop_key, run_after, created_at, updated_at)
  SELECT $kind, $key, m.id, $shop, $runAfter::bigint, $now::bigint, $now::bigint FROM m RETURNING ref_id`;

/** Numbers the named placeholders of JOB_FROM_ROW after the statement's own `count` parameters. */
function jobInsert(count: number): string {
  const names = ["$kind", "$key", "$shop", "$runAfter", "$now"];
  return names.reduce((text, name, i) => text.replaceAll(name, `$${count + i + 1}`), JOB_FROM_ROW);
}

export async function insertInbound(
  sql: Sql,
  msg: Omit<InboundRecord, "id" | "state" | "amojoMessageId">,
  job: NewDeliveryJob,
  now: number,
): Promise<boolean> {
  const rows = await sql.query(
    `WITH m AS (
       INSERT INTO inbound_messages (source, shop_id, room_id, platform_message_id, kommo_msgid, sender, content_json,
         sent_at, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (source, shop_id, room_id, platform_message_id) DO NOTHING RETURNING id)
     ${jobInsert(9)}`,
    [
      msg.source,
      msg.shopId,
      msg.roomId,
      msg.platformMessageId,
      msg.kommoMsgId,
      msg.sender,
      toJson(JSON.parse(msg.contentJson)),
      msg.sentAt,
      now,
      DELIVER_TO_KOMMO,
      job.orderingKey,
      shopKey(msg),
      job.runAfter ?? now,
      now,
    ],
  );
  return rows.length === 1;
}

export async function getInbound(sql: Sql, id: number): Promise<InboundRecord | undefined> {
  const [m] = await sql.query<InboundColumns>(
    `SELECT id, source, shop_id, room_id, platform_message_id, kommo_msgid, sender, content_json, sent_at, state,
       amojo_message_id FROM inbound_messages WHERE id = $1`,
    [id],
  );
  return m ? inboundRecordOf(m) : undefined;
}

export async function markInboundDelivered(
  sql: Sql,
  id: number,
  amojo: { amojoMessageId?: string; amojoChatId?: string },
): Promise<void> {
  await sql.query(
    `UPDATE inbound_messages SET state = 'delivered', amojo_message_id = $2,
       amojo_chat_id = COALESCE($3, amojo_chat_id) WHERE id = $1`,
    [id, amojo.amojoMessageId ?? "", amojo.amojoChatId || null],
  );
}

export async function insertOutbound(
  sql: Sql,
  reply: Omit<OutboundRecord, "id" | "state" | "createdAt">,
  job: NewDeliveryJob,
  now: number,
): Promise<boolean> {
  const room =
    reply.source && reply.shopId && reply.roomId
      ? { source: reply.source, shopId: reply.shopId, roomId: reply.roomId }
      : null;
  const rows = await sql.query(
    `WITH m AS (
       INSERT INTO outbound_replies (scope_id, amojo_message_id, amojo_chat_id, conversation_id, source, shop_id,
         room_id, content_json, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (amojo_message_id) DO NOTHING RETURNING id)
     ${jobInsert(9)}`,
    [
      reply.scopeId,
      reply.amojoMessageId,
      reply.amojoChatId || null,
      reply.conversationId || null,
      room?.source ?? null,
      room?.shopId ?? null,
      room?.roomId ?? null,
      toJson(JSON.parse(reply.contentJson)),
      now,
      DELIVER_TO_MARKETPLACE,
      job.orderingKey,
      room ? shopKey(room) : null,
      now,
      now,
    ],
  );
  return rows.length === 1;
}

function idsOf(json: string | null): string[] {
  const ids = fromJson(json);
  return Array.isArray(ids) ? ids.map(String) : [];
}

export async function getOutbound(sql: Sql, id: number): Promise<OutboundRecord | undefined> {
  const [r] = await sql.query<OutboundRow>("SELECT * FROM outbound_replies WHERE id = $1", [id]);
  return r ? outboundRecordOf(outboundReplyOf(r)) : undefined;
}

/** Records part `index` as confirmed, only when it is the next part of a pending reply (else false). */
export function markOutboundPartSent(sql: Sql, id: number, index: number, ids: string[]): Promise<boolean> {
  return sql.atomic(async (tx) => {
    const [row] = await tx.query<{ platform_message_ids_json: string | null }>(
      "SELECT platform_message_ids_json FROM outbound_replies WHERE id = $1 FOR UPDATE",
      [id],
    );
    if (!row) return false;
    const all = [...idsOf(row.platform_message_ids_json), ...ids];
    const done = await tx.query(
      `UPDATE outbound_replies SET parts_sent = $2 + 1, platform_message_ids_json = $3, updated_at = $4
       WHERE id = $1 AND state = 'pending' AND parts_sent = $2 RETURNING 1`,
      [id, index, toJson(all), Date.now()],
    );
    return done.length === 1;
  });
}

export async function finishOutbound(
  sql: Sql,
  id: number,
  outcome: { state: "sent"; ids: string[] } | { state: "failed"; code: string; text: string },
): Promise<void> {
  const sent = outcome.state === "sent";
  await sql.query(
    `UPDATE outbound_replies SET state = $2, platform_message_ids_json = COALESCE($3, platform_message_ids_json),
       error_code = $4, error_text = $5, updated_at = $6 WHERE id = $1`,
    [
      id,
      outcome.state,
      sent ? toJson(outcome.ids) : null,
      sent ? null : outcome.code,
      sent ? null : outcome.text,
      Date.now(),
    ],
  );
}

export function rememberEcho(
  sql: Sql,
  ref: SourceRoomRef,
  platformMessageIds: string[],
  text: string,
  sentAt: number,
): Promise<void> {
  const ids = platformMessageIds.length === 0 ? [null] : platformMessageIds;
  return sql.atomic(async (tx) => {
    for (const messageId of ids) {
      await tx.query(
        `INSERT INTO sent_echoes (source, shop_id, room_id, platform_message_id, text_hash, sent_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [ref.source, ref.shopId, ref.roomId, messageId, echoTextHash(text), sentAt],
      );
    }
  });
}

/** By id, else by text hash near `sentAt`, claiming the remembered row for this id (see store/echoes.ts). */
export function isEcho(
  sql: Sql,
  ref: SourceRoomRef,
  platformMessageId: string,
  text: string | undefined,
  sentAt: number,
): Promise<boolean> {
  const room = [ref.source, ref.shopId, ref.roomId];
  return sql.atomic(async (tx) => {
    const byId = await tx.query(
      "SELECT 1 FROM sent_echoes WHERE source = $1 AND shop_id = $2 AND room_id = $3 AND platform_message_id = $4",
      [...room, platformMessageId],
    );
    if (byId.length > 0) return true;
    if (text === undefined) return false;
    const claimed = await tx.query(
      `WITH hit AS (
         SELECT id FROM sent_echoes
         WHERE source = $1 AND shop_id = $2 AND room_id = $3 AND text_hash = $4 AND platform_message_id IS NULL
           AND sent_at BETWEEN $5::bigint - $6::bigint AND $5::bigint + $6::bigint
         ORDER BY ABS(sent_at - $5::bigint), id LIMIT 1 FOR UPDATE SKIP LOCKED)
       UPDATE sent_echoes e SET platform_message_id = $7 FROM hit WHERE e.id = hit.id RETURNING 1`,
      [...room, echoTextHash(text), sentAt, ECHO_WINDOW_MS, platformMessageId],
    );
    return claimed.length === 1;
  });
}
