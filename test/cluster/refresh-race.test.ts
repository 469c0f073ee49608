/**
 * The single-use refresh token across replicas: two replicas (each its own token store object on one shared
 * store, its own limiter and coordinator view) whose Kommo access token expires at the same moment make exactly
 * one refresh call against the simulator's OAuth route, over real HTTP, and both end with the new token. Run with
 * the PostgreSQL coordinator (two pools) and the in-process one. The same for a TikTok Shop seller's token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TokenStore } from "../../src/auth/token-store.js";
import { MemoryCoordinator } from "../../src/cluster/memory.js";
import type { Coordinator } from "../../src/cluster/port.js";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { withClusterRefreshLock } from "../../src/cluster/refresh-lock.js";
import { KommoRateLimiter, KommoRestClient } from "../../src/kommo/index.js";
import {
  type KommoSimulator,
  type OAuthClient,
  type SimAccount,
  startKommoSimulator,
} from "../../src/sim/kommo/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { TikTokShopAuth } from "../../src/sources/tiktokshop/auth.js";
import { FileTokenStore } from "../helpers/file-token-store.js";
import { startPostgres, type TestPostgres } from "../helpers/postgres.js";

let sim: KommoSimulator;
let tts: TikTokShopSim;
let account: SimAccount;
let oauth: OAuthClient;
let dir: string;
let server: TestPostgres;
let url: string;
const pools: pg.Pool[] = [];
let n = 0;

beforeAll(async () => {
  sim = await startKommoSimulator({ rateLimit: { rps: 50 } });
  account = sim.addAccount({ subdomain: "acme" });
  oauth = sim.addOAuthClient({ redirectUri: "https://bridge.example.com/oauth/kommo" });
  tts = await startTikTokShopSim();
  dir = mkdtempSync(join(tmpdir(), "tk-refresh-race-"));
  server = await startPostgres();
  url = await server.createDatabase();
}, 60_000);

afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await sim?.close();
  await tts?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** One replica's client of the account: its own store object, limiter and clock, on the shared token file. */
function replicaClient(file: string, key: string, coordinator: Coordinator, clock: () => number) {
  const store: TokenStore = withClusterRefreshLock(new FileTokenStore(file), coordinator);
  return new KommoRestClient({
    baseUrl: sim.url,
    auth: { kind: "oauth", ...oauth },
    tokenStore: store,
    tokenKey: key,
    limiter: new KommoRateLimiter({ limit: 50 }),
    now: clock,
  });
}

async function race(coordinators: [Coordinator, Coordinator]): Promise<void> {
  const file = join(dir, `tokens-${++n}.json`);
  const key = `kommo:acme:${n}`;
  let offset = 0;
  const clock = () => Date.now() + offset;
  const [a, b] = coordinators.map((c) => replicaClient(file, key, c, clock)) as [
    KommoRestClient,
    KommoRestClient,
  ];
  await a.exchangeCode(sim.authorizationCode(account.id, oauth.clientId));
  const before = new FileTokenStore(file).load(key);
  const statsBefore = sim.tokenStats();
  // Both replicas' clocks pass the access token's expiry at the same moment.
  offset = 25 * 3600_000;
  const accounts = await Promise.all([a.account(), b.account()]);
  expect(accounts.map((x) => x.amojoId)).toEqual([account.amojoId, account.amojoId]);
  const stats = sim.tokenStats();
  expect(stats.refreshesIssued - statsBefore.refreshesIssued).toBe(1);
  expect(stats.spentRefreshPresented - statsBefore.spentRefreshPresented).toBe(0);
  const after = new FileTokenStore(file).load(key);
  expect(after?.accessToken).not.toBe(before?.accessToken);
  expect(after?.meta?.reauthorize).toBeUndefined();
  expect(after?.meta?.refreshStartedAt).toBeUndefined();
  // Both replicas now use the new token: no further refresh.
  await Promise.all([a.account(), b.account()]);
  expect(sim.tokenStats().refreshesIssued - statsBefore.refreshesIssued).toBe(1);
}

/** Two replicas' TikTok Shop auth of one seller, on one token file; the token expires for both at once. */
async function ttsRace(coordinators: [Coordinator, Coordinator]): Promise<void> {
  const file = join(dir, `tts-tokens-${++n}.json`);
  const auths = coordinators.map(
    (c) =>
      new TikTokShopAuth({
        appName: "tts",
        appKey: tts.appKey,
        appSecret: tts.appSecret,
        authBaseUrl: tts.url,
        tokenStore: withClusterRefreshLock(new FileTokenStore(file), c),
      }),
  ) as [TikTokShopAuth, TikTokShopAuth];
  const seller = tts.createSeller();
  await auths[0].exchangeCode(tts.authorize(seller.openId));
  const store = new FileTokenStore(file);
  const key = auths[0].tokenKey(seller.openId);
  const old = store.load(key);
  if (!old) throw new Error("no token stored");
  store.save(key, { ...old, expiresAt: Date.now() - 1 });
  const refreshes = () => tts.calls().filter((c) => c.path === "/api/v2/token/refresh").length;
  const before = refreshes();
  const tokens = await Promise.all(auths.map((a) => a.accessToken(seller.openId)));
  expect(refreshes() - before).toBe(1);
  expect(tokens[0]).not.toBe(old.accessToken);
  expect(tokens[1]).toBe(tokens[0]);
  expect(store.load(key)?.meta?.reauthNeeded).toBe(false);
}

describe("the refresh race between two replicas", () => {
  it("PostgreSQL, TikTok Shop: one refresh of the seller's token, both replicas use the new one", async () => {
    const pair = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return new PostgresCoordinator({ pool });
    }) as [PostgresCoordinator, PostgresCoordinator];
    await pair[0].ensureSchema();
    await ttsRace(pair);
  });

  it("PostgreSQL: two pools make exactly one refresh call, and both end with the new token", async () => {
    const pair = [0, 1].map(() => {
      const pool = new pg.Pool({ connectionString: url, max: 2 });
      pools.push(pool);
      return new PostgresCoordinator({ pool });
    }) as [PostgresCoordinator, PostgresCoordinator];
    await pair[0].ensureSchema();
    await race(pair);
  });

  it("in process: one refresh call, both end with the new token", async () => {
    const c = new MemoryCoordinator();
    await race([c, c]);
  });
});
