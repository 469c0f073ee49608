/**
 * Incoming leads end to end over real HTTP (Tokopedia simulator -> daemon -> Kommo simulator, Kommo's 7/s REST limit
 * on): the bridge never writes to a lead while it is incoming (the simulator records any such write); once a manager
 * accepts it, the bridge learns it within the check interval and adds the shop and marketplace tags, the shop's
 * leadTags and responsible user, and moves it into the shop's pipeline; an autoAccept shop's lead is accepted by the
 * bridge with its responsible user and enriched at once; a restart while leads are pending loses nothing; a declined
 * lead is dropped; 50 pending leads accepted at once stay within 7 REST calls per second.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts): the Kommo simulator's 7/s window, the daemon's
 * REST pacing and the acceptance checks all read the same fake clock, so each case takes the time its HTTP takes,
 * and a request's arrival is stamped with the time the daemon sent it at.
 */
import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config/index.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import type { SimLead } from "../../src/sim/kommo/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { blockStateLocation, STATE_BACKENDS } from "../helpers/state-backends.js";

const CHECK_MS = 250;
let bed: Testbed | undefined;
let daemon: RunningDaemon | undefined;

const fakeTime = daemonFakeTimeEachTest(async () => {
  await stopDaemonAndBed(daemon, bed);
  daemon = undefined;
  bed = undefined;
});
const { fake: time, waitFor, settle, settleAtRealPace } = fakeTime;
const waitForAsync = (what: string, probe: () => Promise<unknown>, limitMs?: number) =>
  time().until(what, probe, limitMs);

/** Shop 0: a manager accepts its leads (pipeline, user and tags of its own); shop 1: autoAccept. */
function agencyConfig(b: Testbed, pipelineId: number): Config {
  return {
    ...b.config,
    shops: b.config.shops.map((s, i) =>
      i === 0
        ? { ...s, pipelineId, responsibleUserId: 5001, leadTags: ["agency-a"] }
        : { ...s, autoAccept: true, responsibleUserId: 5002, leadTags: ["agency-b"] },
    ),
  };
}

async function start(config: Config): Promise<RunningDaemon> {
  const d = await settle(
    startDaemon({
      config,
      port: 0,
      engine: { baseRetryMs: 50, maxRetryMs: 500, leadAcceptanceCheckMs: CHECK_MS },
    }),
    "the daemon to start",
  );
  await settle(bed!.connectDaemon(d.url));
  return d;
}

/** Where the daemons of a test keep their state (the describe's backend). */
const stateLocation = blockStateLocation();

async function world(): Promise<{ b: Testbed; config: Config; shopPipeline: number }> {
  const b = await settle(
    startTestbed({ mode: "webhook", shops: 2, kommo: { rateLimit: { rps: 7, windowMs: 1000 } } }),
    "the testbed",
  );
  bed = b;
  const shopPipeline = b.kommo.addPipeline(b.accountId, "Shop A").id;
  // The integration may not manage lead sources (no lead_sources location): Kommo makes every lead in the default
  // pipeline and the bridge moves it into the shop's pipeline once it was accepted (the fallback of routing).
  b.kommo.routing.setRights(b.accountId, { leadSources: false });
  const statePath = await stateLocation.ofAtRealPace(b, settleAtRealPace);
  return { b, config: { ...agencyConfig(b, shopPipeline), statePath }, shopPipeline };
}

/** The lead of a buyer's chat, once Kommo made it. */
async function leadOfBuyer(b: Testbed, shop: number, buyer: string): Promise<SimLead> {
  const shopId = b.shops[shop]!.shopId;
  const sent = await settle(b.tokopedia.buyerSends(shopId, buyer, "halo kak", { buyerName: buyer }));
  const chat = await waitFor("the buyer's chat and lead in Kommo", () =>
    b.kommo.chats(b.scopeId).find((c) => c.conversationId === `tkp:${shopId}:${sent.msgId}` && c.leadId),
  );
  return leadNow(b, chat.leadId!)!;
}

const leadNow = (b: Testbed, id: number) => b.kommo.leads().find((l) => l.id === id);
const pendingCount = () => daemon!.state.pendingLeads.count();

