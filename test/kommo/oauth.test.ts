import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { MemoryTokenStore, type StoredToken, type TokenStore } from "../../src/auth/token-store.js";
import { KommoRateLimiter, type KommoRestClient } from "../../src/kommo/index.js";
import { FileTokenStore } from "../helpers/file-token-store.js";
import { useKommoOAuth } from "../helpers/kommo-simulator.js";

const kommo = useKommoOAuth();
let dir: string;
let n = 0;
/** The client's clock: tests move it forward to make the client believe its access token expired. */
let clientOffsetMs = 0;
/**
 * One account, one budget: every client in this file shares the account's limiter, as in production. Rate limits
 * are not under test here, so simulator and limiter allow 50 per window to keep the file fast.
 */
const limiter = new KommoRateLimiter({ limit: 50 });

function client(store: TokenStore, key: string) {
  return kommo.client(store, key, { limiter, now: () => Date.now() + clientOffsetMs });
}

/** A fresh account key with an authorized pair in `store`. */
async function authorized(store: TokenStore): Promise<{ key: string; c: KommoRestClient }> {
  const key = `kommo:acme:${++n}`;
  const c = client(store, key);
  await c.exchangeCode(kommo.authorizationCode());
  return { key, c };
}

const tokenCalls = () => kommo.sim.requestLog().filter((r) => r.path === "/oauth2/access_token").length;

async function codeOf(p: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown> }> {
  return (await p.then(
    () => ({}),
    (e: unknown) => e,
  )) as { code?: string; details?: Record<string, unknown> };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tk-kommo-oauth-"));
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  clientOffsetMs = 0; // the client's clock back to now after a test that moved it forward
});

describe("OAuth code exchange", () => {
  it("stores the pair and uses it; a reused code is refused with TK_ERR_KOMMO_REAUTHORIZE", async () => {
    const store = new MemoryTokenStore();
    const key = "kommo:exchange";
    const c = client(store, key);
    const code = kommo.authorizationCode();
    const { expiresAt } = await c.exchangeCode(code);
    expect(expiresAt).toBeGreaterThan(Date.now() + 23 * 3600_000);
    expect(store.load(key)?.refreshToken).toMatch(/^rt_/);
    expect((await c.account()).amojoId).toBe(kommo.account.amojoId);
    const again = await codeOf(c.exchangeCode(code));
    expect(again.code).toBe("TK_ERR_KOMMO_REAUTHORIZE");
    expect(again.details?.hint).toBe("Authorization code has been revoked");
  });

  it("no stored pair → TK_ERR_KOMMO_NOT_AUTHORIZED without any request", async () => {
    const before = kommo.sim.requestLog().length;
    expect((await codeOf(client(new MemoryTokenStore(), "kommo:none").account())).code).toBe(
      "TK_ERR_KOMMO_NOT_AUTHORIZED",
    );
    expect(kommo.sim.requestLog().length).toBe(before);
  });
});

