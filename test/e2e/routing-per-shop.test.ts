/**
 * Routing per shop, end to end over real HTTP (Tokopedia simulator -> daemon -> Kommo simulator, limits on): two
 * shops of one Kommo account with a pipeline each get one lead source each at daemon start, and each shop's new
 * chat's incoming lead lands in its own pipeline; a changed pipeline is one PATCH at the next start or reload (new
 * leads only); with the Sources API refused, no source is sent, the leads land in the default pipeline, one warning
 * says why, and doctor names the fallback.
 * On the daemon's fake time (test/helpers/daemon-fake-time.ts): each case takes the time its HTTP takes.
 */
import { describe, expect, it } from "vitest";
import { type StatusReport, statusCommand } from "../../src/cli/commands/status.js";
import { saveConfig } from "../../src/config/index.js";
import type { Config } from "../../src/config/schema.js";
import { loadConfigFile } from "../../src/daemon/config-reload.js";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { runDoctor } from "../../src/doctor/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { stopDaemonAndBed } from "../helpers/connected-daemon.js";
import { daemonFakeTimeEachTest } from "../helpers/daemon-fake-time.js";
import { blockStateLocation, STATE_BACKENDS } from "../helpers/state-backends.js";

let bed: Testbed | undefined;
let daemon: RunningDaemon | undefined;
const warnings: Array<{ msg: string; details?: Record<string, unknown> }> = [];

const { waitFor, settle, settleAtRealPace } = daemonFakeTimeEachTest(async () => {
  await stopDaemonAndBed(daemon, bed);
  daemon = undefined;
  bed = undefined;
  warnings.length = 0;
});

/** Where the daemon of a test keeps its state (the describe's backend). */
const stateLocation = blockStateLocation();
/** The state location of the test's testbed: routed() puts it in every config, and so in the config file. */
let statePathNow = "";

/** A testbed of `shops` shops, with its state location on the describe's backend. */
async function startBed(shops: number): Promise<Testbed> {
  bed = await settle(startTestbed({ mode: "webhook", shops }), "the testbed");
  statePathNow = await stateLocation.ofAtRealPace(bed, settleAtRealPace);
  return bed;
}

/** The daemon on `config`; with `fromFile`, written to the testbed's config file and reloadable from it. */
async function start(b: Testbed, config: Config, fromFile = false): Promise<RunningDaemon> {
  if (fromFile) saveConfig(b.configPath, config);
  const file = fromFile ? loadConfigFile(b.configPath, {}) : undefined;
  daemon = await settle(
    startDaemon({
      config: file?.config ?? config,
      ...(file ? { configFile: { path: b.configPath, hash: file.hash, env: {}, watch: false } } : {}),
      port: 0,
      engine: { baseRetryMs: 50, maxRetryMs: 500 },
      log: (level, msg, details) => {
        if (level === "warn") warnings.push({ msg, ...(details ? { details } : {}) });
      },
    }),
    "the daemon to start",
  );
  await settle(b.connectDaemon(daemon.url));
  return daemon;
}

/** The config with shop i in pipelines[i] (undefined: no pipeline). */
function routed(b: Testbed, pipelines: Array<number | undefined>): Config {
  return {
    ...b.config,
    statePath: statePathNow,
    shops: b.config.shops.map((s, i) => ({
      ...s,
      ...(pipelines[i] !== undefined ? { pipelineId: pipelines[i] } : {}),
    })),
  };
}

/** A buyer writes to shop i; resolves with the chat's incoming lead in Kommo. */
async function leadOfNewChat(b: Testbed, shop: number, buyerId: string) {
  const shopId = b.shops[shop]!.shopId;
  const sent = await settle(
    b.tokopedia.buyerSends(shopId, buyerId, `halo ${buyerId}`, { buyerName: "Budi" }),
  );
  const conversationId = `tkp:${shopId}:${sent.msgId}`;
  const chat = await waitFor(`the lead of ${conversationId}`, () =>
    b.kommo.chats(b.scopeId).find((c) => c.conversationId === conversationId && c.leadId !== undefined),
  );
  const lead = b.kommo.leads().find((l) => l.id === chat.leadId);
  return { chat, lead: lead! };
}

const sourceCalls = (b: Testbed) =>
  b.kommo
    .requestLog()
    .filter((r) => r.path.startsWith("/api/v4/sources"))
    .map((r) => r.method);

