/**
 * A config reload rebuilds the shop bindings from the new config: apps and Kommo accounts whose settings did not
 * change are the same objects as before (their rate gates, quota counters and token caches carry on), changed
 * ones are built anew, added ones appear and removed ones are gone.
 */
import { describe, expect, it } from "vitest";
import { MemoryTokenStore } from "../../src/auth/token-store.js";
import { validateConfig } from "../../src/config/index.js";
import { type BindingCache, buildBindings } from "../../src/daemon/topology-from-config.js";
import { validRaw, withChanges } from "../config/fixtures.js";

const tokens = new MemoryTokenStore();
const deps = { tokenStore: tokens, tokenKeys: () => [] };
const config = (changes: Record<string, unknown> = {}) =>
  validateConfig(withChanges(validRaw(), changes), {}, { configPath: "/etc/tokokommo/config.json" });

const second = {
  name: "beta",
  subdomain: "beta",
  amojoId: "11111111-c98f-4255-8495-827210138c81",
  auth: { longLivedToken: "beta-token" },
  channel: { id: "344a5002-f8ca-454d-af3d-396180102ac7", secret: "beta-channel-secret" },
  scopeId: "344a5002-f8ca-454d-af3d-396180102ac7_11111111-c98f-4255-8495-827210138c81",
};

describe("buildBindings across reloads", () => {
  it("reuses unchanged apps and accounts, rebuilds changed ones, adds and drops the rest", () => {
    const cache: BindingCache = new Map();
    const first = buildBindings(config(), deps, cache);
    const [tkp, tts] = first;
    expect(first.map((b) => `${b.source}:${b.shopId}`)).toEqual([
      "tokopedia:481154",
      "tiktokshop:7494049642642441621",
    ]);

    const same = buildBindings(config(), deps, cache);
    expect(same[0]!.app).toBe(tkp!.app);
    expect(same[0]!.kommo).toBe(tkp!.kommo);
    expect(same[1]!.app).toBe(tts!.app);

    // The Tokopedia app changed; a second Kommo account and a shop on it were added; the TikTok Shop shop and its
    // app were removed.
    const next = buildBindings(
      config({
        "tokopedia.apps[0].requestsPerSecond": 2,
        "kommo.accounts": [
          validRaw().kommo && (validRaw().kommo as { accounts: unknown[] }).accounts[0],
          second,
        ],
        tiktokshop: undefined,
        shops: [
          { shopId: 481154, app: "main", kommoAccount: "acme" },
          { shopId: 481155, app: "main", kommoAccount: "beta" },
        ],
      }),
      deps,
      cache,
    );
    expect(next.map((b) => `${b.shopId}->${b.kommo.name}`)).toEqual(["481154->acme", "481155->beta"]);
    expect(next[0]!.app).not.toBe(tkp!.app);
    expect(next[0]!.app.callsPerSecond).toBe(2);
    expect(next[1]!.app).toBe(next[0]!.app);
    expect(next[0]!.kommo).toBe(tkp!.kommo);
    expect(next[1]!.kommo.scopeId).toBe(second.scopeId);
    // What the cache holds now: one Tokopedia app and two accounts; the TikTok Shop app is gone.
    expect(cache.size).toBe(3);
  });
});
