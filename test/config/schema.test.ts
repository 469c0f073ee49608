import { describe, expect, it } from "vitest";
import {
  type Config,
  checkConfig,
  DEFAULT_ENDPOINTS,
  kommoApiUrl,
  validateConfig,
} from "../../src/config/index.js";
import type { TkError } from "../../src/errors/index.js";
import { tkErrorThrownBy } from "../helpers/tk-error.js";
import { minimalRaw, SECRETS, validRaw, withChanges } from "./fixtures.js";

const NO_ENV = {};

/** Validates and returns the thrown TkError (fails the test when validation passes). */
function invalid(raw: unknown, env: Record<string, string> = NO_ENV): TkError {
  return tkErrorThrownBy(() => validateConfig(raw, env, { configPath: "/etc/tokokommo/config.json" }));
}

describe("config schema: valid files", () => {
  it("parses the documented example, with shop ids as strings and defaults filled", () => {
    const c: Config = validateConfig(validRaw(), NO_ENV, { configPath: "/etc/tokokommo/config.json" });
    expect(c.server).toEqual({
      host: "127.0.0.1",
      port: 8787,
      publicUrl: "https://bridge.example.com",
      shutdownGraceSeconds: 7,
    });
    expect(c.statePath).toBe("/var/lib/tokokommo/state.db");
    expect(c.shops.map((s) => [s.source, s.shopId])).toEqual([
      ["tokopedia", "481154"],
      ["tiktokshop", "7494049642642441621"],
    ]);
    expect(c.attachments).toBe("reject");
    expect(c.endpoints).toEqual(DEFAULT_ENDPOINTS);
    expect(c.kommo.accounts[0]?.auth).toEqual({ longLivedToken: SECRETS.kommoToken });
  });

  it("a minimal file gets every default (statePath next to the config file)", () => {
    const c = validateConfig(minimalRaw(), NO_ENV, { configPath: "/etc/tokokommo/config.json" });
    expect(c.server).toEqual({ host: "127.0.0.1", port: 8787, shutdownGraceSeconds: 7 });
    expect(c.statePath).toBe("/etc/tokokommo/state.db");
    expect(c.sync).toEqual({ mode: "hybrid", pollIntervalSeconds: 30 });
    expect(c.jobs).toEqual({ leaseSeconds: 10 });
    expect(c.tiktokshop).toEqual({ apps: [] });
    expect(c.shops[0]?.source).toBe("tokopedia");
    expect(c.endpoints.kommoApi).toBe("https://{subdomain}.kommo.com");
  });

  it("jobs.leaseSeconds sets the job lease, 2 s at the least", () => {
    const c = validateConfig(withChanges(minimalRaw(), { "jobs.leaseSeconds": 2 }), NO_ENV, {
      configPath: "/etc/tokokommo/config.json",
    });
    expect(c.jobs).toEqual({ leaseSeconds: 2 });
  });

  it("a relative statePath resolves against the config file's directory", () => {
    const c = validateConfig(withChanges(minimalRaw(), { statePath: "data/s.db" }), NO_ENV, {
      configPath: "/etc/tokokommo/config.json",
    });
    expect(c.statePath).toBe("/etc/tokokommo/data/s.db");
  });

  it("accepts Kommo OAuth auth and simulator endpoints (trailing slash dropped)", () => {
    const c = validateConfig(
      withChanges(validRaw(), {
        "kommo.accounts[0].auth": { clientId: "id", clientSecret: "cs", redirectUri: "https://x.example/cb" },
        endpoints: { kommoApi: "http://127.0.0.1:4000/", tokopediaApi: "http://127.0.0.1:4001" },
      }),
      NO_ENV,
    );
    expect(c.kommo.accounts[0]?.auth).toEqual({
      clientId: "id",
      clientSecret: "cs",
      redirectUri: "https://x.example/cb",
    });
    expect(kommoApiUrl(c.endpoints, "acme")).toBe("http://127.0.0.1:4000");
    expect(kommoApiUrl({ kommoApi: DEFAULT_ENDPOINTS.kommoApi }, "acme")).toBe("https://acme.kommo.com");
    expect(c.endpoints.tokopediaAuth).toBe(DEFAULT_ENDPOINTS.tokopediaAuth);
  });
});

