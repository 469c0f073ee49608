// The state file's steady-state size under retention: fills a fresh state file with N days of
// realistic rows for a given message rate, through the store's own functions with an injected clock (no HTTP,
// no daemon: minutes, not days), runs the daemon's pruning once per simulated hour, and prints the file size at
// the end of each day. Once the days exceed the retention, the size stops growing: that is the steady state.
//
//   npm run build && node bench/state-size.mjs
//   SIZE_PER_DAY=100000 SIZE_DAYS=34 SIZE_RETENTION_DAYS=30 node bench/state-size.mjs
//
// Per buyer message, what the daemon writes in hybrid mode: the message and its deliver_to_kommo job (then
// "delivered" and done), a sync_room job (done) and the room's cursor; for SIZE_REPLY_SHARE of the messages a
// manager's reply (its job, "sent", the echo record of the bridge's own send). Rooms: SIZE_ROOMS conversations.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore, Pruner } from "../dist/index.js";

const PER_DAY = Number(process.env.SIZE_PER_DAY ?? 100_000);
const DAYS = Number(process.env.SIZE_DAYS ?? 34);
const RETENTION = Number(process.env.SIZE_RETENTION_DAYS ?? 30);
const ROOMS = Number(process.env.SIZE_ROOMS ?? 20_000);
const REPLY_SHARE = Number(process.env.SIZE_REPLY_SHARE ?? 0.5);
/** Rows per pruning transaction (default: the daemon's). */
const PRUNE_BATCH = process.env.SIZE_PRUNE_BATCH ? Number(process.env.SIZE_PRUNE_BATCH) : undefined;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const START = Date.UTC(2026, 0, 1);
const SHOP = "481154";

const dir = mkdtempSync(join(tmpdir(), "tokokommo-size-"));
const path = join(dir, "state.db");
const store = openStore(path);
const pruner = new Pruner(store);
const texts = [
  "Halo kak, barang ini masih ready? Saya mau order 2 pcs warna hitam ukuran L ya",
  "Kak, pesanan saya kok belum dikirim ya? Sudah 3 hari",
  "Bisa kirim hari ini?",
  "Terima kasih kak, barang sudah sampai dengan selamat 🙏",
  "Apakah ada diskon kalau beli 5?",
];
const replies = ["Ready kak, silakan diorder", "Baik kak, kami cek dulu ya", "Bisa kak, sebelum jam 3 sore"];

const sizeMb = () => {
  store.db.pragma("wal_checkpoint(TRUNCATE)");
  return statSync(path).size / 1e6;
};
const rows = (t) => store.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get().n;

// Transactions run by the pruner: their durations (ms).
let pruning = false;
const pruneTx = [];
const passes = [];
const transaction = store.transaction.bind(store);
store.transaction = (fn) => {
  if (!pruning) return transaction(fn);
  const t0 = performance.now();
  try {
    return transaction(fn);
  } finally {
    pruneTx.push(performance.now() - t0);
  }
};

