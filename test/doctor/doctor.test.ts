/**
 * doctor against the simulators: a healthy setup passes every check; each fault, injected into a simulator, the
 * state file or the config, makes exactly its own check fail (dependent checks are skipped, not failed).
 */
import { spawn } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { type DoctorReport, runDoctor } from "../../src/doctor/index.js";
import { KommoChatsClient, KommoRestClient } from "../../src/kommo/index.js";
import { TokopediaClient } from "../../src/sources/tokopedia/index.js";
import { openStore } from "../../src/store/index.js";
import { startTestbed, TESTBED_WEBHOOK_SECRET, type Testbed } from "../../src/testbed/tokopedia.js";
import { BIN } from "../helpers/cli.js";
import { startIpEcho } from "../helpers/ip-echo.js";
import { waitFor } from "../helpers/wait.js";

let bed: Testbed;
let daemon: RunningDaemon;
let echo: Awaited<ReturnType<typeof startIpEcho>>;
let shopId: string;
let tk: TokopediaClient;
/** Kommo's clock minus ours; the Kommo simulator reads it on every request. */
let kommoSkewMs = 0;
let copies = 0;

/** The parts of the config file JSON these tests change. */
interface Raw {
  statePath?: string;
  server: { publicUrl?: string; port?: number };
  endpoints: { ipEcho?: string; kommoChats?: string };
  media?: { allowPrivateNetworks?: boolean };
  shops: { kommoAccount: string }[];
  tokopedia: { apps: { webhookSecret?: string }[] };
  kommo: {
    accounts: {
      amojoId: string;
      auth: { longLivedToken?: string; clientId?: string; clientSecret?: string; redirectUri?: string };
      channel: { id: string; secret: string };
    }[];
  };
}
const rawConfig = (): Raw => JSON.parse(readFileSync(bed.configPath, "utf8"));
/** A variant of the healthy config in its own file (same simulators, same state unless changed). */
function configWith(change: (raw: Raw) => void): string {
  const raw = rawConfig();
  raw.statePath = bed.statePath;
  change(raw);
  const path = join(bed.dir, `variant-${++copies}.json`);
  writeFileSync(path, JSON.stringify(raw), { mode: 0o600 });
  return path;
}
/** A separate state file prepared by `fill` (the daemon's own file stays untouched). */
function stateWith(fill: (store: ReturnType<typeof openStore>) => void): string {
  const path = join(bed.dir, `state-${++copies}.db`);
  const store = openStore(path);
  try {
    fill(store);
  } finally {
    store.close();
  }
  return path;
}

const doctor = (configPath = bed.configPath, extra: Partial<Parameters<typeof runDoctor>[0]> = {}) =>
  runDoctor({ configPath, env: {}, daemonUrl: daemon.url, timeoutMs: 10_000, ...extra });
const failed = (r: DoctorReport) =>
  r.checks.filter((c) => c.status === "fail").map((c) => (c.subject ? `${c.id}:${c.subject}` : c.id));
const find = (r: DoctorReport, id: string) => r.checks.find((c) => c.id === id)!;

beforeAll(async () => {
  echo = await startIpEcho();
  bed = await startTestbed({ mode: "hybrid", kommo: { now: () => Date.now() + kommoSkewMs } });
  shopId = bed.shops[0]!.shopId;
  daemon = await startDaemon({ config: bed.config, port: 0 });
  await bed.connectDaemon(daemon.url);
  // The healthy setup: the public URL is where the daemon listens, the echo service tells the egress IP.
  const raw = rawConfig();
  raw.server = { ...raw.server, publicUrl: daemon.url, port: daemon.port };
  raw.endpoints.ipEcho = echo.url;
  writeFileSync(bed.configPath, JSON.stringify(raw), { mode: 0o600 });
  tk = new TokopediaClient({
    appName: "main",
    ...bed.tokopedia.app,
    authBaseUrl: bed.tokopedia.authUrl,
    apiBaseUrl: bed.tokopedia.apiUrl,
  });
  await waitFor("first sync of the shop", () =>
    daemon.store.shopStatus.listShopStatus().some((s) => s.shopId === shopId && s.lastSuccessAt),
  );
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
  await echo?.close();
});