describe.each(STATE_BACKENDS)("routing per shop, state in $name", (backend) => {
  stateLocation.use(backend);

  it("puts each shop's new leads in its own pipeline through one Kommo source per shop", async () => {
    const b = await startBed(2);
    const p1 = b.kommo.routing.addPipeline(b.accountId, { name: "Shop one" }).id;
    const p2 = b.kommo.routing.addPipeline(b.accountId, { name: "Shop two" }).id;
    await start(b, routed(b, [p1, p2]));
    expect(sourceCalls(b)).toEqual(["GET", "POST"]);
    const sources = b.kommo.routing.sources(b.accountId);
    expect(sources.map((s) => [s.name, s.pipelineId])).toEqual([
      [b.shops[0]!.name, p1],
      [b.shops[1]!.name, p2],
    ]);
    const one = await leadOfNewChat(b, 0, "8001");
    const two = await leadOfNewChat(b, 1, "8002");
    expect([one.lead.pipelineId, two.lead.pipelineId]).toEqual([p1, p2]);
    expect(one.chat.sourceExternalId).toBe(sources[0]?.externalId);
    expect(warnings).toEqual([]);

    // Shop two moves to the main pipeline: one GET and one PATCH at the next start; its old lead stays.
    await settle(daemon!.stop());
    daemon = undefined;
    const main = b.kommo.routing.pipelines(b.accountId)[0]!.id;
    await start(b, routed(b, [p1, main]));
    expect(sourceCalls(b)).toEqual(["GET", "POST", "GET", "PATCH"]);
    const later = await leadOfNewChat(b, 1, "8003");
    expect(later.lead.pipelineId ?? main).toBe(main);
    expect(b.kommo.leads().find((l) => l.id === two.lead.id)?.pipelineId).toBe(p2);
  });

  it("on a config reload, adds the source of a newly routed shop and repoints a changed one", async () => {
    bed = await settle(startTestbed({ mode: "webhook", shops: 2 }), "the testbed");
    const b = bed;
    const p1 = b.kommo.routing.addPipeline(b.accountId).id;
    const p2 = b.kommo.routing.addPipeline(b.accountId).id;
    const d = await start(b, routed(b, [p1, undefined]), true);
    saveConfig(b.configPath, routed(b, [p2, p1]));
    await settle(d.reload(), "the reload");
    expect(sourceCalls(b)).toEqual(["GET", "POST", "GET", "POST", "PATCH"]);
    expect(b.kommo.routing.sources(b.accountId).map((s) => s.pipelineId)).toEqual([p2, p1]);
    const { lead } = await leadOfNewChat(b, 1, "8201");
    expect(lead.pipelineId).toBe(p1);
    const status = (await settle(statusCommand({ json: true }, { config: b.configPath })))
      .json as StatusReport;
    expect(status.shops.map((x) => x.routing)).toEqual([{ way: "sources" }, { way: "sources" }]);
  });

  it("falls back when Kommo refuses sources: no source sent, default pipeline, one warning, doctor says why", async () => {
    const b = await startBed(1);
    b.kommo.routing.setRights(b.accountId, { leadSources: false });
    const p1 = b.kommo.routing.addPipeline(b.accountId, { name: "Shop one" }).id;
    const config = routed(b, [p1]);
    await start(b, config, true);
    const { chat, lead } = await leadOfNewChat(b, 0, "8101");
    expect(chat.sourceExternalId).toBeUndefined();
    expect(lead.pipelineId).toBeUndefined();
    expect(b.kommo.received(b.scopeId).every((m) => m.direction !== "in" || m.silent === false)).toBe(true);
    expect(warnings.filter((w) => w.msg.startsWith("routing per shop"))).toHaveLength(1);
    expect(warnings[0]?.details?.code).toBe("TK_ERR_KOMMO_SOURCES_REFUSED");

    const report = await settle(runDoctor({ configPath: b.configPath, loaded: { config } }), "doctor");
    const routing = report.checks.find((r) => r.id === "kommo.routing");
    expect(routing?.status).toBe("warn");
    expect(routing?.message).toContain("moved after acceptance");
    expect(routing?.message).toContain("lead_sources");
    const status = await settle(statusCommand({}, { config: b.configPath }));
    expect(status.text).toContain(`routing tokopedia:${b.shops[0]!.shopId}: moved after acceptance, because`);
    expect((status.json as StatusReport).shops[0]?.routing?.why).toContain("lead_sources");
  });
});
