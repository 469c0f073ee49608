/**
 * init and shops add write a shop's routing keys: interactive init offers the Kommo account's pipelines and users
 * (users refused for a non-admin token: type an id); scripted init and shops add take --pipeline,
 * --responsible-user and repeated --lead-tag, checked against the account before anything is written.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initFlagsFrom } from "../../src/cli/commands/init.js";
import { shopsAddCommand } from "../../src/cli/commands/shops.js";
import { loadConfig } from "../../src/config/index.js";
import { runInit } from "../../src/setup/tokopedia/init-flow.js";
import { type InitWorld, startInitWorld } from "./init-world.js";

let w: InitWorld;
let pipeline: number;
let user: number;

beforeAll(async () => {
  w = await startInitWorld();
  pipeline = w.kommo.routing.addPipeline(w.account.id, { name: "Kommo shop" }).id;
  user = w.kommo.routing.addUser(w.account.id, { name: "Rina" }).id;
});
afterAll(async () => {
  await w?.close();
});

/** The first shop of a config init wrote (secrets of scripted runs stay in the env). */
const shopOf = (path: string) => loadConfig(path, w.envSecrets()).shops[0];

describe("init writes the routing keys", () => {
  it("interactive: chosen among the account's pipelines and users, tags typed", async () => {
    const path = w.seed();
    const d = w.deps(path, {
      ...w.interactiveAnswers(),
      "routing.pipeline": String(pipeline),
      "routing.responsibleUser": String(user),
      "routing.leadTags": "vip, agency",
    });
    await runInit({ interactive: true }, d);
    expect(shopOf(path)).toMatchObject({
      pipelineId: pipeline,
      responsibleUserId: user,
      leadTags: ["vip", "agency"],
    });
    expect(d.prompter.asked).toEqual(expect.arrayContaining(["routing.pipeline", "routing.responsibleUser"]));
  });

  it("interactive with a non-admin token: the user id is typed; skipping leaves the keys out", async () => {
    w.kommo.routing.setRights(w.account.id, { admin: false });
    try {
      const path = w.seed();
      await runInit(
        { interactive: true },
        w.deps(path, { ...w.interactiveAnswers(), "routing.responsibleUserId": "123456" }),
      );
      expect(shopOf(path)?.responsibleUserId).toBe(123456);
      const skipped = w.seed();
      await runInit({ interactive: true }, w.deps(skipped, w.interactiveAnswers()));
      const shop = shopOf(skipped);
      expect([shop?.pipelineId, shop?.responsibleUserId, shop?.leadTags]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    } finally {
      w.kommo.routing.setRights(w.account.id, { admin: true });
    }
  });

  it("scripted: --pipeline, --responsible-user, repeated --lead-tag; an unknown pipeline writes nothing", async () => {
    const path = w.seed();
    const routing = { pipeline: String(pipeline), responsibleUser: String(user), leadTag: ["vip", "b2b"] };
    const flags = initFlagsFrom({ ...w.flags(), ...routing }, false);
    await runInit(flags, { ...w.deps(path, {}), env: w.envSecrets() });
    expect(shopOf(path)).toMatchObject({
      pipelineId: pipeline,
      responsibleUserId: user,
      leadTags: ["vip", "b2b"],
    });

    const bad = w.seed();
    const before = readFileSync(bad, "utf8");
    const badFlags = initFlagsFrom({ ...w.flags(), pipeline: "999" }, false);
    await expect(runInit(badFlags, { ...w.deps(bad, {}), env: w.envSecrets() })).rejects.toMatchObject({
      code: "TK_ERR_USAGE",
    });
    expect(readFileSync(bad, "utf8")).toBe(before);
  });
});

describe("shops add writes the routing keys", () => {
  it("takes the flags for the new shop; a user that is not in the account writes nothing", async () => {
    const path = w.seed();
    await runInit({ interactive: true }, w.deps(path, w.interactiveAnswers()));
    const base = { app: "main", shopDomain: "second", kommoAccount: "acme" };
    await expect(shopsAddCommand({ ...base, responsibleUser: "77" }, { config: path })).rejects.toMatchObject(
      {
        code: "TK_ERR_USAGE",
      },
    );
    expect(loadConfig(path, {}).shops.map((s) => s.shopId)).not.toContain(w.shopSecond);
    const added = await shopsAddCommand(
      { ...base, pipeline: String(pipeline), responsibleUser: String(user), leadTag: ["vip"] },
      { config: path },
    );
    expect(added.exitCode).toBe(0);
    const shop = loadConfig(path, {}).shops.find((s) => s.shopId === w.shopSecond);
    expect(shop).toMatchObject({ pipelineId: pipeline, responsibleUserId: user, leadTags: ["vip"] });
    expect(existsSync(path)).toBe(true);
  });
});
