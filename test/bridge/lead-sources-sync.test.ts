/**
 * syncLeadSources against the Kommo simulator (real HTTP): an outage at start leaves the account on the fallback
 * only until retryLeadSources succeeds; a refusal (403) is not retried; a shop without a pipeline sends no source.
 */
import { describe, expect, it } from "vitest";
import { retryLeadSources, shopSourceId, syncLeadSources } from "../../src/bridge/lead-sources.js";
import type { KommoAccountBinding, ShopBinding } from "../../src/bridge/topology.js";
import { KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { useKommoSimulator } from "../helpers/kommo-simulator.js";
import { waitFor } from "../helpers/wait.js";

const kommoSim = useKommoSimulator();
let n = 0;

/** An account binding with a REST client, and shops of it routed to a new pipeline (undefined: not routed). */
function world(routedShops: boolean[]) {
  const a = kommoSim.sim.addAccount();
  const pipelineId = kommoSim.sim.routing.addPipeline(a.id).id;
  const rest = new KommoRestClient({
    baseUrl: kommoSim.sim.url,
    auth: { kind: "longLived", token: kommoSim.sim.longLivedToken(a.id) },
    tokenKey: `sync-${++n}`,
    limiter: new KommoRateLimiter(),
  });
  const kommo = {
    name: `acc${n}`,
    scopeId: "s",
    channelSecret: "x",
    chats: {},
    rest,
  } as unknown as KommoAccountBinding;
  const shops = routedShops.map(
    (routed, i) =>
      ({
        source: "tokopedia",
        shopId: `${n}0${i}`,
        shopName: `Shop ${i}`,
        kommo,
        routing: { ...(routed ? { pipelineId } : {}), leadTags: [], autoAccept: false },
      }) as unknown as ShopBinding,
  );
  return { a, kommo, shops, pipelineId };
}

describe("lead sources sync", () => {
  it("falls back during an outage at start, and a retry brings the sources once Kommo answers", async () => {
    const { a, kommo, shops, pipelineId } = world([true, false]);
    kommoSim.sim.failNext(1, { host: "rest", pathEndsWith: "/api/v4/sources", status: 503 });
    await syncLeadSources(shops);
    expect(kommo.leadSources).toMatchObject({ mode: "moved", retryable: true });
    expect(shopSourceId(shops[0]!)).toBeUndefined();
    const halt = new AbortController();
    try {
      retryLeadSources(() => shops, halt.signal, { everyMs: 20 });
      await waitFor("sources after the retry", () => kommo.leadSources?.mode === "sources");
    } finally {
      halt.abort();
    }
    expect(kommoSim.sim.routing.sources(a.id).map((s) => s.pipelineId)).toEqual([pipelineId]);
    expect(shopSourceId(shops[0]!)).toBe(`tk:tokopedia:${shops[0]!.shopId}`);
    expect(shopSourceId(shops[1]!)).toBeUndefined();
  });

  it("does not retry a refusal", async () => {
    const refused = world([true]);
    kommoSim.sim.routing.setRights(refused.a.id, { leadSources: false });
    const outage = world([true]);
    kommoSim.sim.failNext(1, { host: "rest", pathEndsWith: "/api/v4/sources", status: 503 });
    await syncLeadSources([...outage.shops, ...refused.shops]);
    expect(refused.kommo.leadSources).toMatchObject({ mode: "moved", code: "TK_ERR_KOMMO_SOURCES_REFUSED" });
    expect(refused.kommo.leadSources).not.toHaveProperty("retryable");
    const halt = new AbortController();
    try {
      retryLeadSources(() => [...outage.shops, ...refused.shops], halt.signal, { everyMs: 20 });
      // The outage account recovering proves the retry ran; the refused account was not asked again.
      await waitFor("the retry", () => outage.kommo.leadSources?.mode === "sources");
    } finally {
      halt.abort();
    }
    const asked = kommoSim.sim
      .requestLog()
      .filter((r) => r.accountId === refused.a.id && r.path === "/api/v4/sources");
    expect(asked).toHaveLength(1);
    expect(refused.kommo.leadSources?.mode).toBe("moved");
  });
});
