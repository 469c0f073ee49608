/**
 * The single-use refresh token across replicas: two replicas whose Kommo access token expires at the same moment
 * make exactly one refresh call against the simulator's OAuth route, over real HTTP, and both end with the new
 * token. The same for a TikTok Shop seller's token. On PostgreSQL each replica has its own PgTokenStore (its own
 * pool and in-memory copy) and coordinator on one database, and the new refresh token is committed before the
 * refresh lock is released (a store opened afterwards reads it). In process: two token store objects on one file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { StoredToken, TokenStore } from "../../src/auth/token-store.js";
import { MemoryCoordinator } from "../../src/cluster/memory.js";
import type { Coordinator } from "../../src/cluster/port.js";
import { PostgresCoordinator } from "../../src/cluster/postgres.js";
import { withClusterRefreshLock } from "../../src/cluster/refresh-lock.js";
import { KommoRateLimiter, type KommoRestClient } from "../../src/kommo/index.js";
import { startTikTokShopSim, type TikTokShopSim } from "../../src/sim/tiktokshop/index.js";
import { TikTokShopAuth } from "../../src/sources/tiktokshop/auth.js";
import { FileTokenStore } from "../helpers/file-token-store.js";
import { useKommoOAuth } from "../helpers/kommo-simulator.js";
import { migratedDatabase, pgTokenStores, slowWrites } from "../helpers/pg-token-stores.js";
import { sharedPostgres, type TestPostgres } from "../helpers/postgres.js";

const kommo = useKommoOAuth();
let tts: TikTokShopSim;
let dir: string;
let server: TestPostgres;
const pgStores = pgTokenStores();
let n = 0;

beforeAll(async () => {
  tts = await startTikTokShopSim();
  dir = mkdtempSync(join(tmpdir(), "tk-refresh-race-"));
  server = await sharedPostgres();
}, 60_000);

const readers: pg.Client[] = [];
afterEach(async () => {
  await pgStores.closeAll();
  await Promise.all(readers.splice(0).map((r) => r.end()));
});

afterAll(async () => {
  await tts?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Two replicas' token stores (each under its replica's refresh lock) and how to read the shared state. */
interface Replicas {
  stores: [TokenStore, TokenStore];
  /** After a write outside a refresh: every replica sees it (the periodic reload, on PostgreSQL). */
  settle(): Promise<void>;
  /** The token as a process started now reads it. */
  readFresh(key: string): Promise<StoredToken | undefined>;
  /** On PostgreSQL: the refresh token stored in the database at the end of each refresh lock, just before release. */
  atRelease: (string | undefined)[];
}

function fileReplicas(coordinators: [Coordinator, Coordinator]): Replicas {
  const file = join(dir, `tokens-${++n}.json`);
  return {
    stores: coordinators.map((c) => withClusterRefreshLock(new FileTokenStore(file), c)) as [
      TokenStore,
      TokenStore,
    ],
    settle: async () => {},
    readFresh: async (key) => new FileTokenStore(file).load(key),
    atRelease: [],
  };
}

/** The refresh token stored in the database, read on a connection of its own (connected beforehand: quick). */
async function storedRefreshToken(reader: pg.Client, key: string): Promise<string | undefined> {
  const { rows } = await reader.query<{ value_json: string }>(
    "SELECT value_json FROM tokens WHERE key = $1",
    [key],
  );
  return rows[0] ? (JSON.parse(rows[0].value_json) as StoredToken).refreshToken : undefined;
}

/** `c`, recording the stored refresh token of `key` as the last step inside each of its refresh locks. */
function recordingAtRelease(
  c: Coordinator,
  reader: pg.Client,
  key: string,
  seen: (string | undefined)[],
): Coordinator {
  const wrapped = Object.create(c) as Coordinator;
  wrapped.withRefreshLock = (lockKey, fn) =>
    c.withRefreshLock(lockKey, async () => {
      const result = await fn();
      seen.push(await storedRefreshToken(reader, key));
      return result;
    });
  return wrapped;
}

/**
 * Two replicas on one fresh database, each with its own pool, PgTokenStore and PostgresCoordinator. Their stores'
 * writes start 30 ms late, so a write left to the background would still be uncommitted when the lock is released.
 */
async function pgReplicas(key: string): Promise<Replicas> {
  const url = await migratedDatabase(server);
  const atRelease: (string | undefined)[] = [];
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  readers.push(reader);
  const opened = await Promise.all(
    [0, 1].map(() => pgStores.open(url, { max: 4, wrapSql: (sql) => slowWrites(sql, 30) })),
  );
  const coordinators = opened.map((o) => new PostgresCoordinator({ pool: o.pool }));
  await coordinators[0]?.ensureSchema();
  return {
    stores: opened.map((o, i) =>
      withClusterRefreshLock(
        o.store,
        recordingAtRelease(coordinators[i] as Coordinator, reader, key, atRelease),
      ),
    ) as [TokenStore, TokenStore],
    async settle() {
      for (const o of opened) await o.store.flush();
      for (const o of opened) await o.store.reload();
    },
    readFresh: async (k) => (await pgStores.open(url)).store.load(k),
    atRelease,
  };
}

