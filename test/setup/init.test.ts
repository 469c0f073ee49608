/**
 * `init` end to end against the simulators: answers from the test through the prompt wrapper, and from flags;
 * a re-run adds a shop; Ctrl-C leaves the old config byte-identical; `shops add/remove`; the built binary.
 */
import { readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCommand } from "../../src/cli/commands/init.js";
import { shopsAddCommand, shopsRemoveCommand } from "../../src/cli/commands/shops.js";
import { INTERRUPT, scriptedPrompter } from "../../src/cli/prompts.js";
import { loadConfig } from "../../src/config/index.js";
import { runInit } from "../../src/setup/tokopedia/init-flow.js";
import { parseShopDomain } from "../../src/setup/tokopedia/shop-domain.js";
import { openStore } from "../../src/store/index.js";
import { runCliAsync } from "../helpers/cli.js";
import { type InitWorld, PUBLIC, startInitWorld } from "./init-world.js";

let w: InitWorld;
let tkp: InitWorld["tkp"];
let kommo: InitWorld["kommo"];
let shopKommo: string;
let shopSecond: string;
let account: InitWorld["account"];
let channel: InitWorld["channel"];
let token: string;
let dir: string;
let lines: string[];
const seed = () => w.seed();
const deps = (configPath: string, script: Parameters<InitWorld["deps"]>[1]) => w.deps(configPath, script);
const interactiveAnswers = () => w.interactiveAnswers();

beforeAll(async () => {
  w = await startInitWorld();
  ({ tkp, kommo, shopKommo, shopSecond, account, channel, token, dir, lines } = w);
  // Other webhook URLs of the app that init must keep.
  await w.registerWebhooks({ order_notification_url: "https://erp.example.com/orders" });
});

/** Spawns the built binary without blocking this process (the simulators live here and must answer). */
const runCli = (args: string[], env: Record<string, string | undefined>) =>
  runCliAsync(args, { XDG_CONFIG_HOME: dir, ...env });

afterAll(async () => {
  await w?.close();
});

describe("parseShopDomain", () => {
  it("takes the shop part of URLs and domains", () => {
    expect(parseShopDomain("tokopedia.com/kommo")).toBe("kommo");
    expect(parseShopDomain("https://www.tokopedia.com/Kommo/kaos?x=1")).toBe("kommo");
    expect(parseShopDomain("kommo")).toBe("kommo");
    expect(() => parseShopDomain("tokopedia.com/")).toThrow(/not a Tokopedia shop/);
  });
});

