import { execFileSync } from "node:child_process";
import { chmodSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  defaultConfigDir,
  loadConfig,
  resolveConfigPath,
  saveConfig,
  validateConfig,
} from "../../src/config/index.js";
import { tkErrorThrownBy } from "../helpers/tk-error.js";
import { minimalRaw, SECRETS, type TempDir, tempDir, validRaw, withChanges } from "./fixtures.js";

const mode = (path: string) => statSync(path).mode & 0o777;

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe("resolveConfigPath", () => {
  it("prefers --config, then TOKOKOMMO_CONFIG, then conf's per-user path", () => {
    const env = { TOKOKOMMO_CONFIG: "/env/config.json", XDG_CONFIG_HOME: "/xdg" };
    expect(resolveConfigPath({ config: "/flag/c.json" }, env)).toBe("/flag/c.json");
    expect(resolveConfigPath({}, env)).toBe("/env/config.json");
    expect(resolveConfigPath({ config: "" }, { XDG_CONFIG_HOME: "/xdg" })).toBe(
      "/xdg/tokokommo-nodejs/config.json",
    );
  });

  it("computes conf's default directory per platform (env-paths rules, suffix nodejs)", () => {
    expect(defaultConfigDir({}, "linux", "/home/u")).toBe("/home/u/.config/tokokommo-nodejs");
    expect(defaultConfigDir({}, "darwin", "/Users/u")).toBe("/Users/u/Library/Preferences/tokokommo-nodejs");
    expect(defaultConfigDir({ APPDATA: "C:/AppData" }, "win32", "C:/u")).toBe(
      join("C:/AppData", "tokokommo-nodejs", "Config"),
    );
  });
});

describe("loadConfig", () => {
  it("loads a valid file; the default statePath sits next to it", () => {
    const path = tmp.file("config.json", minimalRaw());
    const c = loadConfig(path, {});
    expect(c.statePath).toBe(join(tmp.dir, "state.db"));
    expect(c.shops[0]?.shopId).toBe("481154");
  });

  it("a missing file is TK_ERR_CONFIG_NOT_FOUND (exit 2) with a fix", () => {
    const err = tkErrorThrownBy(() => loadConfig(join(tmp.dir, "nope.json"), {}));
    expect(err.code).toBe("TK_ERR_CONFIG_NOT_FOUND");
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain("nope.json");
    expect(err.fix).toContain("tokokommo init");
  });

  it("a directory is TK_ERR_CONFIG_UNREADABLE", () => {
    const err = tkErrorThrownBy(() => loadConfig(tmp.dir, {}));
    expect(err.code).toBe("TK_ERR_CONFIG_UNREADABLE");
    expect(err.exitCode).toBe(2);
  });

  it("not JSON is TK_ERR_CONFIG_NOT_JSON with line and column, and the text is not echoed", () => {
    const path = tmp.file("config.json", `{\n  "version": 1,\n  "x": "${SECRETS.kommoToken}\n}`);
    const err = tkErrorThrownBy(() => loadConfig(path, {}));
    expect(err.code).toBe("TK_ERR_CONFIG_NOT_JSON");
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/not valid JSON at line \d+, column \d+/);
    expect(err.message).not.toContain(SECRETS.kommoToken);
  });

  it("an empty file is TK_ERR_CONFIG_NOT_JSON", () => {
    const err = tkErrorThrownBy(() => loadConfig(tmp.file("config.json", "  \n"), {}));
    expect(err.code).toBe("TK_ERR_CONFIG_NOT_JSON");
    expect(err.message).toContain("is empty");
  });

  it("an invalid file names the file and the key path", () => {
    const path = tmp.file("config.json", withChanges(minimalRaw(), { "shops[0].kommoAccount": "acm" }));
    const err = tkErrorThrownBy(() => loadConfig(path, {}));
    expect(err.code).toBe("TK_ERR_CONFIG_INVALID");
    expect(err.message).toContain(path);
    expect(err.message).toContain('shops[0].kommoAccount: "acm" is not a Kommo account');
  });
});