describe("refresh with single-use rotating refresh tokens", () => {
  it("a 401 (token expired server-side) refreshes once, persists the new pair, retries the call", async () => {
    const store = new MemoryTokenStore();
    const { key, c } = await authorized(store);
    const first = store.load(key)!;
    kommo.sim.expireAccessTokens();
    expect((await c.account()).id).toBe(kommo.account.id);
    const second = store.load(key)!;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.meta?.refreshStartedAt).toBeUndefined();
    expect(kommo.sim.tokenStats().spentRefreshPresented).toBe(0);
  });

  it("concurrent calls after expiry share one refresh (a second one would present a spent token)", async () => {
    const store = new MemoryTokenStore();
    const { c } = await authorized(store);
    kommo.sim.expireAccessTokens();
    const before = kommo.sim.tokenStats();
    const results = await Promise.all(Array.from({ length: 6 }, () => c.account()));
    expect(results.every((r) => r.id === kommo.account.id)).toBe(true);
    expect(kommo.sim.tokenStats().refreshesIssued - before.refreshesIssued).toBe(1);
    expect(kommo.sim.tokenStats().spentRefreshPresented).toBe(before.spentRefreshPresented);
  });

  it("a restart after a rotation reuses nothing spent: a new client on the same file continues", async () => {
    const path = join(dir, "tokens-restart.json");
    const { key, c } = await authorized(new FileTokenStore(path));
    kommo.sim.expireAccessTokens();
    await c.account(); // rotates; the process "dies" here (the client is dropped)
    const restarted = client(new FileTokenStore(path), key);
    expect((await restarted.account()).id).toBe(kommo.account.id);
    kommo.sim.expireAccessTokens();
    const before = kommo.sim.tokenStats();
    expect((await restarted.account()).id).toBe(kommo.account.id);
    expect(kommo.sim.tokenStats().refreshesIssued).toBe(before.refreshesIssued + 1);
    expect(kommo.sim.tokenStats().spentRefreshPresented).toBe(before.spentRefreshPresented);
  });

  it("the new pair is saved before the new access token is used: if saving fails, the call is not made", async () => {
    const path = join(dir, "tokens-crash.json");
    const { key } = await authorized(new FileTokenStore(path));
    // A store whose disk "dies" on the save that carries the rotated pair (the marker save still succeeds).
    const disk = new FileTokenStore(path);
    const dying: TokenStore = {
      load: (k) => disk.load(k),
      delete: (k) => disk.delete(k),
      save: (k, t: StoredToken) => {
        if (t.meta?.refreshStartedAt === undefined) throw new Error("disk died");
        disk.save(k, t);
      },
    };
    clientOffsetMs = 25 * 3600_000; // the client sees its token as expired and refreshes before calling
    const requestsBefore = kommo.sim.requestLog().length;
    await expect(client(dying, key).account()).rejects.toThrow("disk died");
    const after = kommo.sim.requestLog().slice(requestsBefore);
    expect(after.map((r) => r.path)).toEqual(["/oauth2/access_token"]); // no /api/v4/account with the unsaved token
    // Honest limit: Kommo rotated, we lost the pair. The restarted process knows (marker) and says so precisely.
    expect(disk.load(key)?.meta?.refreshStartedAt).toBeTypeOf("number");
    const restarted = await codeOf(client(new FileTokenStore(path), key).account());
    expect(restarted.code).toBe("TK_ERR_KOMMO_REAUTHORIZE");
    expect(restarted.details).toMatchObject({ interruptedRefresh: true, hint: "Invalid refresh token" });
  });

  it("a connection lost BEFORE the server processed the refresh: retried with the same token, nothing lost", async () => {
    const store = new MemoryTokenStore();
    const { key, c } = await authorized(store);
    clientOffsetMs = 25 * 3600_000;
    kommo.sim.dropNext(1, { host: "rest" });
    expect((await c.account()).id).toBe(kommo.account.id);
    expect(store.load(key)?.meta).toBeUndefined();
  });

  it("a connection lost AFTER the server rotated: the pair is unrecoverable; the error says so and is remembered", async () => {
    const store = new MemoryTokenStore();
    const { key, c } = await authorized(store);
    clientOffsetMs = 25 * 3600_000;
    kommo.sim.dropNext(1, { host: "rest", afterProcessing: true });
    const e = await codeOf(c.account());
    expect(e.code).toBe("TK_ERR_KOMMO_REAUTHORIZE");
    expect(e.details).toMatchObject({ interruptedRefresh: true, retryable: false });
    // Remembered: the next call fails at once instead of presenting the dead token again.
    const calls = tokenCalls();
    expect((await codeOf(c.account())).code).toBe("TK_ERR_KOMMO_REAUTHORIZE");
    expect(tokenCalls()).toBe(calls);
    // Authorizing again heals it.
    await c.exchangeCode(kommo.authorizationCode());
    clientOffsetMs = 0;
    expect((await c.account()).id).toBe(kommo.account.id);
    expect(store.load(key)?.meta).toBeUndefined();
  });

  it("revoked refresh tokens → TK_ERR_KOMMO_REAUTHORIZE (not retryable); 5xx on refresh keeps the stored pair", async () => {
    const store = new MemoryTokenStore();
    const { key, c } = await authorized(store);
    const saved = store.load(key)!;
    kommo.sim.failNext(2, { host: "rest", status: 503 });
    clientOffsetMs = 25 * 3600_000;
    const e = await codeOf(c.account());
    expect(e.code).toBe("TK_ERR_KOMMO_UNAVAILABLE");
    expect(store.load(key)?.refreshToken).toBe(saved.refreshToken);
    expect((await c.account()).id).toBe(kommo.account.id); // the marker did not stop a later, clean refresh
    kommo.sim.revokeRefreshTokens();
    clientOffsetMs = 50 * 3600_000;
    const r = await codeOf(c.account());
    expect(r.code).toBe("TK_ERR_KOMMO_REAUTHORIZE");
    expect(r.details?.retryable).toBe(false);
  });
});
