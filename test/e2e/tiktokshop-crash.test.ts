/**
 * Crash test for the TikTok Shop source, with the built binary: 150 buyer messages over five
 * conversations reach the daemon through signed webhooks; the daemon is SIGKILLed mid-stream, messages keep
 * coming while it is down (their webhooks fail), and it restarts on the same state file. Kommo must hold each
 * message exactly once and, per conversation, in the order the buyer wrote them.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { waitFor } from "../helpers/wait.js";
import { waitForWebhooksSettled } from "../helpers/webhooks.js";

const ROOMS = 5;
const TOTAL = 150;
const KILL_AT = 60;
const RESTART_AT = 90;

/** Quick retries of a refused webhook (the simulator's default, like the platform's, are minutes to hours apart). */
const WEBHOOK_RETRY_DELAYS_MS = [200, 1_000, 3_000];
let bed: TikTokShopTestbed;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  bed = await startTikTokShopTestbed({
    mode: "hybrid",
    tiktokshop: { webhookRetryDelaysMs: WEBHOOK_RETRY_DELAYS_MS },
  });
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

it("SIGKILL mid-stream, restart on the same state file: every message in Kommo once, in per-conversation order", async () => {
  const port = await freePort();
  daemon = await spawnDaemon(bed.configPath, port);
  await bed.connectDaemon(daemon.url);

  for (let i = 0; i < TOTAL; i++) {
    if (i === KILL_AT) {
      // Let some deliveries be in flight when the process dies.
      daemon.child.kill("SIGKILL");
      const end = await daemon.exited;
      expect(end.signal).toBe("SIGKILL");
    }
    if (i === RESTART_AT) daemon = await spawnDaemon(bed.configPath, port);
    const room = i % ROOMS;
    bed.tiktokshop.buyerSends(
      bed.shopId,
      { id: `crash-${room}`, name: `Buyer ${room}` },
      `pesan ${i} kamar ${room}`,
    );
    // A little pacing so the stream straddles the kill instead of landing before it.
    if (i % 10 === 9) await bed.tiktokshop.flushWebhooks();
  }
  await bed.tiktokshop.flushWebhooks();
  // Messages written while the daemon was down had their webhooks refused: only the start-up sweep (or the
  // platform's retries) can bring them in.
  expect(bed.tiktokshop.webhookDeliveries().some((d) => !d.ok)).toBe(true);

  const incoming = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
  await waitFor(`all ${TOTAL} messages in Kommo`, () => incoming().length >= TOTAL, 30_000);
  // Count once nothing can add to it: every refused webhook delivered or given up by the platform's retries, and
  // no sync or delivery left in the queue (a re-run job included).
  await waitForWebhooksSettled(bed.tiktokshop, WEBHOOK_RETRY_DELAYS_MS.length, 30_000);
  await waitForMarketplaceJobsDoneIn(bed.statePath, 30_000);
  const got = incoming();
  expect(got).toHaveLength(TOTAL);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(TOTAL);
  expect(new Set(got.map((m) => m.text)).size).toBe(TOTAL);
  const byConversation = new Map<string, number[]>();
  for (const m of got) {
    const match = /^pesan (\d+) kamar (\d+)$/.exec(m.text);
    expect(match, `unexpected text ${m.text}`).not.toBeNull();
    const list = byConversation.get(m.conversationId) ?? [];
    list.push(Number(match![1]));
    byConversation.set(m.conversationId, list);
  }
  expect(byConversation.size).toBe(ROOMS);
  for (const [conv, seq] of byConversation) {
    expect(seq, `order in ${conv}`).toEqual([...seq].sort((a, b) => a - b));
    expect(seq).toHaveLength(TOTAL / ROOMS);
  }
}, 60_000);
