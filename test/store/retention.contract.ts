/**
 * Retention for every backend: one pass prunes finished history older than the retention and nothing that
 * de-duplication or unfinished work still needs (pending, running and dead jobs, undelivered messages and what they
 * refer to), and the daemon's timer runs it. Rows are seeded with plain SQL (both backends have the same columns),
 * with explicit ids so inbound and outbound ids never overlap (a job's ref_id may name either).
 */
import { describe, expect, it } from "vitest";
import { startRetention } from "../../src/store/retention.js";
import { waitFor } from "../helpers/wait.js";
import type { StatePartsContext, StatePartsHarness } from "./state-parts.harness.js";

const DAY = 86_400_000;
const NOW = 1_000 * DAY;
const SHOP = ["tokopedia", "481154"] as const;
const SHOP_KEY = "tokopedia:481154";

async function room(h: StatePartsHarness, roomId: string, cursorDaysAgo: number): Promise<void> {
  await h.query(
    `INSERT INTO rooms (source, shop_id, room_id, cursor_message_id, cursor_time, created_at, updated_at)
     VALUES (?, ?, ?, 'c', ?, ?, ?)`,
    [...SHOP, roomId, NOW - cursorDaysAgo * DAY, NOW - 60 * DAY, NOW - 60 * DAY],
  );
}

type JobState = "pending" | "running" | "done" | "dead";

