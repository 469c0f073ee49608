/**
 * The REST client's routing calls against the simulator (real HTTP, 7/s limit on): pipelines, users (403 as
 * `refused` for a non-admin token), sources filtered, created in calls of at most 50 and patched, and a 403 on
 * the Sources API as TK_ERR_KOMMO_SOURCES_REFUSED.
 */
import { describe, expect, it } from "vitest";
import { KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import { useKommoSimulator } from "../helpers/kommo-simulator.js";

const kommo = useKommoSimulator();
let n = 0;

function account() {
  const a = kommo.sim.addAccount();
  const rest = new KommoRestClient({
    baseUrl: kommo.sim.url,
    auth: { kind: "longLived", token: kommo.sim.longLivedToken(a.id) },
    tokenKey: `routing-${++n}`,
    limiter: new KommoRateLimiter(),
  });
  return { a, rest };
}

describe("REST client: pipelines, users, sources", () => {
  it("lists pipelines with their incoming and first stages, and users", async () => {
    const { a, rest } = account();
    const p = kommo.sim.routing.addPipeline(a.id, { name: "Shop B" });
    const u = kommo.sim.routing.addUser(a.id, { name: "Rina", active: false });
    const pipelines = await rest.pipelines();
    expect(pipelines.map((x) => [x.name, x.isMain])).toEqual([
      ["Funil de vendas", true],
      ["Shop B", false],
    ]);
    expect(pipelines[1]).toMatchObject({ id: p.id, isArchive: false, isUnsortedOn: true });
    expect(pipelines[1]?.incomingStageId).toBeTypeOf("number");
    expect(pipelines[1]?.firstStageId).not.toBe(pipelines[1]?.incomingStageId);
    const users = await rest.users();
    expect("users" in users && users.users.map((x) => [x.id, x.isActive])).toEqual([
      [a.currentUserId, true],
      [u.id, false],
    ]);
    kommo.sim.routing.setRights(a.id, { admin: false });
    const refused = await rest.users();
    expect("refused" in refused && refused.refused.code).toBe("TK_ERR_KOMMO_BLOCKED");
  });

  it("creates 60 sources in two calls, finds them by external_id in one, patches a pipeline", async () => {
    const { a, rest } = account();
    const main = kommo.sim.routing.pipelines(a.id)[0]?.id ?? 0;
    const other = kommo.sim.routing.addPipeline(a.id).id;
    const items = Array.from({ length: 60 }, (_, i) => ({
      name: `S${i}`,
      externalId: `e${i}`,
      pipelineId: main,
    }));
    const before = kommo.sim.requestLog().length;
    const made = await rest.createSources(items);
    expect(made.map((s) => s.externalId)).toEqual(items.map((s) => s.externalId));
    expect(kommo.sim.requestLog().length - before).toBe(2);
    const found = await rest.sources(["e3", "e59", "missing"]);
    expect(found.map((s) => s.externalId).sort()).toEqual(["e3", "e59"]);
    expect(await rest.sources(["missing"])).toEqual([]);
    await rest.updateSources([{ id: found[0]?.id ?? 0, name: "S3", pipelineId: other }]);
    expect(kommo.sim.routing.sources(a.id).filter((s) => s.pipelineId === other)).toHaveLength(1);
  });

  it("turns a 403 of the Sources API into TK_ERR_KOMMO_SOURCES_REFUSED with a fix", async () => {
    const { a, rest } = account();
    kommo.sim.routing.setRights(a.id, { leadSources: false });
    for (const call of [
      () => rest.sources(["x"]),
      () => rest.createSources([{ name: "x", externalId: "x", pipelineId: 1 }]),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e as { code?: string; fix?: string },
      );
      expect(err?.code).toBe("TK_ERR_KOMMO_SOURCES_REFUSED");
      expect(err?.fix).toContain("lead_sources");
    }
  });
});