describe("doctor on a healthy setup", () => {
  it("passes every check", async () => {
    const r = await doctor();
    expect(r.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(r.ok).toBe(true);
    const ids = new Set(r.checks.map((c) => c.id));
    for (const id of [
      "config.valid",
      "state.readable",
      "tokopedia.credentials",
      "tokopedia.ip-whitelist",
      "tokopedia.shop-bound",
      "tokopedia.webhook-url",
      "tokopedia.webhook-secret",
      "kommo.token",
      "kommo.token-expiry",
      "kommo.channel-secret",
      "kommo.scope",
      "kommo.clock",
      "daemon.healthz",
      "jobs.dead",
      "jobs.backlog",
      "shop.last-sync",
    ])
      expect(ids.has(id), id).toBe(true);
    expect(find(r, "tokopedia.ip-whitelist").message).toContain("127.0.0.1");
  });

  it("the built binary: doctor --json exits 0 and prints checks with id, status, message", async () => {
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, "--config", bed.configPath, "doctor", "--json"], {
        env: { ...process.env, TOKOKOMMO_CONFIG: undefined },
      });
      let stdout = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.on("error", reject);
      child.on("close", (status) => resolve({ status, stdout }));
    });
    const report = JSON.parse(r.stdout) as DoctorReport;
    expect(report.checks.filter((c) => c.status !== "pass")).toEqual([]);
    expect(r.status).toBe(0);
    expect(report.checks[0]).toMatchObject({ id: "config.valid", status: "pass" });
    expect(r.stdout).not.toContain(rawConfig().kommo.accounts[0]!.channel.secret);
  });

  it("--shop keeps only that shop's checks", async () => {
    const r = await doctor(bed.configPath, { shop: "999" });
    expect(r.checks.some((c) => c.id === "tokopedia.shop-bound")).toBe(false);
    expect(r.ok).toBe(true);
  });
});

