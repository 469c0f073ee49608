/**
 * A state file with a row in every table the daemon writes (filled through the store's own repositories, plus an
 * int64 beyond 2^53), and a dump of every row of a file, for the `state copy` tests.
 */
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { ImportRepo } from "../../src/store/imports.js";
import { openStore } from "../../src/store/store.js";

export const BIG = 9007199254740993n; // 2^53 + 1: not representable as a JS number
export const SECRETS = ["ACCESS-SECRET-abc", "REFRESH-SECRET-xyz"];
const room = { source: "tokopedia" as const, shopId: "481154", roomId: "9001" };

/**
 * A state file (`name` in `dir`) with a row in every table the daemon writes, through the store's own
 * repositories; returns its path.
 */
export function filledState(dir: string, name = "state.db"): string {
  const path = join(dir, name);
  const store = openStore(path);
  try {
    const now = 1_700_000_000_000;
    store.rooms.upsertRoom({ ...room, conversationId: "tkp:481154:9001" }, now);
    store.rooms.markDirty(room, now + 1);
    for (let i = 0; i < 30; i++)
      store.inbound.insertInboundWithJob(
        {
          ...room,
          platformMessageId: `m${i}`,
          kommoMsgid: `tkp:481154:9001:m${i}`,
          sender: "buyer",
          content: { type: "text", text: `halo ${i} ünïcødé 🙂` },
          sentAt: now + i,
        },
        {},
        now + i,
      );
    const reply = store.outbound.insertReplyWithJob(
      { scopeId: "scope-1", amojoMessageId: "amojo-1", room, content: { type: "text", text: "jawab" } },
      {},
      now,
    );
    store.outbound.markSent(reply.id, ["p1"], now + 5);
    store.echoes.rememberSent(room, { platformMessageIds: ["p1"], text: "jawab", sentAt: now + 5 });
    const [claimed] = store.jobs.claimNext({ now: now + 100, leaseMs: 1000, limit: 1 });
    store.jobs.kill(claimed!.id, "refused for good", { code: "TK_ERR_INTERNAL", now: now + 101 });
    // done jobs pruned: the AUTOINCREMENT high-water mark stays above every remaining id
    const done = store.jobs.enqueue({ kind: "sync_room", orderingKey: "x" }, now);
    const [doneClaim] = store.jobs.claimNext({
      now: now + 200,
      leaseMs: 1000,
      limit: 50,
      kinds: ["sync_room"],
    });
    store.jobs.complete({ id: done, leaseToken: doneClaim!.leaseToken! }, now + 201);
    store.jobs.pruneDone(now + 300);
    store.tokens.save("kommo:acme", {
      accessToken: "ACCESS-SECRET-abc",
      refreshToken: "REFRESH-SECRET-xyz",
      expiresAt: now + 86_400_000,
      obtainedAt: now,
    });
    store.callCounts.add({ source: "tiktokshop", shopId: "7000" }, now, 42, now);
    store.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: "481154" }, now);
    store.webhooks.seenOnce("tokopedia", "notif-1", now);
    const key = { ...room };
    store.orderNotes.start({ ...key, buyerId: "b1", amojoChatId: "chat-1", at: now });
    store.orderNotes.saved(
      key,
      { leadId: 12345, noteId: 67890, noteText: "orders", orderIds: ["INV/1"] },
      now,
    );
    store.orderNotes.countCall("tokopedia", "481154", now);
    const imports = new ImportRepo(store.db);
    imports.recordMessage(
      { ...room, roomId: "9002" },
      {
        platformMessageId: "old-1",
        kommoMsgid: "k-old-1",
        sender: "buyer",
        contentJson: "{}",
        sentAt: now - 5,
      },
      true,
      now,
    );
    imports.finish({ ...room, roomId: "9002" }, now - 5, now);
    // an int64 beyond 2^53 (Kommo ids are int64): must survive both backends exactly
    store.db.prepare("UPDATE lead_order_notes SET note_id = ?").run(BIG);
    store.db.exec(
      "INSERT INTO webhook_fallbacks (source, shop_id, room_id, message_id, message_json, received_at) VALUES ('tokopedia', '481154', '9001', 'w1', '{}', 1)",
    );
    // the agency tables: a lead waiting for acceptance, a buyer waiting for a reply with its overdue task, the
    // wait's history and the platform's Customer Service figures
    store.db.exec(`
      INSERT INTO pending_lead_enrichment (shop_key, lead_id, amojo_chat_id, room_id, tags, since)
        VALUES ('tokopedia:481154', 12345, 'chat-1', '9001', '["kommo-store","Tokopedia"]', ${now});
      INSERT INTO reply_waits (source, shop_id, room_id, amojo_chat_id, buyer_name, waiting_since, lead_id,
          task_state, task_id, task_marker, task_since, tag_state, updated_at)
        VALUES ('tokopedia', '481154', '9001', 'chat-1', 'Budi', ${now}, 12345, 'open', 555, 'tk-wait-1', ${now},
          'on', ${now});
      INSERT INTO reply_wait_history (source, shop_id, room_id, started_at, first_reply_at)
        VALUES ('tokopedia', '481154', '9001', ${now - 1000}, ${now - 500});
      INSERT INTO cs_performance (source, shop_id, fetched_at, figures)
        VALUES ('tiktokshop', '7000', ${now}, '{"responsePercentage":97}');
    `);
  } finally {
    store.close();
  }
  return path;
}

export type Rows = Record<string, unknown[][]>;

/** Every row of every table (bigints exact), each table ordered by all its columns; plus sqlite_sequence. */
export function dumpSqlite(path: string): Rows {
  const db = new BetterSqlite3(path, { readonly: true });
  try {
    const tables = (
      db
        .prepare(
          "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' ORDER BY 1",
        )
        .all() as { name: string }[]
    ).map((t) => t.name);
    const out: Rows = {};
    for (const t of tables) {
      const n = (db.prepare(`SELECT COUNT(*) AS n FROM pragma_table_info('${t}')`).get() as { n: number }).n;
      const order = Array.from({ length: n }, (_, i) => i + 1).join(", ");
      out[t] = db
        .prepare(`SELECT * FROM "${t}" ORDER BY ${order}`)
        .raw(true)
        .safeIntegers(true)
        .all() as unknown[][];
    }
    return out;
  } finally {
    db.close();
  }
}
