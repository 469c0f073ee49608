/**
 * What a new operator meets in `init` (Tokopedia): what is needed is said up front, a failed step offers the
 * answers just given, a Kommo address works as the subdomain, another bridge's chat webhook is not taken over
 * silently, and a scripted run names every missing flag at once before any platform call.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { kommoSubdomain } from "../../src/setup/kommo-subdomain.js";
import { runInit } from "../../src/setup/tokopedia/init-flow.js";
import { expectUsageError, runCliAsync } from "../helpers/cli.js";
import { type InitWorld, PUBLIC, startInitWorld } from "./init-world.js";

let w: InitWorld;
beforeAll(async () => {
  w = await startInitWorld();
});
afterAll(async () => {
  await w?.close();
});

const OTHER = "https://other-bridge.example.com/webhooks/tokopedia/main";
const OURS = `${PUBLIC}/webhooks/tokopedia/main`;

describe("init, interactive", () => {
  it("says what you will need before the first question", async () => {
    w.lines.length = 0;
    await runInit({ interactive: true }, w.deps(w.seed(), w.interactiveAnswers()));
    const firstStep = w.lines.findIndex((l) => l.startsWith("Step 1/"));
    const before = w.lines.slice(0, firstStep).join("\n");
    expect(before).toContain("You will need");
    for (const thing of ["fs_id", "client secret", "Kommo subdomain", "channel"])
      expect(before).toContain(thing);
  });

  it("a refused step asks again with the answers just given as defaults", async () => {
    const d = w.deps(w.seed(), {
      ...w.interactiveAnswers(),
      "tokopedia.fsId": [String(w.tkp.app.fsId)], // asked twice, answered once: the second time takes the default
      "tokopedia.clientId": ["no-such-client", w.tkp.app.clientId],
      "tokopedia.clientSecret": [w.tkp.app.clientSecret, ""], // empty keeps the secret just given
      "tokopedia.app.retry": true,
    });
    const r = await runInit({ interactive: true }, d);
    expect(r.app).toBe("main");
    const asked = d.prompter.defaults.filter(
      (q) => q.id === "tokopedia.fsId" || q.id === "tokopedia.clientId",
    );
    expect(asked).toEqual([
      { id: "tokopedia.fsId", default: undefined },
      { id: "tokopedia.clientId", default: undefined },
      { id: "tokopedia.fsId", default: String(w.tkp.app.fsId) },
      { id: "tokopedia.clientId", default: "no-such-client" },
    ]);
    expect(loadConfig(r.configPath, {}).tokopedia.apps[0]?.clientSecret).toBe(w.tkp.app.clientSecret);
  });

  it("takes acme.kommo.com or https://acme.kommo.com/ for the Kommo subdomain", async () => {
    for (const typed of ["acme.kommo.com", "https://acme.kommo.com/"]) {
      const r = await runInit(
        { interactive: true },
        w.deps(w.seed(), { ...w.interactiveAnswers(), "kommo.subdomain": typed }),
      );
      expect(loadConfig(r.configPath, {}).kommo.accounts[0]?.subdomain).toBe("acme");
    }
    expect(kommoSubdomain("ACME.kommo.com.")).toBe("acme");
    expect(kommoSubdomain("acme.amocrm.ru")).toBeUndefined();
    expect(kommoSubdomain("")).toBeUndefined();
  });

  it("warns before taking over another bridge's chat webhook; declining writes nothing", async () => {
    await w.registerWebhooks({ chat_notification_url: OTHER });
    const path = w.seed();
    const before = readFileSync(path);
    w.lines.length = 0;
    const no = w.deps(path, { ...w.interactiveAnswers(), "tokopedia.webhookTakeOver": false });
    await expect(runInit({ interactive: true }, no)).rejects.toMatchObject({
      code: "TK_ERR_SETUP_WEBHOOK_IN_USE",
    });
    expect(w.lines.join("\n")).toContain(OTHER);
    expect(no.prompter.asked).not.toContain("kommo.token"); // stopped before Kommo
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(w.tkp.webhookConfig().urls.chat_notification_url).toBe(OTHER);

    const yes = w.deps(path, { ...w.interactiveAnswers(), "tokopedia.webhookTakeOver": true });
    await runInit({ interactive: true }, yes);
    expect(w.tkp.webhookConfig().urls.chat_notification_url).toBe(OURS);
  });
});

describe("init, re-run", () => {
  it("a re-run on a complete config keeps its public URL and registers the chat webhook again", async () => {
    const path = w.seed();
    await runInit({ interactive: true }, w.deps(path, w.interactiveAnswers()));
    await w.registerWebhooks({ chat_notification_url: "" });
    const again = await runInit(
      { interactive: true },
      w.deps(path, { "shop.domain": "second", "kommo.account": "acme" }),
    );
    expect(again.chatWebhookUrl).toBe(OURS);
    expect(w.tkp.webhookConfig().urls.chat_notification_url).toBe(OURS);
    expect(loadConfig(path, {}).server.publicUrl).toBe(PUBLIC);
  });
});

describe("init, scripted", () => {
  it("another bridge's chat webhook needs --take-over-webhook", async () => {
    await w.registerWebhooks({ chat_notification_url: OTHER });
    const path = w.seed();
    const deps = { ...w.deps(path, {}), env: w.envSecrets() };
    await expect(runInit(w.flags(), deps)).rejects.toMatchObject({
      code: "TK_ERR_SETUP_WEBHOOK_IN_USE",
      fix: expect.stringContaining("--take-over-webhook"),
    });
    expect(w.tkp.webhookConfig().urls.chat_notification_url).toBe(OTHER);
    await runInit({ ...w.flags(), takeOverWebhook: true }, deps);
    expect(w.tkp.webhookConfig().urls.chat_notification_url).toBe(OURS);
    // Our own URL is no takeover: a re-run goes through without the flag.
    await runInit(w.flags(), { ...deps, configPath: w.seed() });
  });

  it("the built binary, stdin not a terminal: every missing flag at once, before any platform call", async () => {
    // Endpoints nobody listens on: a platform call would fail with another code than TK_ERR_USAGE.
    const dead = "http://127.0.0.1:9";
    const path = w.seed({ tokopediaAuth: dead, tokopediaApi: dead, kommoApi: dead, kommoChats: dead });
    const before = readFileSync(path);
    const r = await runCliAsync(["--config", path, "init", "--public-url", PUBLIC], {
      TOKOKOMMO_CONFIG: undefined,
    });
    expectUsageError(r, [
      "--fs-id",
      "--client-id",
      "--client-secret (or env TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET)",
      "--shop-domain",
      "--kommo-subdomain",
      "--kommo-token",
      "--channel-id",
      "--channel-secret",
    ]);
    expect(readFileSync(path).equals(before)).toBe(true);

    const json = await runCliAsync(["--config", path, "init", "--no-interactive", "--json"], {
      TOKOKOMMO_CONFIG: undefined,
    });
    expect(json.status).toBe(2);
    const body = JSON.parse(json.stdout) as { error: { code: string; details: { missing: string[] } } };
    expect(body.error.code).toBe("TK_ERR_USAGE");
    expect(body.error.details.missing).toHaveLength(8);
  });
});