describe("env overrides for secrets", () => {
  const noSecrets = () =>
    withChanges(validRaw(), {
      "tokopedia.apps[0].clientSecret": undefined,
      "tokopedia.apps[0].webhookSecret": undefined,
      "tiktokshop.apps[0].appSecret": undefined,
      "kommo.accounts[0].auth": undefined,
      "kommo.accounts[0].channel.secret": undefined,
    });
  const env = {
    TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET: "env-tkp-cs",
    TOKOKOMMO_TOKOPEDIA_MAIN_WEBHOOK_SECRET: "env-tkp-wh",
    TOKOKOMMO_TIKTOKSHOP_TTS_APP_SECRET: "env-tts",
    TOKOKOMMO_KOMMO_ACME_LONG_LIVED_TOKEN: "env-llt",
    TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET: "env-ch",
  };

  it("a file without secrets is valid when the env supplies every one", () => {
    const c = validateConfig(noSecrets(), env);
    expect(c.tokopedia.apps[0]).toMatchObject({ clientSecret: "env-tkp-cs", webhookSecret: "env-tkp-wh" });
    expect(c.tiktokshop.apps[0]?.appSecret).toBe("env-tts");
    expect(c.kommo.accounts[0]?.auth).toEqual({ longLivedToken: "env-llt" });
    expect(c.kommo.accounts[0]?.channel.secret).toBe("env-ch");
  });

  it("env wins over the file; names are upper-cased with other characters as _", () => {
    const raw = withChanges(validRaw(), {
      "kommo.accounts[0].name": "acme-co_1",
      "shops[0].kommoAccount": "acme-co_1",
      "shops[1].kommoAccount": "acme-co_1",
    });
    const c = validateConfig(raw, { TOKOKOMMO_KOMMO_ACME_CO_1_CHANNEL_SECRET: "from-env" });
    expect(c.kommo.accounts[0]?.channel.secret).toBe("from-env");
  });

  it("the OAuth client secret comes from ..._CLIENT_SECRET", () => {
    const raw = withChanges(validRaw(), {
      "kommo.accounts[0].auth": { clientId: "id", redirectUri: "https://x.example/cb" },
    });
    const c = validateConfig(raw, { TOKOKOMMO_KOMMO_ACME_CLIENT_SECRET: "oauth-cs" });
    expect(c.kommo.accounts[0]?.auth).toEqual({
      clientId: "id",
      clientSecret: "oauth-cs",
      redirectUri: "https://x.example/cb",
    });
  });

  it("a secret missing from both names the key path and the env var", () => {
    const { TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET: _, ...partial } = env;
    const err = tkErrorThrownBy(() => validateConfig(noSecrets(), partial));
    expect(err.message).toContain("(1 problem)");
    expect(err.message).toContain("kommo.accounts[0].channel.secret: is missing");
    expect(err.message).toContain("TOKOKOMMO_KOMMO_ACME_CHANNEL_SECRET");
  });

  it("saving never writes secrets that came from env; file values that env overrode are kept", () => {
    const path = tmp.file(
      "config.json",
      withChanges(noSecrets(), { "tokopedia.apps[0].clientSecret": "file-tkp-cs" }),
    );
    const c = loadConfig(path, env);
    expect(c.tokopedia.apps[0]?.clientSecret).toBe("env-tkp-cs");
    // What a command like `shops add` does: a new object from the loaded one.
    const changed = { ...c, shops: c.shops.slice(0, 1) };
    saveConfig(path, changed);
    const text = readFileSync(path, "utf8");
    for (const v of Object.values(env)) expect(text).not.toContain(v);
    const saved = JSON.parse(text);
    expect(saved.tokopedia.apps[0].clientSecret).toBe("file-tkp-cs");
    expect(saved.shops).toHaveLength(1);
    // It loads again with the same env.
    expect(loadConfig(path, env).kommo.accounts[0]?.channel.secret).toBe("env-ch");
  });

  it("a secret the program changed after loading is saved", () => {
    const path = tmp.file("config.json", noSecrets());
    const c = loadConfig(path, env);
    const app = c.tiktokshop.apps[0]!;
    saveConfig(path, { ...c, tiktokshop: { apps: [{ ...app, appSecret: "rotated" }] } });
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.tiktokshop.apps[0].appSecret).toBe("rotated");
    expect(saved.kommo.accounts[0].channel.secret).toBeUndefined();
  });
});