describe("each fault fails exactly its check", () => {
  it("config.valid: a config with a wrong account name", async () => {
    const path = configWith((raw) => {
      raw.shops[0]!.kommoAccount = "nope";
    });
    const r = await doctor(path);
    expect(failed(r)).toEqual(["config.valid"]);
    expect(find(r, "config.valid").message).toContain("shops[0].kommoAccount");
    expect(find(r, "config.valid").fix).toBeTruthy();
    expect(r.checks.filter((c) => c.status === "skip").length).toBeGreaterThan(0);
  });

  it("state.readable: a state file that is not SQLite", async () => {
    const bad = join(bed.dir, "garbage.db");
    writeFileSync(bad, "this is not a database".repeat(100));
    const r = await doctor(configWith((raw) => (raw.statePath = bad)));
    expect(failed(r)).toEqual(["state.readable"]);
    expect(find(r, "state.readable").fix).toBeTruthy();
  });

  it("state.permissions: a state file other users may read warns, naming the chmod that fixes it", async () => {
    const statePath = stateWith(() => undefined);
    const config = configWith((raw) => (raw.statePath = statePath));
    expect(find(await doctor(config), "state.permissions").status).toBe("pass");
    chmodSync(statePath, 0o644);
    const r = await doctor(config);
    expect(failed(r)).toEqual([]);
    const check = find(r, "state.permissions");
    expect(check.status).toBe("warn");
    expect(check.message).toContain(`${statePath} is 0644`);
    expect(check.fix).toContain(`chmod 600 ${statePath}`);
  });

  it("tokopedia.credentials: the app's client is revoked", async () => {
    bed.tokopedia.revokeClient();
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["tokopedia.credentials:main"]);
      expect(find(r, "tokopedia.credentials").fix).toMatch(/client ID and client secret/);
    } finally {
      bed.tokopedia.restoreClient();
    }
  });

  it("tokopedia.ip-whitelist: this server's IP is not on the list", async () => {
    bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["10.9.9.9"] });
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["tokopedia.ip-whitelist:main"]);
      expect(find(r, "tokopedia.ip-whitelist").fix).toBe(
        `add 127.0.0.1 to the IP whitelist of app ${bed.tokopedia.app.fsId} in the Tokopedia Developer Console (App > IP Whitelist), then run again`,
      );
    } finally {
      bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["127.0.0.1"] });
    }
  });

  it("tokopedia.ip-whitelist: an enforced whitelist refusing us, named with the exact fix", async () => {
    bed.tokopedia.setIpWhitelist({ enforce: true, ips: ["10.9.9.9"] });
    try {
      const r = await doctor();
      expect(failed(r)).toContain("tokopedia.ip-whitelist:main");
      expect(find(r, "tokopedia.ip-whitelist").fix).toContain("add 127.0.0.1 to the IP whitelist");
    } finally {
      bed.tokopedia.setIpWhitelist({ enforce: false, ips: ["127.0.0.1"] });
    }
  });

  it("tokopedia.ip-whitelist warns when the IP cannot be told", async () => {
    const r = await doctor(configWith((raw) => delete raw.endpoints.ipEcho));
    expect(failed(r)).toEqual([]);
    expect(find(r, "tokopedia.ip-whitelist").status).toBe("warn");
  });

  it("config.egress-ip: --egress-ip is not an address", async () => {
    const r = await doctor(bed.configPath, { egressIp: "not-an-ip" });
    expect(failed(r)).toEqual(["config.egress-ip"]);
  });

  it("tokopedia.shop-bound: the shop's binding is removed (403 RBAC_MDLW_001)", async () => {
    bed.tokopedia.unbindShop(shopId);
    try {
      const r = await doctor();
      expect(failed(r)).toEqual([`tokopedia.shop-bound:${shopId}`]);
      const c = find(r, "tokopedia.shop-bound");
      expect(c.message).toContain("RBAC_MDLW_001");
      expect(c.fix).toContain("approval e-mail");
    } finally {
      bed.tokopedia.bindShop(shopId);
    }
  });

  it("tokopedia.shop-bound: approval still pending", async () => {
    bed.tokopedia.bindShop(shopId, { state: "pending" });
    try {
      const r = await doctor();
      expect(failed(r)).toEqual([`tokopedia.shop-bound:${shopId}`]);
      expect(find(r, "tokopedia.shop-bound").message).toContain("not yet approved");
    } finally {
      bed.tokopedia.bindShop(shopId);
    }
  });

  it("tokopedia.webhook-url: another chat URL is registered", async () => {
    await tk.registerWebhooks({ chat_notification_url: "https://old.example.com/hook" });
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["tokopedia.webhook-url:main"]);
      expect(find(r, "tokopedia.webhook-url").message).toContain("https://old.example.com/hook");
    } finally {
      await tk.registerWebhooks({ chat_notification_url: `${daemon.url}/webhooks/tokopedia/main` });
    }
  });

  it("tokopedia.webhook-secret: another secret is registered (and never printed)", async () => {
    await tk.registerWebhooks({ webhook_secret: "someone-elses-secret" });
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["tokopedia.webhook-secret:main"]);
      expect(JSON.stringify(r)).not.toContain("someone-elses-secret");
      expect(JSON.stringify(r)).not.toContain(TESTBED_WEBHOOK_SECRET);
    } finally {
      await tk.registerWebhooks({ webhook_secret: TESTBED_WEBHOOK_SECRET });
    }
  });

  it("tokopedia.webhook-secret: an app without a secret is warned about, with the fix", async () => {
    await tk.registerWebhooks({ webhook_secret: "" });
    try {
      const r = await doctor(configWith((raw) => delete raw.tokopedia.apps[0]!.webhookSecret));
      expect(failed(r)).toEqual([]);
      const c = find(r, "tokopedia.webhook-secret");
      expect(c.status).toBe("warn");
      expect(c.message).toContain("not signed");
      expect(c.fix).toContain("webhookSecret");
      expect(c.fix).toContain("tokokommo init --no-interactive --app main");
    } finally {
      await tk.registerWebhooks({ webhook_secret: TESTBED_WEBHOOK_SECRET });
    }
  });

  it("kommo.token: the long-lived token is revoked", async () => {
    const raw = rawConfig();
    const old = raw.kommo.accounts[0]!.auth.longLivedToken as string;
    bed.kommo.revokeAccessToken(old);
    const r = await doctor();
    // A new token for the rest of the suite (the daemon keeps its own copy; it is not asked here).
    raw.kommo.accounts[0]!.auth.longLivedToken = bed.kommo.longLivedToken(bed.accountId);
    writeFileSync(bed.configPath, JSON.stringify(raw), { mode: 0o600 });
    expect(failed(r)).toEqual(["kommo.token:acme"]);
    expect(find(r, "kommo.token").message).toContain("TK_ERR_KOMMO_UNAUTHORIZED");
    expect(JSON.stringify(r)).not.toContain(old);
  });

  it("kommo.token-expiry: an OAuth refresh token past Kommo's 3-month limit", async () => {
    const client = bed.kommo.addOAuthClient({ redirectUri: "https://bridge.example.com/oauth" });
    const statePath = stateWith(() => undefined);
    const store = openStore(statePath);
    try {
      const rest = new KommoRestClient({
        baseUrl: bed.kommo.url,
        auth: {
          kind: "oauth",
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          redirectUri: client.redirectUri,
        },
        tokenStore: store.tokens,
        tokenKey: "kommo:acme",
      });
      await rest.exchangeCode(bed.kommo.authorizationCode(bed.accountId, client.clientId));
      const pair = store.tokens.load("kommo:acme")!;
      const day = 24 * 3600_000;
      store.tokens.save("kommo:acme", {
        ...pair,
        obtainedAt: Date.now() - 95 * day,
        refreshExpiresAt: Date.now() - 5 * day,
      });
      store.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId });
    } finally {
      store.close();
    }
    const path = configWith((raw) => {
      raw.statePath = statePath;
      raw.kommo.accounts[0]!.auth = {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUri: client.redirectUri,
      };
    });
    const r = await doctor(path);
    expect(failed(r)).toEqual(["kommo.token-expiry:acme"]);
    expect(find(r, "kommo.token-expiry").message).toContain("3-month");
  });

  it("kommo.channel-secret: amojo refuses the configured secret", async () => {
    const r = await doctor(configWith((raw) => (raw.kommo.accounts[0]!.channel.secret = "wrong-secret")));
    expect(failed(r)).toEqual(["kommo.channel-secret:acme"]);
    expect(find(r, "kommo.channel-secret").message).toContain("ORIGIN_INVALID_SIGNATURE");
    expect(find(r, "kommo.scope").status).toBe("skip");
  });

  it("kommo.scope: the channel is disconnected from the account", async () => {
    const acct = rawConfig().kommo.accounts[0]!;
    const chats = new KommoChatsClient({
      baseUrl: bed.kommo.url,
      channelId: acct.channel.id,
      channelSecret: acct.channel.secret,
    });
    await chats.disconnect(acct.amojoId);
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["kommo.scope:acme"]);
      expect(find(r, "kommo.scope").message).toContain("not connected");
    } finally {
      await chats.connect(acct.amojoId, "Tokopedia");
    }
  });

  it("kommo.clock: Kommo's clock is 8 minutes off", async () => {
    kommoSkewMs = -8 * 60_000;
    try {
      const r = await doctor();
      expect(failed(r)).toEqual(["kommo.clock"]);
      expect(find(r, "kommo.clock").message).toMatch(/4[78]\d s ahead of Kommo/);
      expect(find(r, "kommo.clock").fix).toContain("timedatectl");
    } finally {
      kommoSkewMs = 0;
    }
  });

  it("jobs.dead: dead jobs in the state", async () => {
    const statePath = stateWith((s) => {
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId });
      const id = s.jobs.enqueue({ kind: "deliver_to_kommo", shopKey: `tokopedia:${shopId}` });
      s.db.prepare("UPDATE jobs SET state = 'dead' WHERE id = ?").run(id);
    });
    const r = await doctor(configWith((raw) => (raw.statePath = statePath)));
    expect(failed(r)).toEqual(["jobs.dead"]);
    expect(find(r, "jobs.dead").fix).toContain("tokokommo retry --dead");
  });

  it("jobs.backlog: a due job waiting for an hour", async () => {
    const statePath = stateWith((s) => {
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId });
      s.jobs.enqueue({
        kind: "deliver_to_kommo",
        shopKey: `tokopedia:${shopId}`,
        runAfter: Date.now() - 3600_000,
      });
    });
    const r = await doctor(configWith((raw) => (raw.statePath = statePath)));
    expect(failed(r)).toEqual(["jobs.backlog"]);
  });

  it("shop.last-sync: the last sync failed / was long ago", async () => {
    const failing = stateWith((s) =>
      s.shopStatus.recordShopError(
        { source: "tokopedia", shopId },
        { error: "token rejected", code: "TK_ERR_TOKOPEDIA_AUTH" },
      ),
    );
    let r = await doctor(configWith((raw) => (raw.statePath = failing)));
    expect(failed(r)).toEqual([`shop.last-sync:${shopId}`]);
    expect(find(r, "shop.last-sync").message).toContain("TK_ERR_TOKOPEDIA_AUTH");
    const stale = stateWith((s) =>
      s.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId }, Date.now() - 3 * 3600_000),
    );
    r = await doctor(configWith((raw) => (raw.statePath = stale)));
    expect(failed(r)).toEqual([`shop.last-sync:${shopId}`]);
  });

  it("config.public-url warns on plain http beyond loopback", async () => {
    const r = await doctor(configWith((raw) => (raw.server.publicUrl = "http://bridge.example.com")));
    expect(find(r, "config.public-url").status).toBe("warn");
    expect(failed(r)).toContain("tokopedia.webhook-url:main"); // the registered URL is not that one
  });

  it("config.media-private-networks warns while media downloads may reach private networks", async () => {
    // The testbed allows them, and passes: its Kommo simulator serves the pictures on 127.0.0.1.
    let r = await doctor();
    expect(find(r, "config.media-private-networks").status).toBe("pass");
    const realKommo = (raw: Raw) => (raw.endpoints.kommoChats = "https://amojo.kommo.com");
    r = await doctor(configWith(realKommo));
    expect(find(r, "config.media-private-networks").status).toBe("warn");
    expect(find(r, "config.media-private-networks").fix).toContain("media.allowPrivateNetworks");
    r = await doctor(
      configWith((raw) => {
        realKommo(raw);
        raw.media = { allowPrivateNetworks: false };
      }),
    );
    expect(find(r, "config.media-private-networks").status).toBe("pass");
    r = await doctor(
      configWith((raw) => {
        realKommo(raw);
        raw.media = { allowPrivateNetworks: false };
      }),
      { env: { TOKOKOMMO_MEDIA_ALLOW_PRIVATE_NETWORKS: "1" } },
    );
    expect(find(r, "config.media-private-networks").status).toBe("warn");
  });

  it("daemon.healthz: the daemon is down (last: stops it)", async () => {
    await daemon.stop();
    const r = await doctor();
    expect(failed(r)).toEqual(["daemon.healthz"]);
    expect(find(r, "daemon.healthz").fix).toContain("tokokommo serve");
  });
});
