/** doctor's Kommo checks: each fault, injected into the Kommo simulator, the state or the config, fails exactly its check. */
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { KommoChatsClient, KommoRestClient } from "../../src/kommo/index.js";
import { openStore } from "../../src/store/index.js";
import { failed, find, useDoctorBed } from "./testbed.js";

const t = useDoctorBed();

describe("each Kommo fault fails exactly its check", () => {
  it("kommo.token: the long-lived token is revoked", async () => {
    const raw = t.rawConfig();
    const old = raw.kommo.accounts[0]!.auth.longLivedToken as string;
    t.bed.kommo.revokeAccessToken(old);
    const r = await t.doctor();
    // A new token for the rest of the suite (the daemon keeps its own copy; it is not asked here).
    raw.kommo.accounts[0]!.auth.longLivedToken = t.bed.kommo.longLivedToken(t.bed.accountId);
    writeFileSync(t.bed.configPath, JSON.stringify(raw), { mode: 0o600 });
    expect(failed(r)).toEqual(["kommo.token:acme"]);
    expect(find(r, "kommo.token").message).toContain("TK_ERR_KOMMO_UNAUTHORIZED");
    expect(JSON.stringify(r)).not.toContain(old);
  });
  it("kommo.token-expiry: an OAuth refresh token past Kommo's 3-month limit", async () => {
    const client = t.bed.kommo.addOAuthClient({ redirectUri: "https://bridge.example.com/oauth" });
    const statePath = t.stateWith(() => undefined);
    const store = openStore(statePath);
    try {
      const rest = new KommoRestClient({
        baseUrl: t.bed.kommo.url,
        auth: {
          kind: "oauth",
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          redirectUri: client.redirectUri,
        },
        tokenStore: store.tokens,
        tokenKey: "kommo:acme",
      });
      await rest.exchangeCode(t.bed.kommo.authorizationCode(t.bed.accountId, client.clientId));
      const pair = store.tokens.load("kommo:acme")!;
      const day = 24 * 3600_000;
      store.tokens.save("kommo:acme", {
        ...pair,
        obtainedAt: Date.now() - 95 * day,
        refreshExpiresAt: Date.now() - 5 * day,
      });
      store.shopStatus.recordSyncSuccess({ source: "tokopedia", shopId: t.shopId });
    } finally {
      store.close();
    }
    const path = t.configWith((raw) => {
      raw.statePath = statePath;
      raw.kommo.accounts[0]!.auth = {
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        redirectUri: client.redirectUri,
      };
    });
    const r = await t.doctor(path);
    expect(failed(r)).toEqual(["kommo.token-expiry:acme"]);
    expect(find(r, "kommo.token-expiry").message).toContain("3-month");
  });
  it("kommo.channel-secret: amojo refuses the configured secret", async () => {
    const r = await t.doctor(t.configWith((raw) => (raw.kommo.accounts[0]!.channel.secret = "wrong-secret")));
    expect(failed(r)).toEqual(["kommo.channel-secret:acme"]);
    expect(find(r, "kommo.channel-secret").message).toContain("ORIGIN_INVALID_SIGNATURE");
    expect(find(r, "kommo.scope").status).toBe("skip");
  });
  it("kommo.scope: the channel is disconnected from the account", async () => {
    const acct = t.rawConfig().kommo.accounts[0]!;
    const chats = new KommoChatsClient({
      baseUrl: t.bed.kommo.url,
      channelId: acct.channel.id,
      channelSecret: acct.channel.secret,
    });
    await chats.disconnect(acct.amojoId);
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["kommo.scope:acme"]);
      expect(find(r, "kommo.scope").message).toContain("not connected");
    } finally {
      await chats.connect(acct.amojoId, "Tokopedia");
    }
  });
  it("kommo.clock: Kommo's clock is 8 minutes off", async () => {
    t.kommoSkewMs = -8 * 60_000;
    try {
      const r = await t.doctor();
      expect(failed(r)).toEqual(["kommo.clock"]);
      expect(find(r, "kommo.clock").message).toMatch(/4[78]\d s ahead of Kommo/);
      expect(find(r, "kommo.clock").fix).toContain("timedatectl");
    } finally {
      t.kommoSkewMs = 0;
    }
  });
});
