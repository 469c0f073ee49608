/**
 * The reply-time guard end to end over real HTTP: TikTok Shop simulator -> daemon -> Kommo simulator, limits on,
 * the guard's clock injected (moved forward instead of waiting hours). A buyer waiting past the warning time gets
 * exactly one task on the lead (due at the deadline, responsible the shop's user) and the tag once the lead was
 * accepted (never while incoming); a manager's reply completes the task and removes the tag; a reply typed in
 * Seller Center and mirrored counts as a reply; a restart loses nothing and makes no second task; a create whose
 * answer was lost is found, not repeated; 50 overdue conversations at once keep Kommo REST within 7 requests/s.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts): the guard's clock (Date.now plus the skew), its
 * ticks, the daemon's REST pacing and the Kommo simulator's 7/s window read the same fake clock, so each case takes
 * the time its HTTP takes, and a request's arrival is stamped with the time the daemon sent it at.
 */
import { describe, expect, it } from "vitest";
import { statusCommand } from "../../src/cli/commands/status.js";
import type { ReplyStatus } from "../../src/cli/commands/status-replies.js";
import type { Config } from "../../src/config/schema.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { blockStateLocation, STATE_BACKENDS } from "../helpers/state-backends.js";

const MIN = 60_000;
let bed: TikTokShopTestbed | undefined;
let daemon: RunningDaemon | undefined;
let skew = 0;
const guardNow = () => Date.now() + skew;

const { waitFor, settle, settleAtRealPace } = daemonFakeTimeEachTest(async () => {
  await stopDaemonAndBed(daemon, bed);
  daemon = undefined;
  bed = undefined;
  skew = 0;
});

/** Settles `p` on fake time. */

function guardConfig(b: TikTokShopTestbed): Config {
  const shops = b.config.shops.map((s) => ({ ...s, responsibleUserId: 4242 }));
  return {
    ...b.config,
    shops,
    replyGuard: { enabled: true, warnAfterMinutes: 480, deadlineMinutes: 720, tag: "reply overdue" },
  };
}

/** Where the daemons of a test keep their state (the describe's backend). */
const stateLocation = blockStateLocation();
const stateOfBed = new WeakMap<TikTokShopTestbed, string>();

/** The testbed's state location, the same for every daemon (re)started on it. */
async function stateOf(b: TikTokShopTestbed): Promise<string> {
  let path = stateOfBed.get(b);
  if (path === undefined) {
    path = await stateLocation.ofAtRealPace(b, settleAtRealPace);
    stateOfBed.set(b, path);
  }
  return path;
}

async function runDaemon(b: TikTokShopTestbed): Promise<RunningDaemon> {
  const statePath = await stateOf(b);
  daemon = await settle(
    startDaemon({
      config: { ...guardConfig(b), statePath },
      port: 0,
      engine: { baseRetryMs: 50, maxRetryMs: 500, guardNow, guardTickMs: 200 },
    }),
    "the daemon to start",
  );
  await settle(b.connectDaemon(daemon.url));
  return daemon;
}

/** The test's testbed (kept in `bed`, which is closed after the test). */
const startBed = async () => {
  bed = await settle(startTikTokShopTestbed({ mode: "webhook" }), "the testbed");
  return bed;
};