describe.each(STATE_BACKENDS)(
  "incoming leads stay incoming until a person accepts them, state in $name",
  (backend) => {
    stateLocation.use(backend);
    it("a new chat's lead is not written while incoming; once a manager accepts it, it gets tags, user and pipeline", async () => {
      const { b, config, shopPipeline } = await world();
      daemon = await start(config);
      const lead = await leadOfBuyer(b, 0, "8101");
      await waitForAsync("the lead recorded as pending", async () => (await pendingCount()) === 1);
      expect(leadNow(b, lead.id)).toMatchObject({ status: "incoming", tags: [] });
      expect(b.kommo.incomingLeadWrites()).toEqual([]);

      b.kommo.acceptLead(lead.id, { userId: 4000 });
      const done = await waitFor("the accepted lead enriched", () => {
        const l = leadNow(b, lead.id);
        return l && l.tags.length >= 3 ? l : undefined;
      });
      expect(done.tags).toEqual(expect.arrayContaining(["kommo-store", "Tokopedia", "agency-a"]));
      expect(done.responsibleUserId).toBe(5001);
      // Kommo made the lead in the default pipeline (sources refused): it is moved to the shop's first ordinary stage.
      expect(done.pipelineId).toBe(shopPipeline);
      expect(done.statusId).toBe(shopPipeline * 10 + 2);
      expect(done.leftIncomingBy).toBe("accept");
      await waitForAsync("nothing pending", async () => (await pendingCount()) === 0);
      expect(b.kommo.incomingLeadWrites()).toEqual([]);
    });

    it("an autoAccept shop's lead is accepted by the bridge with its responsible user and tagged at once", async () => {
      const { b, config } = await world();
      daemon = await start(config);
      const lead = await leadOfBuyer(b, 1, "8201");
      const done = await waitFor("the lead accepted and tagged", () => {
        const l = leadNow(b, lead.id);
        return l?.tags.includes("agency-b") ? l : undefined;
      });
      expect(done).toMatchObject({ status: "open", leftIncomingBy: "accept", responsibleUserId: 5002 });
      expect(done.tags).toEqual(expect.arrayContaining(["kommo-store-2", "Tokopedia", "agency-b"]));
      // Accepted into its own pipeline's first ordinary stage (no pipelineId on this shop: not moved).
      expect(done.pipelineId).toBeUndefined();
      expect(await pendingCount()).toBe(0);
      expect(b.kommo.incomingLeadWrites()).toEqual([]);
    });

    it("autoAccept is idempotent: when the accept's answer is lost, the retry finds the lead accepted and only tags it", async () => {
      const { b, config } = await world();
      daemon = await start(config);
      b.kommo.dropNext(1, { host: "rest", method: "POST", pathEndsWith: "/accept", afterProcessing: true });
      const lead = await leadOfBuyer(b, 1, "8401");
      await waitFor("the lead tagged after the retry", () => leadNow(b, lead.id)?.tags.includes("agency-b"));
      const accepts = b.kommo.requestLog().filter((r) => r.method === "POST" && r.path.endsWith("/accept"));
      expect(accepts).toHaveLength(1);
      expect(leadNow(b, lead.id)).toMatchObject({ leftIncomingBy: "accept", responsibleUserId: 5002 });
      expect(b.kommo.incomingLeadWrites()).toEqual([]);
    });

    it("a restart while a lead is pending loses nothing; a declined lead is dropped without a write", async () => {
      const { b, config } = await world();
      daemon = await start(config);
      const kept = await leadOfBuyer(b, 0, "8301");
      const declined = await leadOfBuyer(b, 0, "8302");
      await waitForAsync("both leads pending", async () => (await pendingCount()) === 2);
      await settle(daemon.stop());
      daemon = undefined;
      b.kommo.acceptLead(kept.id);
      b.kommo.declineLead(declined.id);
      daemon = await start(config);
      await waitFor("the kept lead enriched after the restart", () =>
        leadNow(b, kept.id)?.tags.includes("agency-a"),
      );
      await waitForAsync("nothing pending", async () => (await pendingCount()) === 0);
      expect(b.kommo.incomingLeadWrites()).toEqual([]);
    });

    it("50 pending leads accepted at once: all enriched, REST within 7 calls per second, none written while incoming", async () => {
      const { b, config } = await world();
      daemon = await start(config);
      const N = 50;
      for (let i = 0; i < N; i++) {
        await settle(
          b.tokopedia.buyerSends(b.shops[0]!.shopId, `85${String(i).padStart(2, "0")}`, "halo", {
            buyerName: `Buyer ${i}`,
          }),
        );
      }
      await waitForAsync("50 leads pending", async () => (await pendingCount()) === N, 90_000);
      for (const l of b.kommo.leads()) b.kommo.acceptLead(l.id);
      await waitFor(
        "50 leads enriched",
        () => b.kommo.leads().filter((l) => l.tags.includes("agency-a")).length === N,
        60_000,
      );
      expect(b.kommo.maxRequestsInWindow({ host: "rest" })).toBeLessThanOrEqual(7);
      expect(b.kommo.requestLog().filter((r) => r.host === "rest" && r.status === 429)).toEqual([]);
      expect(b.kommo.incomingLeadWrites()).toEqual([]);
    }, 60_000);
  },
);
