/**
 * Crash test of `serve` replicas, over real HTTP with the built binary: two replicas on one PostgreSQL database
 * behind a round-robin load balancer (test/helpers/replica-balancer.ts). 2,000 buyer messages over 100
 * conversations come in as Tokopedia webhooks and 300 manager replies as Kommo reply webhooks, while a replica is
 * SIGKILLed at random points of the stream (at least 6 times) and restarted a random while later; the webhooks go
 * to whichever replica is up, and those a dying replica held fail (Kommo never retries a reply webhook, and
 * Tokopedia neither: such a message must come in through a poll sweep).
 *
 * Then, once nothing can still change the outcome: Kommo holds every buyer message exactly once (by msgid and by
 * text) and per conversation in the order the buyer wrote them; Tokopedia holds every acknowledged reply exactly
 * once (an unacknowledged one at most once), per conversation in the order the managers wrote them, and Kommo
 * shows it delivered; Kommo REST (the lead tags of 100 new chats, from both replicas) never saw more than 7
 * requests in a second, nor refused one.
 *
 * The kill points come from a seeded generator: the seed is printed with the diagnostics of a failed run, and
 * TK_REPLICAS_CRASH_SEED replays the schedule (the timing around it differs from run to run).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { marketplaceJobsIn, type StateJobs } from "../helpers/jobs.js";
import { type LagRecorder, recordLag } from "../helpers/lag-recorder.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";
import { type ReplicaBalancer, startReplicaBalancer } from "../helpers/replica-balancer.js";
import { ReplicaChaos, seededRandom } from "../helpers/replica-chaos.js";
import { type ReplicaSet, startReplicaSet } from "../helpers/replica-set.js";
import { waitFor } from "../helpers/wait.js";

const REPLICAS = 2;
const CONVERSATIONS = 100;
const BUYER_MESSAGES = 2_000;
const REPLIES = 300;
const MIN_KILLS = 6;
/** Buyer messages sent at once (to distinct conversations): one step of the stream. */
const STEP = 10;
const STEPS = BUYER_MESSAGES / STEP;
/** The stream's pace: one step every 150 ms at most, 2,000 messages in about 30 s (the kills need time to land). */
const STEP_MS = 150;
/** Replies start once every conversation has had a few buyer messages (a reply needs its chat in Kommo). */
const FIRST_REPLY_STEP = 24;
/** Kommo's REST limit per account, and the bridge's window for it (1 s plus a margin for jitter). */
const KOMMO_REST_PER_SECOND = 7;
const KOMMO_LIMITER_WINDOW_MS = 1100;
/** Kommo's delivery status "delivered". */
const DELIVERED = 1;

interface ReplyRecord {
  n: number;
  room: number;
  text: string;
  amojoId: string;
  /** Kommo's webhook for it was answered 200: the bridge took it. */
  acknowledged: boolean;
}

/** What a run sent, and what happened to the replicas meanwhile. */
interface StreamRun {
  /** Tokopedia's room (msg_id) of each conversation, by its number. */
  roomIds: string[];
  replies: ReplyRecord[];
}

/**
 * Sends the stream: STEPS steps of STEP buyer messages (to distinct conversations, so each conversation's stay in
 * order), REPLIES manager replies spread over the steps from FIRST_REPLY_STEP on, with `chaos` killing and
 * restarting replicas between steps (and after the last, should fewer than MIN_KILLS kills have fitted). `run`
 * records what was sent as it goes, for the checks and for the diagnostics of a run that failed half way.
 */
