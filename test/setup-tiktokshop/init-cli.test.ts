/** `tokokommo init --source tiktokshop`: the interactive steps, answered through the prompt wrapper. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCommand } from "../../src/cli/commands/init.js";
import { INTERRUPT, scriptedPrompter } from "../../src/cli/prompts.js";
import { loadConfig } from "../../src/config/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";

let bed: TikTokShopTestbed;
beforeAll(async () => {
  bed = await startTikTokShopTestbed();
});
afterAll(async () => {
  await bed?.close();
});

describe("init --source tiktokshop", () => {
  it("binds a new seller's shops from a pasted authorization code and writes the config", async () => {
    const seller = bed.tiktokshop.createSeller({ name: "toko-dua", shops: [{ name: "toko-dua" }] });
    const code = bed.tiktokshop.authorize(seller.openId);
    const lines: string[] = [];
    const prompter = scriptedPrompter({
      "tiktokshop.app": "tts",
      "tiktokshop.codeReturn": "paste",
      "tiktokshop.authCode": code,
      "tiktokshop.shops": "",
    });
    const res = await initCommand({ source: "tiktokshop" }, { config: bed.configPath }, [], {
      prompter,
      write: (t) => lines.push(t),
    });
    expect(res.exitCode).toBe(0);
    expect(res.text).toContain("bound 1 Tokopedia & Shop shop(s)");
    const config = loadConfig(bed.configPath, {});
    expect(config.shops.map((s) => s.shopId)).toContain(seller.shops[0]!.id);
    expect(JSON.stringify(res.json)).not.toContain(bed.tiktokshop.appSecret);
  });

  it("Ctrl-C at a prompt leaves the config byte-identical", async () => {
    const before = readFileSync(bed.configPath);
    const prompter = scriptedPrompter({
      "tiktokshop.app": "tts",
      "tiktokshop.codeReturn": INTERRUPT,
    });
    await expect(
      initCommand({ source: "tiktokshop" }, { config: bed.configPath }, [], { prompter, write: () => {} }),
    ).rejects.toMatchObject({ code: "TK_ERR_SETUP_INTERRUPTED" });
    expect(readFileSync(bed.configPath).equals(before)).toBe(true);
  });
});
