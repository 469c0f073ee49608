import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { SECRETS, type TempDir, tempDir, validRaw, withChanges } from "./fixtures.js";

let tmp: TempDir;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** Keeps the spawned CLI away from the real per-user config. */
const isolated = () => ({ XDG_CONFIG_HOME: tmp.dir, TOKOKOMMO_CONFIG: undefined });

describe("tokokommo shops list (built binary)", () => {
  it("lists the shops of a valid config, exit 0", () => {
    const path = tmp.file("good.json", validRaw());
    const r = runCli(["--config", path, "shops", "list"], isolated());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^SOURCE\s+SHOP ID\s+NAME\s+APP\s+KOMMO ACCOUNT$/);
    expect(lines[1]).toMatch(/^tokopedia\s+481154\s+dumiesshop\s+main\s+acme$/);
    expect(lines[2]).toMatch(/^tiktokshop\s+7494049642642441621\s+-\s+tts\s+acme$/);
  });

  it("finds the config through TOKOKOMMO_CONFIG", () => {
    const path = tmp.file("env.json", validRaw());
    const r = runCli(["shops", "list"], { ...isolated(), TOKOKOMMO_CONFIG: path });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("7494049642642441621");
  });

  it("--json prints the shops as an array with no secret", () => {
    const path = tmp.file("json.json", withChanges(validRaw(), { "shops[0].kommoAccount": "acme" }));
    const r = runCli(["-c", path, "shops", "list", "--json"], isolated());
    expect(r.status).toBe(0);
    const shops = JSON.parse(r.stdout);
    expect(shops).toEqual([
      { source: "tokopedia", shopId: "481154", app: "main", kommoAccount: "acme", name: "dumiesshop" },
      { source: "tiktokshop", shopId: "7494049642642441621", app: "tts", kommoAccount: "acme" },
    ]);
    for (const s of Object.values(SECRETS)) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it("an invalid config exits 2; stderr names the key path and the fix, and no secret", () => {
    const path = tmp.file(
      "bad.json",
      withChanges(validRaw(), { "shops[0].kommoAccount": "acm", "server.port": "80" }),
    );
    const r = runCli(["--config", path, "shops", "list"], isolated());
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("error TK_ERR_CONFIG_INVALID");
    expect(r.stderr).toContain(
      'shops[0].kommoAccount: "acm" is not a Kommo account in kommo.accounts (names: acme)',
    );
    expect(r.stderr).toContain("fix: use one of those names");
    expect(r.stderr).toContain("server.port: must be a number, not a string");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack without --log-level debug
    for (const s of Object.values(SECRETS)) expect(r.stderr).not.toContain(s);
  });

  it("a missing secret: serve names the env var (exit 2); shops list and status run without it", () => {
    const path = tmp.file(
      "nosecret.json",
      withChanges(validRaw(), {
        "kommo.accounts[0].channel.secret": undefined,
        "tokopedia.apps[0].clientSecret": undefined,
        statePath: `${tmp.dir}/nosecret.db`,
      }),
    );
    const serve = runCli(["--config", path, "serve", "--port", "0"], isolated());
    expect(serve.status).toBe(2);
    expect(serve.stderr).toContain("kommo.accounts[0].channel.secret");
    expect(serve.stderr).toContain("TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET");
    // Where the secrets live only in the service's env file, the commands that never call the platforms work.
    const list = runCli(["--config", path, "shops", "list"], isolated());
    expect(list.stderr).toBe("");
    expect(list.status).toBe(0);
    expect(list.stdout).toContain("7494049642642441621");
    const status = runCli(["--config", path, "status", "--json"], isolated());
    expect(status.stderr).toBe("");
    expect(status.status).toBe(0);
    expect(JSON.parse(status.stdout).shops.length).toBeGreaterThan(0);
  });

  it("shops remove works without the secrets too, and writes none (nor a placeholder) into the file", () => {
    const path = tmp.file(
      "nosecret-remove.json",
      withChanges(validRaw(), { "kommo.accounts[0].channel.secret": undefined }),
    );
    const r = runCli(["--config", path, "shops", "remove", "7494049642642441621"], isolated());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.shops).toHaveLength(1);
    expect(saved.kommo.accounts[0].channel.secret).toBeUndefined();
    expect(JSON.stringify(saved)).not.toContain("not set here");
  });

  it("a non-JSON file exits 2 with TK_ERR_CONFIG_NOT_JSON", () => {
    const path = tmp.file("broken.json", '{ "version": 1, ');
    const r = runCli(["--config", path, "shops", "list"], isolated());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("error TK_ERR_CONFIG_NOT_JSON");
    expect(r.stderr).toContain("fix:");
  });

  it("a missing file exits 2 with TK_ERR_CONFIG_NOT_FOUND (default path when nothing is given)", () => {
    const r = runCli(["shops", "list", "--json"], isolated());
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("TK_ERR_CONFIG_NOT_FOUND");
    expect(r.stderr).toContain(`${tmp.dir}/tokokommo-nodejs/config.json`);
    expect(JSON.parse(r.stdout).error.code).toBe("TK_ERR_CONFIG_NOT_FOUND");
  });
});

describe("start-up stays light", () => {
  it("the CLI entry and its static imports do not load zod or pino", async () => {
    const { readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const dist = join(__dirname, "../../dist");
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(join(dist, file), "utf8");
      expect(text).not.toMatch(/from "(zod|pino|pino-pretty)"/);
      for (const m of text.matchAll(/^import[^;]*?from "\.\/([^"]+)"/gms)) visit(m[1]!);
    };
    visit("cli.js");
    expect(seen.size).toBeGreaterThan(1);
  });
});
