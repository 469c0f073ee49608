/**
 * `tokokommo init --source tiktokshop` scripted, through the built binary: stdin is not a terminal (so no
 * prompt), every missing flag is named at once before any platform call, usage errors carry TK_ERR_USAGE and
 * honour --json, Ctrl-C exits 130 with the config untouched.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { expectUsageError, runCliAsync } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait.js";

let bed: TikTokShopTestbed;
beforeAll(async () => {
  bed = await startTikTokShopTestbed();
});
afterAll(async () => {
  await bed?.close();
});

/** The env of every run: the secret of the app one test adds (the config needs it to load afterwards). */
const ENV = (): Record<string, string | undefined> => ({
  TOKOKOMMO_CONFIG: undefined,
  TOKOKOMMO_TIKTOKSHOP_TTS2_APP_SECRET: bed.tiktokshop.appSecret,
});

const init = (args: string[], env: Record<string, string | undefined> = {}) =>
  runCliAsync(["--config", bed.configPath, "init", "--source", "tiktokshop", ...args], { ...ENV(), ...env });

function newSellerCode(name: string): { code: string; shopId: string } {
  const seller = bed.tiktokshop.createSeller({ name, shops: [{ name }] });
  return { code: bed.tiktokshop.authorize(seller.openId), shopId: seller.shops[0]!.id };
}

describe("init --source tiktokshop, scripted", () => {
  it("with stdin not a terminal it never prompts: an existing app binds from flags alone", async () => {
    const { code, shopId } = newSellerCode("toko-tiga");
    const r = await init(["--app", "tts", "--auth-code", code, "--kommo-account", "acme"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("bound 1 Tokopedia & Shop shop(s)");
    expect(loadConfig(bed.configPath, {}).shops.map((s) => s.shopId)).toContain(shopId);
  });

  it("names every missing flag at once, before any platform call (the code stays unspent)", async () => {
    const { code, shopId } = newSellerCode("toko-empat");
    const before = readFileSync(bed.configPath);
    const r = await init(["--no-interactive", "--app", "tts2", "--auth-code", code], {
      TOKOKOMMO_TIKTOKSHOP_TTS2_APP_SECRET: undefined,
    });
    expectUsageError(r, [
      "--app-key",
      "--service-id",
      "--kommo-account",
      "TOKOKOMMO_TIKTOKSHOP_TTS2_APP_SECRET",
    ]);
    expect(readFileSync(bed.configPath).equals(before)).toBe(true);

    // A new app from flags, its secret from the env: the same code still works, the secret stays out of the file.
    const ok = await init(
      [
        "--no-interactive",
        "--app",
        "tts2",
        "--app-key",
        bed.tiktokshop.appKey,
        "--service-id",
        bed.tiktokshop.serviceId,
        "--auth-code",
        code,
        "--kommo-account",
        "acme",
        "--shop",
        shopId,
        "--json",
      ],
      { TOKOKOMMO_TIKTOKSHOP_TTS2_APP_SECRET: bed.tiktokshop.appSecret },
    );
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain("Bound toko-empat"); // progress goes to stderr with --json
    const json = JSON.parse(ok.stdout) as { shops: { shopId: string }[] };
    expect(json.shops.map((s) => s.shopId)).toEqual([shopId]);
    expect(ok.stdout).not.toContain(bed.tiktokshop.appSecret);
    const file = readFileSync(bed.configPath, "utf8");
    const env = { TOKOKOMMO_TIKTOKSHOP_TTS2_APP_SECRET: bed.tiktokshop.appSecret };
    const cfg = loadConfig(bed.configPath, env);
    expect(cfg.tiktokshop.apps.map((a) => a.name)).toContain("tts2");
    const raw = JSON.parse(file) as { tiktokshop: { apps: { name: string; appSecret?: string }[] } };
    expect(raw.tiktokshop.apps.find((a) => a.name === "tts2")?.appSecret).toBeUndefined();
  });

  it("usage errors carry TK_ERR_USAGE and honour --json, unknown flags included", async () => {
    const missing = await init(["--no-interactive", "--json"]);
    expect(missing.status).toBe(2);
    const body = JSON.parse(missing.stdout) as { error: { code: string; details: { missing: string[] } } };
    expect(body.error.code).toBe("TK_ERR_USAGE");
    expect(body.error.details.missing).toEqual(
      expect.arrayContaining(["--app", "--auth-code", "--kommo-account"]),
    );
    const unknown = await init(["--no-such-flag", "--json"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("TK_ERR_USAGE");
    expect((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code).toBe("TK_ERR_USAGE");
  });

  it("an unknown --kommo-account is refused before a new app's credentials are checked", async () => {
    const r = await init(
      ["--app", "tts3", "--app-key", "k", "--service-id", "s", "--auth-code", "c", "--kommo-account", "nope"],
      { TOKOKOMMO_TIKTOKSHOP_TTS3_APP_SECRET: "x" },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("TK_ERR_TIKTOKSHOP_KOMMO_ACCOUNT_UNKNOWN");
    expect(r.stdout + r.stderr).not.toContain("app key and secret");
  });

  it("Ctrl-C while a platform call hangs exits 130 and leaves the config byte-identical", async () => {
    let hits = 0;
    const hang: Server = createServer(() => {
      hits++; // never answers
    });
    await new Promise<void>((r) => hang.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}`;
    const raw = JSON.parse(readFileSync(bed.configPath, "utf8")) as { endpoints: Record<string, string> };
    raw.endpoints.tiktokshopAuth = url;
    const hangingConfig = `${bed.configPath}.hang.json`;
    writeFileSync(hangingConfig, JSON.stringify(raw), { mode: 0o600 });
    const before = readFileSync(hangingConfig);
    try {
      const r = await runCliAsync(
        [
          "--config",
          hangingConfig,
          "init",
          "--source",
          "tiktokshop",
          "--app",
          "tts",
          "--auth-code",
          "any",
          "--kommo-account",
          "acme",
        ],
        ENV(),
        (child) => {
          void waitFor("the exchange request", () => hits > 0).then(() => child.kill("SIGINT"));
        },
      );
      expect(r.signal).toBeNull();
      expect(r.status).toBe(130);
      expect(r.stderr).toContain("TK_ERR_SETUP_INTERRUPTED");
      expect(readFileSync(hangingConfig).equals(before)).toBe(true);
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((r) => hang.close(() => r()));
    }
  });
});