/** A replica's client: its own limiter, as each replica process has. */
function kommoClient(store: TokenStore, key: string, clock: () => number): KommoRestClient {
  return kommo.client(store, key, { limiter: new KommoRateLimiter({ limit: 50 }), now: clock });
}

async function race(key: string, replicas: Replicas): Promise<void> {
  let offset = 0;
  const clock = () => Date.now() + offset;
  const [a, b] = replicas.stores.map((s) => kommoClient(s, key, clock)) as [KommoRestClient, KommoRestClient];
  await a.exchangeCode(kommo.authorizationCode());
  await replicas.settle();
  const before = await replicas.readFresh(key);
  const statsBefore = kommo.sim.tokenStats();
  // Both replicas' clocks pass the access token's expiry at the same moment.
  offset = 25 * 3600_000;
  const accounts = await Promise.all([a.account(), b.account()]);
  expect(accounts.map((x) => x.amojoId)).toEqual([kommo.account.amojoId, kommo.account.amojoId]);
  const stats = kommo.sim.tokenStats();
  expect(stats.refreshesIssued - statsBefore.refreshesIssued).toBe(1);
  expect(stats.spentRefreshPresented - statsBefore.spentRefreshPresented).toBe(0);
  const after = await replicas.readFresh(key);
  expect(after?.accessToken).not.toBe(before?.accessToken);
  expect(after?.refreshToken).not.toBe(before?.refreshToken);
  expect(after?.meta?.reauthorize).toBeUndefined();
  expect(after?.meta?.refreshStartedAt).toBeUndefined();
  expect(replicas.stores.map((s) => s.load(key))).toEqual([after, after]);
  // Both replicas now use the new token: no further refresh.
  await Promise.all([a.account(), b.account()]);
  expect(kommo.sim.tokenStats().refreshesIssued - statsBefore.refreshesIssued).toBe(1);
}

/** Two replicas' TikTok Shop auth of one seller; the token expires for both at once. */
async function ttsRace(replicasFor: (key: string) => Promise<Replicas>): Promise<Replicas> {
  const seller = tts.createSeller();
  const auth = (store: TokenStore) =>
    new TikTokShopAuth({
      appName: "tts",
      appKey: tts.appKey,
      appSecret: tts.appSecret,
      authBaseUrl: tts.url,
      tokenStore: store,
    });
  const key = auth(new FileTokenStore(join(dir, "unused.json"))).tokenKey(seller.openId);
  const replicas = await replicasFor(key);
  const auths = replicas.stores.map(auth) as [TikTokShopAuth, TikTokShopAuth];
  await auths[0].exchangeCode(tts.authorize(seller.openId));
  const old = replicas.stores[0].load(key);
  if (!old) throw new Error("no token stored");
  replicas.stores[0].save(key, { ...old, expiresAt: Date.now() - 1 });
  await replicas.settle();
  const refreshes = () => tts.calls().filter((c) => c.path === "/api/v2/token/refresh").length;
  const before = refreshes();
  const tokens = await Promise.all(auths.map((a) => a.accessToken(seller.openId)));
  expect(refreshes() - before).toBe(1);
  expect(tokens[0]).not.toBe(old.accessToken);
  expect(tokens[1]).toBe(tokens[0]);
  const after = await replicas.readFresh(key);
  expect(after?.accessToken).toBe(tokens[0]);
  expect(after?.refreshToken).not.toBe(old.refreshToken);
  expect(after?.meta?.reauthNeeded).toBe(false);
  expect(replicas.stores.map((s) => s.load(key))).toEqual([after, after]);
  return replicas;
}

describe("the refresh race between two replicas", () => {
  it("PostgreSQL, Kommo: each replica its own PgTokenStore; one refresh call, the new pair committed inside the lock", async () => {
    const key = `kommo:acme:${++n}`;
    const replicas = await pgReplicas(key);
    await race(key, replicas);
    const stored = (await replicas.readFresh(key))?.refreshToken;
    // Two lock sections (the refresh, then the replica that waited and found it done), each ending with it stored.
    expect(replicas.atRelease).toEqual([stored, stored]);
  });

  it("PostgreSQL, TikTok Shop: one refresh of the seller's token, both replicas use the new one, committed inside the lock", async () => {
    const replicas = await ttsRace(pgReplicas);
    const stored = replicas.atRelease[0];
    expect(stored).toBeDefined();
    expect(replicas.atRelease).toEqual([stored, stored]);
  });

  it("in process: one refresh call, both end with the new token", async () => {
    const c = new MemoryCoordinator();
    await race(`kommo:acme:${++n}`, fileReplicas([c, c]));
  });

  it("in process, TikTok Shop: one refresh call, both end with the new token", async () => {
    const c = new MemoryCoordinator();
    await ttsRace(async () => fileReplicas([c, c]));
  });
});
