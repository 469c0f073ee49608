/**
 * Crash test, over real HTTP with the built binary, for each marketplace source: buyer messages across several
 * rooms reach the daemon through signed webhooks; the daemon is SIGKILLed mid-stream, messages keep coming while
 * it is down (their webhooks fail), and it restarts on the same state file. Kommo must hold each message exactly
 * once (by msgid and by text: a webhook fallback delivered beside the real message would show up as a second copy)
 * and, per room, in the order the buyer wrote them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import {
  type DaemonProcess,
  freePort,
  KILL_TEST_JOB_LEASE_SECONDS,
  killDaemonAndCloseBed,
  spawnDaemon,
} from "../helpers/daemon-process.js";
import { waitForMarketplaceJobsDone } from "../helpers/jobs.js";
import { SOURCE_WORLDS, type SourceWorld } from "../helpers/source-worlds.js";
import { waitFor } from "../helpers/wait.js";

/** What the state file and the daemon's log say, printed when the messages never all arrive. */
function printDiagnostics(w: SourceWorld, daemon: DaemonProcess | undefined, got: number): void {
  const st = openStore(w.statePath, { readonly: true });
  try {
    console.log(
      "got",
      got,
      st.db
        .prepare(
          "select kind, state, count(*) n, max(attempts) a, group_concat(distinct last_error_code) c from jobs group by kind, state",
        )
        .all(),
    );
    console.log(st.db.prepare("select * from jobs where state != 'done' limit 5").all());
  } finally {
    st.close();
  }
  const log = daemon?.output().split("\n") ?? [];
  console.log(
    log
      .filter((l) => !/"level":30/.test(l))
      .slice(-20)
      .join("\n"),
  );
}

/**
 * Waits until nothing can still add a message to Kommo: no webhook retry is due and the restarted daemon's queue
 * holds no open sync or delivery job. A straggling duplicate (a re-run job, a late webhook retry) has then shown
 * itself, so counting now proves there is none.
 */
async function waitForQuiet(w: SourceWorld): Promise<void> {
  await waitFor("no webhook retry due", () => w.webhooksSettled(), 15_000);
  const st = openStore(w.statePath, { readonly: true });
  try {
    await waitForMarketplaceJobsDone(st, 15_000);
  } finally {
    st.close();
  }
}

describe.each(SOURCE_WORLDS)("crash: $name", ({ start, crashLoad: load }) => {
  let w: SourceWorld;
  let daemon: DaemonProcess | undefined;

  beforeAll(async () => {
    // The restarted daemon takes over the jobs the killed one held once their lease has run out.
    w = await start({ mode: "hybrid", jobLeaseSeconds: KILL_TEST_JOB_LEASE_SECONDS });
  });

  afterAll(() => killDaemonAndCloseBed(daemon, w));

  it("SIGKILL mid-stream, restart on the same state file: every message in Kommo once, in per-room order", async () => {
    const port = await freePort();
    daemon = await spawnDaemon(w.configPath, port);
    await w.connectDaemon(daemon.url);

    for (let i = 0; i < load.total; i++) {
      if (i === load.killAt) {
        // Some deliveries are in flight when the process dies.
        daemon.child.kill("SIGKILL");
        const end = await daemon.exited;
        expect(end.signal).toBe("SIGKILL");
      }
      if (i === load.restartAt) daemon = await spawnDaemon(w.configPath, port);
      const room = i % load.rooms;
      await w.buyerSends(`crash-buyer-${room}`, `pesan ${i} kamar ${room}`, `Buyer ${room}`);
      if (i % load.webhookBatch === load.webhookBatch - 1) await w.settleWebhooks();
    }
    await w.settleWebhooks();
    // The messages written while the daemon was down had their webhooks refused: only the start-up sweep (or the
    // platform's retries) can bring them in.
    expect(w.failedFirstWebhooks()).toBeGreaterThanOrEqual(load.restartAt - load.killAt);

    const incoming = () => w.kommo.received(w.scopeId).filter((m) => m.direction === "in");
    try {
      await waitFor(`all ${load.total} messages in Kommo`, () => incoming().length >= load.total, 45_000);
    } catch (e) {
      printDiagnostics(w, daemon, incoming().length);
      throw e;
    }
    await waitForQuiet(w);
    const got = incoming();
    expect(got).toHaveLength(load.total);
    expect(new Set(got.map((m) => m.msgid)).size).toBe(load.total);
    expect(new Set(got.map((m) => m.text)).size).toBe(load.total);
    const byConversation = new Map<string, number[]>();
    for (const m of got) {
      const match = /^pesan (\d+) kamar (\d+)$/.exec(m.text);
      expect(match, `unexpected text ${m.text}`).not.toBeNull();
      const list = byConversation.get(m.conversationId) ?? [];
      list.push(Number(match![1]));
      byConversation.set(m.conversationId, list);
    }
    expect(byConversation.size).toBe(load.rooms);
    for (const [conv, seq] of byConversation) {
      expect(seq, `order in ${conv}`).toEqual([...seq].sort((a, b) => a - b));
      expect(seq).toHaveLength(load.total / load.rooms);
    }
  }, 90_000);
});