async function driveStream(
  bed: Testbed,
  o: { chaos: ReplicaChaos; run: StreamRun; rand: () => number },
): Promise<void> {
  const { chaos, run } = o;
  const shopId = bed.shops[0]!.shopId;
  const conversationOf = (room: number) => `tkp:${shopId}:${run.roomIds[room]}`;
  const chatInKommo = (room: number) =>
    run.roomIds[room] !== undefined &&
    bed.kommo.chats(bed.scopeId).some((c) => c.conversationId === conversationOf(room));

  async function buyerWrites(i: number): Promise<void> {
    const room = i % CONVERSATIONS;
    const text = `pesan ${i} kamar ${room}`;
    const sent = await bed.tokopedia.buyerSends(shopId, `rc-buyer-${room}`, text, {
      buyerName: `Buyer ${room}`,
    });
    run.roomIds[room] = sent.msgId;
  }

  async function managerWrites(n: number): Promise<void> {
    // 37 is prime to 100: the replies go round every conversation, about three each. A conversation whose chat
    // Kommo does not have yet (its first message waits for a sweep) passes its turn to the next one.
    const turn = (k: number) => ((n + k) * 37) % CONVERSATIONS;
    const free = () => {
      const room = Array.from({ length: CONVERSATIONS }, (_, k) => turn(k)).find(chatInKommo);
      return room === undefined ? undefined : { room };
    };
    // No chat in Kommo at all: the one replica is down (a run of one); bring it back rather than wait for the step.
    if (!free()) chaos.restartDown();
    const { room } = await waitFor("a conversation's chat in Kommo", free, 30_000);
    const text = `balasan ${n} kamar ${room}`;
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, conversationOf(room), { type: "text", text });
    const hook = bed.kommo.webhookDeliveries().find((d) => d.amojoMessageId === amojoId);
    run.replies.push({ n, room, text, amojoId, acknowledged: hook?.status === 200 });
  }

  let repliesSent = 0;
  const started = Date.now();
  for (let step = 0; step < STEPS; step++) {
    const wait = started + step * STEP_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const work: Promise<void>[] = [];
    for (let k = 0; k < STEP; k++) work.push(buyerWrites(step * STEP + k));
    const due = Math.floor(((step + 1 - FIRST_REPLY_STEP) * REPLIES) / (STEPS - FIRST_REPLY_STEP));
    if (step >= FIRST_REPLY_STEP && repliesSent < due) work.push(managerWrites(repliesSent++));
    // A kill lands a random few ms into the step, while its webhooks are on the wire or being committed.
    const into = Math.floor(o.rand() * 40);
    work.push(new Promise((r) => setTimeout(r, into)).then(() => chaos.onStep(step)));
    await Promise.all(work);
  }
  while (repliesSent < REPLIES) await managerWrites(repliesSent++);
  await chaos.finish(MIN_KILLS);
}

/** Every buyer message in Kommo exactly once (by msgid and by text), per conversation in the order written. */
function expectBuyerMessagesOnceInOrder(bed: Testbed, run: StreamRun): void {
  const conversationOf = (room: number) => `tkp:${bed.shops[0]!.shopId}:${run.roomIds[room]}`;
  const got = bed.kommo.received(bed.scopeId).filter((m) => m.direction === "in");
  expect(got).toHaveLength(BUYER_MESSAGES);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(BUYER_MESSAGES);
  expect(new Set(got.map((m) => m.text)).size).toBe(BUYER_MESSAGES);
  const byConversation = new Map<string, number[]>();
  for (const m of got) {
    const match = /^pesan (\d+) kamar (\d+)$/.exec(m.text);
    expect(match, `unexpected text ${m.text}`).not.toBeNull();
    expect(m.conversationId).toBe(conversationOf(Number(match![2])));
    byConversation.set(m.conversationId, [
      ...(byConversation.get(m.conversationId) ?? []),
      Number(match![1]),
    ]);
  }
  expect(byConversation.size).toBe(CONVERSATIONS);
  for (const [conversation, seq] of byConversation) {
    expect(seq, `order in ${conversation}`).toEqual([...seq].sort((a, b) => a - b));
    expect(seq).toHaveLength(BUYER_MESSAGES / CONVERSATIONS);
  }
}

/**
 * Every acknowledged reply in Tokopedia exactly once and shown delivered in Kommo; no reply twice; per
 * conversation in the order the managers wrote them; none imported back into Kommo as a shop message.
 */