describe("init, interactive (answers through the prompt wrapper)", () => {
  it("verifies every step live and writes a valid 0600 config", async () => {
    const path = seed();
    const d = deps(path, interactiveAnswers());
    const r = await runInit({ interactive: true }, d);
    expect(r.shop).toEqual({ shopId: shopKommo, name: "Kommo Official", added: true });
    expect(r.scopeId).toBe(`${channel.id}_${account.amojoId}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const cfg = loadConfig(path, {});
    expect(cfg.shops).toEqual([
      { source: "tokopedia", shopId: shopKommo, app: "main", kommoAccount: "acme", name: "kommo" },
    ]);
    expect(cfg.kommo.accounts[0]?.amojoId).toBe(account.amojoId);
    expect(cfg.kommo.accounts[0]?.scopeId).toBe(r.scopeId);
    expect(kommo.connection(r.scopeId)?.connected).toBe(true);
    // Webhook registered without erasing the app's other URL; its secret is the config's.
    const wh = tkp.webhookConfig();
    expect(wh.urls.chat_notification_url).toBe(`${PUBLIC}/webhooks/tokopedia/main`);
    expect(wh.urls.order_notification_url).toBe("https://erp.example.com/orders");
    expect(wh.secret).toBe(cfg.tokopedia.apps[0]?.webhookSecret);
    expect(r.text).toContain(`${PUBLIC}/webhooks/kommo/:scope_id`);
    expect(r.text).toContain("[Service]");
    expect(lines.join("\n")).toContain("127.0.0.1 is whitelisted");
  });

  it("a refused secret is shown with its fix and asked again", async () => {
    const path = seed();
    const answers = {
      ...interactiveAnswers(),
      "tokopedia.clientSecret": ["wrong", tkp.app.clientSecret],
      "tokopedia.app.retry": true,
    };
    const d = deps(path, answers);
    lines.length = 0;
    await runInit({ interactive: true }, d);
    expect(lines.join("\n")).toContain("fix: Check the app's client ID and client secret");
    expect(d.prompter.asked.filter((q) => q === "tokopedia.clientSecret")).toHaveLength(2);
  });

  it("an unapproved shop explains the approval e-mail; the user can stop, nothing is written", async () => {
    const path = seed();
    const before = readFileSync(path);
    const d = deps(path, { ...interactiveAnswers(), "shop.domain": "not-approved", "shop.retry": false });
    lines.length = 0;
    await expect(runInit({ interactive: true }, d)).rejects.toMatchObject({ code: "TK_ERR_SETUP_ABORTED" });
    expect(lines.join("\n")).toContain("approval e-mail");
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("Ctrl-C at any prompt leaves the old config byte-identical", async () => {
    const path = seed();
    await runInit({ interactive: true }, deps(path, interactiveAnswers()));
    const before = readFileSync(path);
    for (const at of ["tokopedia.app", "shop.domain", "kommo.account"]) {
      const res = initCommand({ interactive: true }, { config: path }, [], {
        prompter: scriptedPrompter({ "shop.domain": "second", [at]: INTERRUPT }),
        write: () => {},
      });
      await expect(res).rejects.toMatchObject({ code: "TK_ERR_SETUP_INTERRUPTED", exitCode: 130 });
      expect(readFileSync(path).equals(before), at).toBe(true);
    }
  });

  it("re-running on an existing config adds a shop instead of starting over", async () => {
    const path = seed();
    await runInit({ interactive: true }, deps(path, interactiveAnswers()));
    const d = deps(path, { "shop.domain": "tokopedia.com/second", "kommo.account": "acme" });
    const r = await runInit({ interactive: true }, d);
    expect(r.shop?.added).toBe(true);
    expect(d.prompter.asked).not.toContain("tokopedia.clientSecret");
    expect(d.prompter.asked).not.toContain("kommo.token");
    expect(loadConfig(path, {}).shops.map((s) => s.shopId)).toEqual([shopKommo, shopSecond]);
  });
});

describe("init --no-interactive (flags and env)", () => {
  const flags = () => w.flags();
  const envSecrets = () => w.envSecrets();

  it("takes secrets from env and keeps them out of the file", async () => {
    const path = seed();
    const env = envSecrets();
    const r = await runInit(flags(), { ...deps(path, {}), env });
    expect(r.shop?.shopId).toBe(shopKommo);
    const text = readFileSync(path, "utf8");
    for (const s of Object.values(env)) expect(text).not.toContain(s);
    expect(loadConfig(path, env).kommo.accounts[0]?.scopeId).toBe(r.scopeId);
  });

  it("a missing answer is a usage error naming the flag; nothing is written", async () => {
    const path = seed();
    const before = readFileSync(path);
    const { channelId: _omit, ...rest } = flags();
    await expect(runInit(rest, { ...deps(path, {}), env: envSecrets() })).rejects.toMatchObject({
      code: "TK_ERR_USAGE",
      message: expect.stringContaining("--channel-id"),
    });
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("an IP missing from the whitelist stops with the exact instruction", async () => {
    const path = seed();
    await expect(
      runInit({ ...flags(), egressIp: "203.0.113.7" }, { ...deps(path, {}), env: envSecrets() }),
    ).rejects.toMatchObject({
      code: "TK_ERR_SETUP_IP_NOT_WHITELISTED",
      fix: `add 203.0.113.7 to the IP whitelist of app ${tkp.app.fsId} in the Tokopedia Developer Console (App > IP Whitelist), then run again`,
    });
  });

  it("Kommo OAuth: the code is exchanged and the pair stored in the state file", async () => {
    const path = seed();
    const client = kommo.addOAuthClient({ redirectUri: `${PUBLIC}/oauth` });
    const { kommoToken: _t, ...f } = { ...flags(), kommoToken: undefined };
    const r = await runInit(
      {
        ...f,
        kommoClientId: client.clientId,
        kommoClientSecret: client.clientSecret,
        kommoRedirectUri: client.redirectUri,
        kommoAuthCode: kommo.authorizationCode(account.id, client.clientId),
      },
      {
        ...deps(path, {}),
        env: {
          TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET: tkp.app.clientSecret,
          TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET: channel.secret,
        },
      },
    );
    const store = openStore(r.config.statePath, { readonly: true });
    try {
      expect(store.tokens.load("kommo:acme")?.refreshToken).toBeTruthy();
    } finally {
      store.close();
    }
  });
});

describe("shops add / remove", () => {
  it("add finds the shop id through shop-info and binds it; remove unbinds it", async () => {
    const path = seed();
    await runInit({ interactive: true }, deps(path, interactiveAnswers()));
    const added = await shopsAddCommand(
      { app: "main", shopDomain: "tokopedia.com/second", kommoAccount: "acme" },
      { config: path },
    );
    expect(added.exitCode).toBe(0);
    expect(loadConfig(path, {}).shops.map((s) => s.shopId)).toContain(shopSecond);
    const again = await shopsAddCommand(
      { app: "main", shopDomain: "second", kommoAccount: "acme" },
      { config: path },
    );
    expect((again.json as { added: boolean }).added).toBe(false);
    const before = readFileSync(path);
    await expect(
      shopsAddCommand({ app: "main", shopDomain: "nope", kommoAccount: "acme" }, { config: path }),
    ).rejects.toMatchObject({ code: "TK_ERR_SETUP_SHOP_NOT_FOUND" });
    await expect(
      shopsAddCommand({ app: "nope", shopDomain: "second", kommoAccount: "acme" }, { config: path }),
    ).rejects.toMatchObject({ code: "TK_ERR_USAGE" });
    expect(readFileSync(path).equals(before)).toBe(true);
    await shopsRemoveCommand({}, { config: path }, [shopSecond]);
    expect(loadConfig(path, {}).shops.map((s) => s.shopId)).toEqual([shopKommo]);
    await expect(shopsRemoveCommand({}, { config: path }, [shopKommo])).rejects.toMatchObject({
      code: "TK_ERR_SETUP_LAST_SHOP",
    });
  });

  it("--source tiktokshop goes through the TikTok Shop binding (an unknown app is refused before the code is spent)", async () => {
    const path = seed();
    await runInit({ interactive: true }, deps(path, interactiveAnswers()));
    await expect(
      shopsAddCommand(
        { source: "tiktokshop", app: "tts", authCode: "c", kommoAccount: "acme" },
        { config: path },
      ),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('"tts" is not an app in tiktokshop'),
    });
  });
});

describe("the built binary", () => {
  it("init --no-interactive writes a config; doctor --json exits 1 while the daemon is down, with no secret", async () => {
    const path = seed();
    const env = {
      TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET: tkp.app.clientSecret,
      TOKOKOMMO_KOMMO_ACME_LONG_LIVED_TOKEN: token,
      TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET: channel.secret,
      TOKOKOMMO_CONFIG: undefined,
    };
    const init = await runCli(
      [
        "--config",
        path,
        "init",
        "--no-interactive",
        "--public-url",
        PUBLIC,
        "--fs-id",
        String(tkp.app.fsId),
        "--client-id",
        tkp.app.clientId,
        "--shop-domain",
        "kommo",
        "--kommo-subdomain",
        "acme",
        "--kommo-account",
        "acme",
        "--channel-id",
        channel.id,
      ],
      env,
    );
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    expect(init.stdout).toContain("Next steps");
    const doc = await runCli(["--config", path, "doctor", "--json"], env);
    expect(doc.status).toBe(1);
    const report = JSON.parse(doc.stdout) as { ok: boolean; checks: { id: string; status: string }[] };
    expect(report.ok).toBe(false);
    const fails = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
    expect(fails).toContain("daemon.healthz");
    expect(report.checks.find((c) => c.id === "tokopedia.shop-bound")?.status).toBe("pass");
    for (const s of [tkp.app.clientSecret, token, channel.secret])
      expect(doc.stdout + doc.stderr).not.toContain(s);
    const human = await runCli(["--config", path, "doctor"], env);
    expect(human.status).toBe(1);
    expect(human.stdout).toMatch(/✖ Daemon is running/);
  });
});
