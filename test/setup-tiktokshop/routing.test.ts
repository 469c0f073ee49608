/**
 * The routing keys of Tokopedia & Shop shops: `init --source tiktokshop` offers the Kommo account's pipelines and
 * users; `shops add --source tiktokshop` takes --pipeline, --responsible-user and --lead-tag. Only the shops the run
 * binds get them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCommand } from "../../src/cli/commands/init.js";
import { shopsAddCommand } from "../../src/cli/commands/shops.js";
import { scriptedPrompter } from "../../src/cli/prompts.js";
import { loadConfig } from "../../src/config/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";

let bed: TikTokShopTestbed;
let pipeline: number;
let user: number;
beforeAll(async () => {
  bed = await startTikTokShopTestbed();
  pipeline = bed.kommo.routing.addPipeline(bed.accountId, { name: "TTS shops" }).id;
  user = bed.kommo.routing.addUser(bed.accountId, { name: "Dewi" }).id;
});
afterAll(async () => {
  await bed?.close();
});

const shop = (id: string | undefined) => loadConfig(bed.configPath, {}).shops.find((s) => s.shopId === id);

describe("routing keys of Tokopedia & Shop shops", () => {
  it("init --source tiktokshop: chosen among the account's pipelines and users", async () => {
    const seller = bed.tiktokshop.createSeller({ name: "toko-tiga", shops: [{ name: "toko-tiga" }] });
    const prompter = scriptedPrompter({
      "tiktokshop.app": "tts",
      "tiktokshop.codeReturn": "paste",
      "tiktokshop.authCode": bed.tiktokshop.authorize(seller.openId),
      "tiktokshop.shops": "",
      "routing.pipeline": String(pipeline),
      "routing.responsibleUser": String(user),
      "routing.leadTags": "tts",
    });
    const res = await initCommand({ source: "tiktokshop" }, { config: bed.configPath }, [], {
      prompter,
      write: () => undefined,
    });
    expect(res.exitCode).toBe(0);
    expect(shop(seller.shops[0]?.id)).toMatchObject({
      pipelineId: pipeline,
      responsibleUserId: user,
      leadTags: ["tts"],
    });
  });

  it("shops add --source tiktokshop: the flags, checked first (an unknown pipeline binds nothing)", async () => {
    const seller = bed.tiktokshop.createSeller({ name: "toko-empat", shops: [{ name: "toko-empat" }] });
    const base = { source: "tiktokshop", app: "tts", kommoAccount: bed.config.shops[0]?.kommoAccount };
    await expect(
      shopsAddCommand(
        { ...base, authCode: bed.tiktokshop.authorize(seller.openId), pipeline: "999" },
        { config: bed.configPath },
      ),
    ).rejects.toMatchObject({ code: "TK_ERR_USAGE" });
    expect(shop(seller.shops[0]?.id)).toBeUndefined();
    const res = await shopsAddCommand(
      {
        ...base,
        authCode: bed.tiktokshop.authorize(seller.openId),
        pipeline: String(pipeline),
        leadTag: ["a", "b"],
      },
      { config: bed.configPath },
    );
    expect(res.exitCode).toBe(0);
    expect(shop(seller.shops[0]?.id)).toMatchObject({ pipelineId: pipeline, leadTags: ["a", "b"] });
    expect(shop(seller.shops[0]?.id)?.responsibleUserId).toBeUndefined();
  });
});