function expectAcknowledgedRepliesOnce(bed: Testbed, run: StreamRun): void {
  expect(run.replies).toHaveLength(REPLIES);
  const acknowledged = run.replies.filter((r) => r.acknowledged);
  // Only the replies whose webhook a dying replica held may go unacknowledged.
  expect(acknowledged.length).toBeGreaterThan(REPLIES / 2);
  for (let room = 0; room < CONVERSATIONS; room++) {
    const posted = bed.tokopedia.shopReplies(run.roomIds[room]!);
    const numbers = posted.map((t) => Number(/^balasan (\d+) kamar \d+$/.exec(t)?.[1] ?? Number.NaN));
    expect(new Set(numbers).size, `a reply twice in conversation ${room}: ${posted}`).toBe(numbers.length);
    expect(numbers, `reply order in conversation ${room}`).toEqual([...numbers].sort((a, b) => a - b));
    for (const r of acknowledged.filter((x) => x.room === room)) {
      const what = `acknowledged reply ${r.n} (${r.amojoId})`;
      expect(
        posted.filter((t) => t === r.text),
        what,
      ).toHaveLength(1);
      const statuses = bed.kommo.deliveryStatuses(r.amojoId).map((s) => s.status);
      expect(statuses.length, `${what}: a delivery status`).toBeGreaterThan(0);
      expect(
        statuses.filter((s) => s !== DELIVERED),
        `${what}: only "delivered"`,
      ).toEqual([]);
    }
  }
  expect(bed.kommo.received(bed.scopeId).filter((m) => m.text.startsWith("balasan "))).toEqual([]);
}

/** Kommo REST never refused a call, and never saw more than 7 in a second from both replicas together. */
function expectRestWithinBudget(bed: Testbed, longestStallMs: number): void {
  const rest = bed.kommo.requestLog().filter((r) => r.host === "rest");
  // The lead tags of 100 new chats (several calls each) keep the budget in use for most of the run.
  expect(rest.length).toBeGreaterThanOrEqual(CONVERSATIONS / 2);
  // The simulator stamps arrivals when this process's event loop gets to them: a stall here bunches the stamps
  // of requests sent further apart, which eats into the bridge's margin first (as in test/e2e/faults.test.ts).
  const windowMs = Math.min(1000, KOMMO_LIMITER_WINDOW_MS - longestStallMs);
  const peak = bed.kommo.maxRequestsInWindow({ host: "rest", accountId: bed.accountId, windowMs });
  expect(peak, `Kommo REST arrivals in the busiest ${Math.round(windowMs)} ms`).toBeLessThanOrEqual(
    KOMMO_REST_PER_SECOND,
  );
  expect(rest.filter((r) => r.status === 429 || r.status === 403)).toEqual([]);
}