describe("saveConfig", () => {
  it("writes mode 0600 in a new 0700 directory, and the file loads back equal", () => {
    const path = join(tmp.dir, "nested", "dir", "config.json");
    const c = validateConfig(validRaw(), {}, { configPath: path });
    saveConfig(path, c);
    expect(mode(path)).toBe(0o600);
    expect(mode(join(tmp.dir, "nested", "dir"))).toBe(0o700);
    const again = loadConfig(path, {});
    expect(again).toEqual(c);
    const saved = JSON.parse(readFileSync(path, "utf8"));
    expect(saved.endpoints).toBeUndefined(); // defaults stay out of the file
    expect(saved.shops[0].shopId).toBe("481154");
  });

  it("replaces an existing 0644 file with a 0600 one", () => {
    const path = tmp.file("config.json", "{}", 0o644);
    chmodSync(path, 0o644);
    saveConfig(path, validateConfig(minimalRaw(), {}, { configPath: path }));
    expect(mode(path)).toBe(0o600);
  });

  it("a config path that is a directory is TK_ERR_CONFIG_WRITE and leaves no temp file", () => {
    const path = join(tmp.dir, "config.json");
    mkdirSync(join(path, "occupied"), { recursive: true });
    const c = validateConfig(minimalRaw(), {}, { configPath: path });
    const err = tkErrorThrownBy(() => saveConfig(path, c));
    expect(err.code).toBe("TK_ERR_CONFIG_WRITE");
    expect(err.exitCode).toBe(1);
    expect(readdirSync(tmp.dir)).toEqual(["config.json"]);
  });

  it("is atomic: the file is replaced by rename (a hard link keeps the old bytes), no temp file remains", () => {
    const path = tmp.file("config.json", minimalRaw());
    const before = readFileSync(path, "utf8");
    const link = join(tmp.dir, "old-link.json");
    linkSync(path, link);
    const c = loadConfig(path, {});
    saveConfig(path, { ...c, attachments: "link" });
    expect(readFileSync(link, "utf8")).toBe(before); // not rewritten in place
    expect(JSON.parse(readFileSync(path, "utf8")).attachments).toBe("link");
    expect(readdirSync(tmp.dir).sort()).toEqual(["config.json", "old-link.json"]);
  });

  it("an invalid config writes nothing and leaves the old file as it was", () => {
    const path = tmp.file("config.json", minimalRaw());
    const before = readFileSync(path, "utf8");
    const c = loadConfig(path, {});
    const bad = { ...c, shops: [{ ...c.shops[0]!, kommoAccount: "nobody" }] };
    const err = tkErrorThrownBy(() => saveConfig(path, bad));
    expect(err.code).toBe("TK_ERR_CONFIG_INVALID");
    expect(err.message).toContain("shops[0].kommoAccount");
    expect(readFileSync(path, "utf8")).toBe(before);
    expect(readdirSync(tmp.dir)).toEqual(["config.json"]);

    const fresh = join(tmp.dir, "sub", "new.json");
    expect(() => saveConfig(fresh, bad)).toThrow();
    expect(readdirSync(tmp.dir)).toEqual(["config.json"]);
  });

  it("a directory that cannot be written is TK_ERR_CONFIG_WRITE", () => {
    const dir = join(tmp.dir, "ro");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.json"), JSON.stringify(minimalRaw()), { mode: 0o600 });
    const c = loadConfig(join(dir, "config.json"), {});
    const unblock = blockWrites(dir);
    try {
      const err = tkErrorThrownBy(() => saveConfig(join(dir, "config.json"), c));
      expect(err.code).toBe("TK_ERR_CONFIG_WRITE");
      expect(readdirSync(dir)).toEqual(["config.json"]);
    } finally {
      unblock();
    }
  });
});

/**
 * Makes `dir` refuse writes, and returns how to undo it. An ordinary user is refused by the directory's mode; root
 * ignores modes, so as root (the tests run as root here and in CI) the directory becomes a read-only bind mount of
 * itself.
 */
function blockWrites(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o700);
  }
  execFileSync("mount", ["--bind", dir, dir]);
  execFileSync("mount", ["-o", "remount,ro,bind", dir]);
  return () => execFileSync("umount", [dir]);
}