async function job(h: StatePartsHarness, kind: string, refId: number | null, state: JobState, at: number) {
  const rows = await h.query<{ id: number }>(
    `INSERT INTO jobs (kind, ordering_key, ref_id, state, run_after, lease_until, shop_key, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [kind, `k${refId ?? "none"}`, refId, state, at, state === "running" ? NOW + DAY : null, SHOP_KEY, at, at],
  );
  return Number(rows[0]!.id);
}

/** A buyer message `ageDays` old in the given state, with its delivery job. */
async function inbound(
  h: StatePartsHarness,
  id: number,
  roomId: string,
  ageDays: number,
  state: "pending" | "delivered" | "dead",
  jobState: JobState,
) {
  const at = NOW - ageDays * DAY;
  await h.query(
    `INSERT INTO inbound_messages (id, source, shop_id, room_id, platform_message_id, kommo_msgid, sender,
       content_json, sent_at, state, created_at) VALUES (?, ?, ?, ?, ?, ?, 'buyer', '{}', ?, ?, ?)`,
    [id, ...SHOP, roomId, `m${id}`, `k${id}`, at, state, at],
  );
  await job(h, "deliver_to_kommo", id, jobState, at);
}

async function reply(
  h: StatePartsHarness,
  id: number,
  ageDays: number,
  state: "pending" | "sent" | "failed",
  jobState: JobState,
) {
  const at = NOW - ageDays * DAY;
  await h.query(
    `INSERT INTO outbound_replies (id, scope_id, amojo_message_id, source, shop_id, room_id, content_json, state,
       created_at, updated_at) VALUES (?, 'scope', ?, ?, ?, 'read', '{}', ?, ?, ?)`,
    [id, `amojo-${id}`, ...SHOP, state, at, at],
  );
  await job(h, "deliver_to_marketplace", id, jobState, at);
}

const ids = async (h: StatePartsHarness, table: string) =>
  (await h.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).map((r) => Number(r.id));
const countOf = async (h: StatePartsHarness, table: string) =>
  Number((await h.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

async function seedHistory(h: StatePartsHarness): Promise<void> {
  // The "read" and "busy" rooms' syncs are past every message; the "unread" one's cursor is before its message.
  await room(h, "read", 1);
  await room(h, "unread", 50);
  await room(h, "busy", 1);
  // Written in time order, as the daemon writes them (ids follow creation time).
  await inbound(h, 1, "read", 40, "delivered", "done"); // pruned, and its job
  await inbound(h, 2, "unread", 40, "delivered", "done"); // kept: its room may read it again (job pruned)
  await inbound(h, 3, "busy", 40, "pending", "pending"); // kept: undelivered
  await inbound(h, 4, "read", 40, "dead", "dead"); // kept: `retry --dead` needs it
  await inbound(h, 5, "read", 40, "delivered", "running"); // kept: a job still works on it
  await reply(h, 101, 40, "sent", "done"); // pruned, and its job
  await reply(h, 102, 40, "pending", "pending"); // kept: undelivered
  await reply(h, 103, 40, "failed", "dead"); // kept: its dead job may be retried
  const echo =
    "INSERT INTO sent_echoes (source, shop_id, room_id, platform_message_id, text_hash, sent_at) VALUES (?, ?, ?, ?, 'h', ?)";
  await h.query(echo, [...SHOP, "read", "e-old", NOW - 40 * DAY]); // pruned
  await h.query(echo, [...SHOP, "unread", "e-kept", NOW - 40 * DAY]); // kept: the room's cursor is not past it
  await job(h, "sync_room", null, "dead", NOW - 40 * DAY); // kept: dead
  const seen = "INSERT INTO webhook_seen (source, notification_id, seen_at) VALUES (?, ?, ?)";
  await h.query(seen, ["tiktokshop", "n-old", NOW - 8 * DAY]); // pruned after 7 days whatever the retention
  await h.query(seen, ["tiktokshop", "n-new", NOW - 6 * DAY]);
  const calls =
    "INSERT INTO cs_call_counts (source, shop_id, day_start, used, updated_at) VALUES (?, ?, ?, 1, ?)";
  await h.query(calls, ["tiktokshop", "9", NOW - 9 * DAY, NOW - 9 * DAY]); // pruned after 8 days
  await h.query(calls, ["tiktokshop", "9", NOW - DAY, NOW - DAY]);
  await inbound(h, 6, "read", 5, "delivered", "done"); // kept: recent
  await reply(h, 104, 5, "sent", "done"); // kept: recent
  await h.query(echo, [...SHOP, "read", "e-new", NOW - 5 * DAY]); // kept: recent
}

export function describeRetention(ctx: StatePartsContext): void {
  describe("retention: what is pruned", () => {
    it("prunes old finished history only, keeping what de-duplication and unfinished work need", async () => {
      const h = ctx.harness;
      await seedHistory(h);
      await h.replyWaits.buyerWrote(
        { source: "tokopedia", shopId: "481154", roomId: "read" },
        { at: NOW - 40 * DAY },
        NOW - 40 * DAY,
      );
      await h.replyWaits.replied(
        { source: "tokopedia", shopId: "481154", roomId: "read" },
        NOW - 40 * DAY,
        NOW - 40 * DAY,
      );

      const counts = await h.pruner.prune({ now: NOW, days: 30 });

      // Jobs: the done ones of inbound 1 and 2 and of reply 101.
      expect(counts).toEqual({ jobs: 3, inbound: 1, outbound: 1, echoes: 1, webhooks: 1 });
      expect(await ids(h, "inbound_messages")).toEqual([2, 3, 4, 5, 6]);
      expect(await ids(h, "outbound_replies")).toEqual([102, 103, 104]);
      const echoes = await h.query<{ p: string }>(
        "SELECT platform_message_id AS p FROM sent_echoes ORDER BY id",
      );
      expect(echoes.map((e) => e.p)).toEqual(["e-kept", "e-new"]);
      const seen = await h.query<{ n: string }>("SELECT notification_id AS n FROM webhook_seen");
      expect(seen.map((s) => s.n)).toEqual(["n-new"]);
      const days = await h.query<{ d: number }>("SELECT day_start AS d FROM cs_call_counts");
      expect(days.map((d) => Number(d.d))).toEqual([NOW - DAY]);
      const open = await h.query<{ state: string; n: number }>(
        "SELECT state, COUNT(*) AS n FROM jobs GROUP BY state ORDER BY state",
      );
      expect(open.map((r) => [r.state, Number(r.n)])).toEqual([
        ["dead", 3],
        ["done", 2],
        ["pending", 2],
        ["running", 1],
      ]);
      // The reply-time guard's old wait and its answered conversation are gone too.
      expect(await countOf(h, "reply_wait_history")).toBe(0);
      expect(await countOf(h, "reply_waits")).toBe(0);
      // A second pass finds nothing more.
      expect(await h.pruner.prune({ now: NOW, days: 30 })).toEqual({
        jobs: 0,
        inbound: 0,
        outbound: 0,
        echoes: 0,
        webhooks: 0,
      });
    });

    it("prunes a long history in several small batches, all of it", async () => {
      const h = ctx.harness;
      for (let i = 0; i < 450; i++) await job(h, "sync_room", null, "done", NOW - 40 * DAY + i);
      await job(h, "sync_room", null, "done", NOW - DAY);
      const counts = await h.pruner.prune({ now: NOW, days: 30, batchRows: 100 });
      expect(counts.jobs).toBe(450);
      expect(await countOf(h, "jobs")).toBe(1);
    });

    it("stops between batches when asked to", async () => {
      const h = ctx.harness;
      for (let i = 0; i < 30; i++) await job(h, "sync_room", null, "done", NOW - 40 * DAY + i);
      let asked = 0;
      const counts = await h.pruner.prune({
        now: NOW,
        days: 30,
        batchRows: 10,
        shouldStop: () => ++asked > 1,
      });
      expect(counts.jobs).toBe(10);
      expect(await countOf(h, "jobs")).toBe(20);
    });
  });

  describe("retention: the timer", () => {
    it("runs the backend's pass soon after start and then every interval, by the injected clock", async () => {
      // Started the way the daemon starts it on this backend.
      const h = ctx.harness;
      let now = NOW;
      const pruned: number[] = [];
      const old = await job(h, "sync_room", null, "done", NOW - 40 * DAY);
      const timer = startRetention(h.retentionState ?? h.pruner, {
        days: 30,
        now: () => now,
        firstDelayMs: 1,
        intervalMs: 20,
        onPruned: (c) => pruned.push(c.jobs),
      });
      try {
        await waitFor("the first pass", () => pruned.length === 1);
        expect(await ids(h, "jobs")).not.toContain(old);
        // A job finished now is 31 days old by the time the clock says so: a later pass takes it.
        const later = await job(h, "sync_room", null, "done", NOW);
        now = NOW + 31 * DAY;
        await waitFor("a later pass", () => pruned.length === 2);
        expect(await ids(h, "jobs")).not.toContain(later);
      } finally {
        await timer.stop();
      }
    });
  });
}