async function buyerWaits(b: TikTokShopTestbed, buyerId: string, text: string) {
  const sent = b.tiktokshop.buyerSends(b.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
  const msg = await waitFor(`"${text}" in Kommo`, () =>
    b.kommo.received(b.scopeId).find((m) => m.direction === "in" && m.text === text),
  );
  const lead = await waitFor("the lead", () =>
    b.kommo.leads().find((l) => l.chatAmojoId === msg.chatAmojoId),
  );
  return { ...sent, chat: msg.chatAmojoId, conversation: msg.conversationId, leadId: lead.id };
}

/** Lets the guard tick a few times (each tick is 200 ms) and checks nothing changed meanwhile. */
async function ticksPass(d: RunningDaemon): Promise<void> {
  for (let i = 0; i < 3; i++) {
    d.engine.guard!.wake();
    await settle(d.engine.guard!.settled(), "the guard's tick");
  }
}

const tasksOf = (b: TikTokShopTestbed, leadId: number) =>
  b.kommo.tasks().filter((t) => t.entityType === "leads" && t.entityId === leadId);

describe.each(STATE_BACKENDS)("reply-time guard, state in $name", (backend) => {
  stateLocation.use(backend);
  it("one task at the warning time, the tag once accepted, both undone by a manager's reply", async () => {
    const b = await startBed();
    const d = await runDaemon(b);
    const w = await buyerWaits(b, "7001", "Kak, ukuran M ada?");
    skew = 479 * MIN;
    await ticksPass(d);
    expect(tasksOf(b, w.leadId)).toHaveLength(0);

    skew = 481 * MIN;
    const task = await waitFor("the overdue task", () => tasksOf(b, w.leadId)[0]);
    expect(task.text).toContain("Buyer 7001");
    expect(task.text).toContain(b.shopName);
    expect(task.text).toMatch(/waited 8 h \d+ min/);
    expect(task.responsibleUserId).toBe(4242);
    expect(task.isCompleted).toBe(false);
    const sentAt = b.kommo.received(b.scopeId).find((m) => m.text === "Kak, ukuran M ada?")!.timestampMs;
    expect(Math.abs(task.completeTill * 1000 - (sentAt + 720 * MIN))).toBeLessThan(2 * MIN);
    // The lead is still incoming: no write to it (no tag), and still incoming.
    await ticksPass(d);
    const lead = b.kommo.leads().find((l) => l.id === w.leadId)!;
    expect(lead.tags).not.toContain("reply overdue");
    expect(lead.status).toBe("incoming");
    expect(lead.leftIncomingBy).toBeUndefined();
    expect(tasksOf(b, w.leadId)).toHaveLength(1);

    b.kommo.acceptLead(w.leadId);
    await waitFor("the overdue tag", () =>
      b.kommo
        .leads()
        .find((l) => l.id === w.leadId)
        ?.tags.includes("reply overdue"),
    );
    await ticksPass(d);
    expect(tasksOf(b, w.leadId)).toHaveLength(1);

    await settle(b.kommo.managerReplies(b.scopeId, w.conversation, { type: "text", text: "Ada kak, ready" }));
    await waitFor("the task completed", () => tasksOf(b, w.leadId)[0]?.isCompleted);
    expect(tasksOf(b, w.leadId)[0]!.resultText).toMatch(/reply went to the buyer/);
    await waitFor(
      "the tag removed",
      () =>
        !b.kommo
          .leads()
          .find((l) => l.id === w.leadId)
          ?.tags.includes("reply overdue"),
    );
    expect(tasksOf(b, w.leadId)).toHaveLength(1);
    const metrics = await settle(fetch(`${d.url}/metrics`).then((r) => r.text()));
    expect(metrics).toMatch(/tokokommo_reply_overdue_tasks_total\{source="tiktokshop",shop="[^"]+"\} 1/);
  }, 30_000);

  it("a reply typed in Seller Center and mirrored counts as a reply", async () => {
    const b = await startBed();
    const d = await runDaemon(b);
    const w = await buyerWaits(b, "7002", "Bisa COD?");
    skew = 500 * MIN;
    await waitFor("the overdue task", () => tasksOf(b, w.leadId)[0]);
    b.tiktokshop.agentSendsInSellerCenter(w.conversationId, "Bisa kak");
    await waitFor("the mirrored reply in Kommo", () =>
      b.kommo.received(b.scopeId).find((m) => m.text === "Bisa kak"),
    );
    await waitFor("the task completed", () => tasksOf(b, w.leadId)[0]?.isCompleted);
    const waiting = await settle(d.state.replyWaits.waitingNow("tiktokshop", b.shopId));
    expect(waiting.count).toBe(0);
  }, 30_000);

  it("a restart loses nothing: overdue after downtime is handled at once, and never twice", async () => {
    const b = await startBed();
    const d1 = await runDaemon(b);
    const w = await buyerWaits(b, "7003", "Halo?");
    await settle(d1.stop());
    daemon = undefined;
    skew = 600 * MIN; // the daemon was down past the warning time
    const d2 = await runDaemon(b);
    await waitFor("the overdue task right after the start", () => tasksOf(b, w.leadId)[0]);
    await settle(d2.stop());
    daemon = undefined;
    const d3 = await runDaemon(b);
    await ticksPass(d3);
    expect(tasksOf(b, w.leadId)).toHaveLength(1);
  }, 30_000);

  it("a create whose answer was lost is found by its marker, not made twice", async () => {
    const b = await startBed();
    const d = await runDaemon(b);
    const w = await buyerWaits(b, "7004", "Stok?");
    b.kommo.dropNext(1, {
      host: "rest",
      method: "POST",
      pathEndsWith: "/api/v4/tasks",
      afterProcessing: true,
    });
    skew = 481 * MIN;
    await waitFor("the task made (answer lost)", () => tasksOf(b, w.leadId)[0]);
    await ticksPass(d);
    const ref = { source: "tiktokshop" as const, shopId: b.shopId, roomId: w.conversationId };
    expect((await d.state.replyWaits.get(ref))?.taskState).toBe("creating");
    skew += 1 * MIN; // past the reconcile delay
    for (let i = 0; i < 20 && (await d.state.replyWaits.get(ref))?.taskState !== "open"; i++)
      await ticksPass(d);
    expect((await d.state.replyWaits.get(ref))?.taskId).toBe(tasksOf(b, w.leadId)[0]!.id);
    expect(tasksOf(b, w.leadId)).toHaveLength(1);
  }, 30_000);

  it("50 overdue conversations at once: one task each, Kommo REST within 7 requests per second", async () => {
    const b = await startBed();
    await runDaemon(b);
    const waits = [];
    for (let i = 0; i < 50; i++) waits.push(await buyerWaits(b, `80${i}`, `Pesan ${i}`));
    skew = 481 * MIN;
    await waitFor("50 tasks", () => b.kommo.tasks().length >= 50, 90_000);
    for (const w of waits) expect(tasksOf(b, w.leadId)).toHaveLength(1);
    const refused = b.kommo
      .requestLog()
      .filter((r) => r.host === "rest" && (r.status === 429 || r.status === 403));
    expect(refused).toEqual([]);
    expect(b.kommo.maxRequestsInWindow({ host: "rest", windowMs: 1000 })).toBeLessThanOrEqual(7);
  }, 60_000);

  it("fetches the platform's Customer Service figures at most once a day, across restarts, counted as a CS call", async () => {
    const b = await startBed();
    const perfCalls = () =>
      b.tiktokshop.calls().filter((c) => c.path === "/customer_service/202407/performance" && c.code === 0);
    const d1 = await runDaemon(b);
    const w = await buyerWaits(b, "7005", "Halo kak");
    b.tiktokshop.agentSendsInSellerCenter(w.conversationId, "Halo juga");
    await waitFor("the figures fetched", () => perfCalls().length === 1);
    await ticksPass(d1);
    await settle(d1.stop());
    daemon = undefined;
    const d2 = await runDaemon(b);
    await ticksPass(d2);
    expect(perfCalls()).toHaveLength(1);
    skew = 25 * 60 * MIN;
    await waitFor("the figures fetched again a day later", () => perfCalls().length === 2);
    await ticksPass(d2);
    expect(perfCalls()).toHaveLength(2);
    await settle(d2.stop());
    daemon = undefined;
    const status = await settle(
      statusCommand({ state: await stateOf(b) }, { config: b.configPath }),
      "tokokommo status",
    );
    const line = (status.json as { shops: Array<{ replies: ReplyStatus; quota?: { used: number } }> })
      .shops[0]!;
    expect(line.replies.platform).toMatchObject({
      sessions: 1,
      responsePercentage: 100,
      satisfactionPercentage: 100,
    });
    const csCalls = b.tiktokshop.calls().filter((c) => c.path.startsWith("/customer_service/")).length;
    expect(line.quota?.used).toBe(csCalls);
    expect(status.text).toContain("platform (");
  }, 30_000);
});
