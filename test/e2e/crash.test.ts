/**
 * Crash test, over real HTTP with the built binary: 500 buyer messages across several rooms reach the
 * daemon through signed webhooks; the daemon is SIGKILLed mid-stream, messages keep coming while it is down
 * (their webhooks fail), and it restarts on the same state file. Kommo must hold each message exactly once
 * (by msgid and by text: a webhook fallback delivered beside the real message would show up as a second copy)
 * and, per room, in the order the buyer wrote them.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { waitForMarketplaceJobsDoneIn } from "../helpers/jobs.js";
import { waitFor } from "../helpers/wait.js";

const ROOMS = 10;
const TOTAL = 500;
const KILL_AT = 200;
const RESTART_AT = 300;

let bed: Testbed;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  bed = await startTestbed({ mode: "hybrid" });
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

it("SIGKILL mid-stream, restart on the same state file: every message in Kommo once, in per-room order", async () => {
  const shopId = bed.shops[0]!.shopId;
  const port = await freePort();
  daemon = await spawnDaemon(bed.configPath, port);
  await bed.connectDaemon(daemon.url);

  const failedWebhooks: number[] = [];
  for (let i = 0; i < TOTAL; i++) {
    if (i === KILL_AT) {
      daemon.child.kill("SIGKILL");
      const end = await daemon.exited;
      expect(end.signal).toBe("SIGKILL");
    }
    if (i === RESTART_AT) daemon = await spawnDaemon(bed.configPath, port);
    const room = i % ROOMS;
    const sent = await bed.tokopedia.buyerSends(shopId, `crash-buyer-${room}`, `pesan ${i} kamar ${room}`, {
      buyerName: `Buyer ${room}`,
    });
    if (sent.deliveries.some((d) => d.status !== 200)) failedWebhooks.push(i);
  }
  // The messages written while the daemon was down had no webhook: only the start-up sweep can find them.
  expect(failedWebhooks.length).toBeGreaterThanOrEqual(RESTART_AT - KILL_AT);

  const incoming = () => bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
  try {
    await waitFor("all 500 messages in Kommo", () => incoming().length >= TOTAL, 45_000);
  } catch (e) {
    const { openStore } = await import("../../src/store/index.js");
    const st = openStore(bed.statePath, { readonly: true });
    console.log(
      "got",
      incoming().length,
      st.db
        .prepare(
          "select kind, state, count(*) n, max(attempts) a, group_concat(distinct last_error_code) c from jobs group by kind, state",
        )
        .all(),
    );
    console.log(st.db.prepare("select * from jobs where state != 'done' limit 5").all());
    st.close();
    console.log(
      daemon
        ?.output()
        .split("\n")
        .filter((l) => !/"level":30/.test(l))
        .slice(-20)
        .join("\n"),
    );
    throw e;
  }
  // Count once nothing can add to it: no sync or delivery left in the queue (a re-run job included).
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