describe("config schema: one failing case per rule", () => {
  const cases: { rule: string; changes: Record<string, unknown>; expect: string[] }[] = [
    { rule: "version is the literal 1", changes: { version: 2 }, expect: ["version: must be 1 (got 2)"] },
    {
      rule: "wrong type",
      changes: { "server.port": "8787" },
      expect: ["server.port: must be a number, not a string", "fix: write it as a number"],
    },
    {
      rule: "unknown key, with a suggestion",
      changes: { "shops[0].nmae": "x" },
      expect: ["shops[0].nmae: is not a known key", 'did you mean "name"?'],
    },
    {
      rule: "unknown top-level key",
      changes: { colour: "blue" },
      expect: ["colour: is not a known key"],
    },
    {
      rule: "dangling app",
      changes: { "shops[0].app": "mian" },
      expect: ['shops[0].app: "mian" is not an app in tokopedia.apps (names: main)'],
    },
    {
      rule: "app of the other source",
      changes: { "shops[0].app": "tts" },
      expect: ['shops[0].app: "tts" is not an app in tokopedia.apps', 'set shops[0].source to "tiktokshop"'],
    },
    {
      rule: "dangling kommoAccount",
      changes: { "shops[0].kommoAccount": "acm" },
      expect: [
        'shops[0].kommoAccount: "acm" is not a Kommo account in kommo.accounts (names: acme)',
        "fix: ",
      ],
    },
    {
      rule: "duplicate app names",
      changes: {
        "tokopedia.apps[1]": { name: "main", fsId: 2, clientId: "c2", clientSecret: "s2" },
      },
      expect: ['tokopedia.apps[1].name: "main" is already the name of tokopedia.apps[0]'],
    },
    {
      rule: "names colliding as env var names",
      changes: {
        "tokopedia.apps[0].name": "my-app",
        "tokopedia.apps[1]": { name: "my_app", fsId: 2, clientId: "c2", clientSecret: "s2" },
        "shops[0].app": "my-app",
      },
      expect: ['tokopedia.apps[1].name: "my_app" gives the same env var names as tokopedia.apps[0]'],
    },
    {
      rule: "duplicate Kommo account names",
      changes: { "kommo.accounts[1]": (validRaw().kommo as { accounts: unknown[] }).accounts[0] },
      expect: ['kommo.accounts[1].name: "acme" is already the name of kommo.accounts[0]'],
    },
    {
      rule: "duplicate shop",
      changes: { "shops[1]": { shopId: "481154", app: "main", kommoAccount: "acme" } },
      expect: ["shops[1].shopId: tokopedia shop 481154 is already bound in shops[0]"],
    },
    {
      rule: "scopeId prefix",
      changes: { "kommo.accounts[0].scopeId": "other_52e591f7-c98f-4255-8495-827210138c81" },
      expect: [
        'kommo.accounts[0].scopeId: does not begin with channel.id followed by "_"',
        'set it to "344a5002-f8ca-454d-af3d-396180102ac7_52e591f7-c98f-4255-8495-827210138c81"',
      ],
    },
    {
      rule: "scopeId suffix",
      changes: { "kommo.accounts[0].scopeId": "344a5002-f8ca-454d-af3d-396180102ac7_other" },
      expect: ["kommo.accounts[0].scopeId: does not end with this account's amojoId"],
    },
    {
      rule: "bad URL",
      changes: { "server.publicUrl": "bridge.example.com" },
      expect: ['server.publicUrl: "bridge.example.com" is not a valid URL'],
    },
    {
      rule: "non-http URL",
      changes: { "endpoints.kommoChats": "ftp://amojo.kommo.com" },
      expect: ['endpoints.kommoChats: "ftp://amojo.kommo.com" is not an http(s) URL'],
    },
    {
      rule: "missing secret names the key path and the env var",
      changes: { "tokopedia.apps[0].clientSecret": undefined },
      expect: ["tokopedia.apps[0].clientSecret: is missing", "TOKOKOMMO_TOKOPEDIA_MAIN_CLIENT_SECRET"],
    },
    {
      rule: "missing Kommo auth names the token env var",
      changes: { "kommo.accounts[0].auth": undefined },
      expect: ["kommo.accounts[0].auth.longLivedToken", "TOKOKOMMO_KOMMO_ACME_LONG_LIVED_TOKEN"],
    },
    {
      rule: "incomplete OAuth",
      changes: { "kommo.accounts[0].auth": { clientId: "id", redirectUri: "https://x.example/cb" } },
      expect: [
        "kommo.accounts[0].auth.clientSecret: is required for OAuth",
        "TOKOKOMMO_KOMMO_ACME_CLIENT_SECRET",
      ],
    },
    {
      rule: "token and OAuth together",
      changes: { "kommo.accounts[0].auth.clientId": "id" },
      expect: ["kommo.accounts[0].auth: has both longLivedToken and OAuth keys (clientId)"],
    },
    { rule: "empty shops", changes: { shops: [] }, expect: ["shops: needs at least one entry"] },
    {
      rule: "no Kommo account",
      changes: { "kommo.accounts": [], shops: [] },
      expect: ["kommo.accounts: needs at least one entry", "shops: needs at least one entry"],
    },
    {
      rule: "no marketplace app",
      changes: { tokopedia: undefined, tiktokshop: undefined },
      expect: ["tokopedia.apps: no marketplace app is configured"],
    },
    {
      rule: "missing required key",
      changes: { "tokopedia.apps[0].fsId": undefined },
      expect: ["tokopedia.apps[0].fsId: is required", 'fix: add "fsId"'],
    },
    {
      rule: "enum",
      changes: { "sync.mode": "pol" },
      expect: ['sync.mode: must be one of "webhook", "poll", "hybrid" (got "pol")'],
    },
    {
      rule: "poll interval minimum",
      changes: { "sync.pollIntervalSeconds": 1 },
      expect: ["sync.pollIntervalSeconds: must be at least 5"],
    },
    {
      rule: "job lease minimum",
      changes: { "jobs.leaseSeconds": 1 },
      expect: ["jobs.leaseSeconds: must be at least 2"],
    },
    {
      rule: "job lease maximum",
      changes: { "jobs.leaseSeconds": 301 },
      expect: ["jobs.leaseSeconds: must be at most 300"],
    },
    {
      rule: "job lease in whole seconds",
      changes: { "jobs.leaseSeconds": 2.5 },
      expect: ["jobs.leaseSeconds:"],
    },
    {
      rule: "unsafe numeric shop id",
      changes: { "shops[1].shopId": Number("7494049642642441621") },
      expect: ["shops[1].shopId: is not a positive whole number", "write the shop id as a string"],
    },
    {
      rule: "shop id with a colon",
      changes: { "shops[0].shopId": "48:1154" },
      expect: ['shops[0].shopId: "48:1154" is not a shop id'],
    },
    {
      rule: "webhook mode needs publicUrl",
      changes: { "sync.mode": "webhook", "server.publicUrl": undefined },
      expect: ['server.publicUrl: is required when sync.mode is "webhook"'],
    },
    {
      rule: "egress IP",
      changes: { "server.egressIp": "1.2.3" },
      expect: ["server.egressIp: must be an IPv4 or IPv6 address"],
    },
    {
      rule: "a shutdown grace past serve's 10 s budget",
      changes: { "server.shutdownGraceSeconds": 8 },
      expect: ["server.shutdownGraceSeconds"],
    },
    { rule: "not an object", changes: { version: undefined }, expect: ["version: is required"] },
  ];

  for (const c of cases) {
    it(c.rule, () => {
      const err = invalid(withChanges(validRaw(), c.changes));
      expect(err.code).toBe("TK_ERR_CONFIG_INVALID");
      expect(err.exitCode).toBe(2);
      for (const text of c.expect) expect(err.message).toContain(text);
      expect(err.fix).toContain("/etc/tokokommo/config.json");
    });
  }

  it("reports every problem at once, shape and cross-reference alike", () => {
    const err = invalid(
      withChanges(validRaw(), {
        "server.port": "x",
        "sync.mode": "pol",
        "shops[0].kommoAccount": "acm",
        "shops[1].app": "nope",
      }),
    );
    expect(err.message).toContain("(4 problems)");
    for (const p of ["server.port:", "sync.mode:", "shops[0].kommoAccount:", "shops[1].app:"])
      expect(err.message).toContain(p);
    expect(err.details?.problems).toHaveLength(4);
  });

  it("a raw value that is not an object is reported, not thrown as a crash", () => {
    expect(invalid([1, 2]).message).toContain("(top level): must be an object, not an array");
    expect(checkConfig("x", NO_ENV).ok).toBe(false);
  });

  it("never echoes a secret value, even when it is of the wrong type or in the wrong place", () => {
    const err = invalid(
      withChanges(validRaw(), {
        "tokopedia.apps[0].clientSecret": 12345678,
        "kommo.accounts[0].channel.secret": ["kommo-channel-secret-ab12"],
        "kommo.accounts[0].auth.clientSecret": SECRETS.tokopediaClientSecret,
      }),
    );
    expect(err.message).toContain("tokopedia.apps[0].clientSecret: must be a string, not a number");
    expect(err.message).not.toContain("12345678");
    for (const s of Object.values(SECRETS)) expect(err.message).not.toContain(s);
    expect(JSON.stringify(err.toJSON())).not.toContain(SECRETS.channelSecret);
  });
});