let msgNo = 0;
let replyNo = 0;
const seenRooms = new Set();
const started = performance.now();
console.log(
  `${PER_DAY} messages/day, ${DAYS} days, retention ${RETENTION} days, ${ROOMS} rooms, ${REPLY_SHARE} replies/message`,
);
console.log("day  file MB  free MB  inbound  jobs  replies  echoes  (pruned this day)");
for (let day = 0; day < DAYS; day++) {
  const pruned = { jobs: 0, inbound: 0, outbound: 0, echoes: 0, webhooks: 0 };
  for (let hour = 0; hour < 24; hour++) {
    const perHour = Math.round(PER_DAY / 24);
    const hourStart = START + day * DAY + hour * HOUR;
    // A batch of messages per transaction: the rows are what matters here, not the commit pattern. Each batch is
    // stored, then its jobs claimed and finished as the daemon's runner would (a few claims per batch).
    for (let chunk = 0; chunk < perHour; chunk += 1_000) {
      store.transaction(() => {
        const delivered = new Map(); // deliver_to_kommo job id -> [message id, n, roomId]
        const sent = new Map(); // deliver_to_marketplace job id -> [reply id, r, ref, text]
        let last = hourStart;
        for (let i = chunk; i < Math.min(perHour, chunk + 1_000); i++) {
          const t = hourStart + Math.floor((i * HOUR) / perHour);
          last = t;
          const n = msgNo++;
          const roomId = String(1_000_000_000 + (n % ROOMS));
          const ref = { source: "tokopedia", shopId: SHOP, roomId };
          if (!seenRooms.has(roomId)) {
            seenRooms.add(roomId);
            store.rooms.saveRoom(
              {
                ...ref,
                conversationId: `tkp:${SHOP}:${roomId}`,
                buyer: {
                  id: String(9_000_000 + (n % ROOMS)),
                  name: `Buyer ${n % ROOMS}`,
                  avatarUrl: "https://images.tokopedia.net/img/cache/100-square/tPxBYm/2023/1/20/avatar.jpg",
                },
              },
              t,
            );
          }
          store.jobs.enqueue(
            {
              kind: "sync_room",
              orderingKey: `sync:tokopedia:${SHOP}:${roomId}`,
              shopKey: `tokopedia:${SHOP}`,
            },
            t,
          );
          const msg = store.inbound.insertInboundWithJob(
            {
              ...ref,
              platformMessageId: String(7_000_000_000 + n),
              kommoMsgid: `tkp:${SHOP}:${roomId}:${7_000_000_000 + n}`,
              sender: "buyer",
              senderName: `Buyer ${n % ROOMS}`,
              content: { type: "text", text: texts[n % texts.length] },
              sentAt: t,
            },
            {},
            t,
          );
          delivered.set(msg.jobId, [msg.id, n, roomId]);
          store.rooms.advanceCursor(ref, { messageId: String(7_000_000_000 + n), time: t }, { now: t });
          // Exactly REPLY_SHARE of the messages get a reply, spread evenly.
          if (Math.floor((n + 1) * REPLY_SHARE) > Math.floor(n * REPLY_SHARE)) {
            const r = replyNo++;
            const text = replies[r % replies.length];
            const out = store.outbound.insertReplyWithJob(
              {
                scopeId: "344a5002-9d1c-4b5e-8f00-1c2d3e4f5a6b_52e591f7-3f4d-4c2b-9a1e-0d9c8b7a6f5e",
                amojoMessageId: `5d1c2b3a-${String(r).padStart(8, "0")}-4e5f-8a9b-0c1d2e3f4a5b`,
                amojoChatId: `c7e1f0d2-88aa-4b1e-a1c4-${roomId.padStart(12, "0")}`,
                conversationId: `tkp:${SHOP}:${roomId}`,
                room: ref,
                content: { type: "text", text },
              },
              {},
              t + 60_000,
            );
            sent.set(out.jobId, [out.id, r, ref, text]);
          }
        }
        // The runner: claim until nothing is left, finishing each job as its handler would.
        for (;;) {
          const claimed = store.jobs.claimNext({ now: last + 60_000, leaseMs: 10_000, limit: 5_000 });
          if (claimed.length === 0) break;
          for (const job of claimed) {
            const d = delivered.get(job.id);
            if (d) {
              const [id, n, roomId] = d;
              store.inbound.markDelivered(id, {
                messageId: `0b6f9a54-2c1e-4f7e-9d3a-${String(n).padStart(12, "0")}`,
                chatId: `c7e1f0d2-88aa-4b1e-a1c4-${roomId.padStart(12, "0")}`,
              });
            }
            const o = sent.get(job.id);
            if (o) {
              const [id, r, ref, text] = o;
              const platformId = String(8_000_000_000 + r);
              store.outbound.markSent(id, [platformId], last + 60_080);
              store.echoes.rememberSent(ref, {
                platformMessageIds: [platformId],
                text,
                sentAt: last + 60_080,
              });
            }
            store.jobs.complete(job, last + 60_100);
          }
        }
      });
    }
    // The daemon's hourly pass, timed: the whole pass, and its longest single transaction (the most a webhook or
    // a job can wait behind it).
    pruning = true;
    const passStart = performance.now();
    const c = await pruner.prune({
      now: hourStart + HOUR,
      days: RETENTION,
      ...(PRUNE_BATCH ? { batchRows: PRUNE_BATCH } : {}),
    });
    pruning = false;
    if (Object.values(c).some((n) => n > 0)) {
      passes.push(performance.now() - passStart);
    }
    for (const k of Object.keys(pruned)) pruned[k] += c[k];
  }
  const free =
    (store.db.pragma("freelist_count", { simple: true }) * store.db.pragma("page_size", { simple: true })) /
    1e6;
  console.log(
    `${String(day + 1).padStart(3)}  ${sizeMb().toFixed(1).padStart(7)}  ${free.toFixed(1).padStart(7)}  ${String(rows("inbound_messages")).padStart(7)}  ${String(rows("jobs")).padStart(7)}  ${String(rows("outbound_replies")).padStart(7)}  ${String(rows("sent_echoes")).padStart(7)}  (${JSON.stringify(pruned)})`,
  );
}
const finalMb = sizeMb();
const retained = rows("inbound_messages");
console.log(
  `\nfinal: ${finalMb.toFixed(1)} MB for ${retained} retained messages (${((finalMb * 1e6) / Math.max(1, retained)).toFixed(0)} bytes per retained message incl. its jobs, replies and echoes); ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
if (passes.length > 0) {
  const sorted = (xs) => [...xs].sort((x, y) => x - y);
  const p = (xs, q) => sorted(xs)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
  console.log(
    `pruning passes that deleted rows: ${passes.length}, median ${p(passes, 0.5).toFixed(0)} ms, max ${Math.max(...passes).toFixed(0)} ms (wall, yields included); ` +
      `its transactions: ${pruneTx.length}, median ${p(pruneTx, 0.5).toFixed(1)} ms, p99 ${p(pruneTx, 0.99).toFixed(1)} ms, max ${Math.max(...pruneTx).toFixed(1)} ms`,
  );
}
store.close();
rmSync(dir, { recursive: true, force: true });