describe("replicas crash: two serve replicas on one PostgreSQL", () => {
  let pgServer: TestPostgres | undefined;
  let stateUrl: string;
  let jobs: StateJobs | undefined;
  let bed: Testbed | undefined;
  let balancer: ReplicaBalancer | undefined;
  let replicas: ReplicaSet | undefined;
  let lag: LagRecorder | undefined;
  const stalls = monitorEventLoopDelay({ resolution: 10 });

  beforeAll(async () => {
    pgServer = await startPostgres();
    stateUrl = await pgServer.createDatabase();
    bed = await startTestbed({
      mode: "hybrid",
      // The floor of the setting: a message whose webhook a dying replica held comes in with the next sweep.
      pollIntervalSeconds: 5,
      // Each new chat's lead is accepted and tagged by the bridge: Kommo REST calls from both replicas.
      shopSettings: { autoAccept: true },
      // 300 replies in about a minute need more than Tokopedia's default 5 calls a second for the reply endpoint.
      tokopedia: { rateLimit: { perSecond: 20, burst: 20 } },
    });
  }, 60_000);

  afterAll(async () => {
    lag?.stop();
    await replicas?.killAll();
    await balancer?.close();
    await jobs?.close();
    await bed?.close();
    await pgServer?.stop();
  });

  async function printDiagnostics(seed: number, chaos: ReplicaChaos | undefined): Promise<void> {
    const b = bed!;
    console.log(`seed ${seed} (TK_REPLICAS_CRASH_SEED replays it); kills: ${chaos?.kills.join(", ")}`);
    console.log(
      "replicas up:",
      Array.from({ length: REPLICAS }, (_, i) => replicas?.isUp(i)),
      "events:",
      replicas?.events().map((e) => `${new Date(e.at).toISOString()} replica ${e.replica} ${e.what}`),
    );
    console.log(
      `buyer messages in Kommo: ${b.kommo.countReceived(b.scopeId, "in")}; balancer answered by`,
      balancer?.answeredBy(),
      "502s",
      balancer?.failed(),
      balancer?.errors(),
    );
    try {
      console.log(await jobs?.summary());
      console.log(await jobs?.openSample(10));
    } catch (err) {
      console.log("the jobs table could not be read:", err);
    }
    for (let i = 0; i < REPLICAS; i++) console.log(`replica ${i}:\n${replicas?.logTail(i, 25)}`);
    console.log(`longest event-loop stall of the test process: ${Math.round(stalls.max / 1e6)} ms`);
    const rest = b.kommo.requestLog().filter((r) => r.host === "rest");
    for (const refused of rest.filter((r) => r.status === 429 || r.status === 403).slice(0, 3)) {
      const near = (at: number) => at > refused.at - KOMMO_LIMITER_WINDOW_MS && at <= refused.at;
      console.log(
        `REST ${refused.status} at ${refused.at}; the arrivals of the 1.1 s before it:`,
        rest
          .filter((r) => near(r.at))
          .map((r) => `${r.at - refused.at} ms ${r.method} ${r.path} ${r.status}`),
        "event-loop stalls around it:",
        lag
          ?.between(refused.at - KOMMO_LIMITER_WINDOW_MS, refused.at + 1_000)
          .map((x) => `${x.at - refused.at} ms ${x.who} ${x.ms} ms`),
        "replica events around it:",
        (replicas?.events() ?? [])
          .filter((e) => e.at > refused.at - 5_000 && e.at <= refused.at + 1_000)
          .map((e) => `${e.at - refused.at} ms replica ${e.replica} ${e.what}`),
      );
    }
  }

  it("SIGKILLs at random points: every message once and in order, every acknowledged reply once, REST ≤ 7/s", async () => {
    const b = bed!;
    const seed = Number(process.env.TK_REPLICAS_CRASH_SEED ?? Date.now() % 2 ** 31);
    const rand = seededRandom(seed);
    stalls.enable();
    replicas = await startReplicaSet({
      configPath: b.configPath,
      count: REPLICAS,
      args: ["--state", stateUrl],
    });
    const set = replicas;
    lag = recordLag({ replicaUrls: () => set.urls.map((u, i) => (set.isUp(i) ? u : undefined)), minMs: 50 });
    jobs = await marketplaceJobsIn(stateUrl);
    balancer = await startReplicaBalancer(replicas.urls);
    await b.connectDaemon(balancer.url);

    const run: StreamRun = { roomIds: [], replies: [] };
    const chaos = new ReplicaChaos({ set, rand, upSteps: [4, 12], downSteps: [2, 12], maxKills: 10 });
    try {
      await driveStream(b, { chaos, run, rand });
      expect(chaos.kills.length).toBeGreaterThanOrEqual(MIN_KILLS);
      const arrived = () => b.kommo.countReceived(b.scopeId, "in") >= BUYER_MESSAGES;
      await waitFor(`all ${BUYER_MESSAGES} buyer messages in Kommo`, arrived, 60_000);
      // Nothing can still add a message or a reply: no sync, delivery or status job open on either replica.
      await jobs.waitForNoneOpen(30_000);
      expectBuyerMessagesOnceInOrder(b, run);
      expectAcknowledgedRepliesOnce(b, run);
      stalls.disable();
      expectRestWithinBudget(b, stalls.max / 1e6);
      console.log(
        `seed ${seed}: ${chaos.kills.length} kills (${chaos.kills.join(", ")}); replies acknowledged`,
        `${run.replies.filter((r) => r.acknowledged).length}/${REPLIES}; balancer 502s ${balancer.failed()};`,
        `Kommo REST ${b.kommo.requestLog().filter((r) => r.host === "rest").length} calls`,
      );
    } catch (e) {
      await printDiagnostics(seed, chaos);
      throw e;
    }
  }, 150_000);
});
