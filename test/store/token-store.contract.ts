/**
 * One contract for every backend of the state's token store (SQLite's SqliteTokenStore, PostgreSQL's PgTokenStore),
 * through the TokenStore interface and keys(): round trips, overwrite, delete, prefixes, a re-open (a restarted
 * process) and an unreadable row.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { StoredToken, TokenStore } from "../../src/auth/token-store.js";
import { catchTk } from "./helpers.js";

export interface OpenedTokens {
  tokens: TokenStore & { keys(prefix: string): string[] };
  /** Closes the store (a PostgreSQL one commits its writes first). */
  close(): Promise<void>;
}

export interface TokenStoreHarness {
  /** Opens the store on the harness's state; again: a restarted process on the same state. */
  open(): Promise<OpenedTokens>;
  /** Writes a row as is (an unreadable one), before open(). */
  writeRaw(key: string, json: string): Promise<void>;
  /** Closes what is still open and drops the state. */
  dispose(): Promise<void>;
}

export const TOKEN: StoredToken = {
  accessToken: "acc-SECRET-1",
  refreshToken: "ref-SECRET-1",
  expiresAt: 1_700_000_000_000,
  refreshExpiresAt: 1_800_000_000_000,
  obtainedAt: 1_690_000_000_000,
  meta: { seller: "dumiesshop", scopes: ["chat"] },
};

export function runTokenStoreContract(name: string, harness: () => Promise<TokenStoreHarness>): void {
  describe(`token store contract: ${name}`, () => {
    let h: TokenStoreHarness | undefined;
    const fresh = async () => {
      h = await harness();
      return h;
    };
    afterEach(async () => {
      await h?.dispose();
      h = undefined;
    });

    it("round-trips, overwrites and deletes; what load() returns is the caller's own copy", async () => {
      const { tokens, close } = await (await fresh()).open();
      expect(tokens.load("kommo:acme")).toBeUndefined();
      tokens.save("kommo:acme", TOKEN);
      expect(tokens.load("kommo:acme")).toEqual(TOKEN);
      const mine = tokens.load("kommo:acme");
      if (mine?.meta) mine.meta.seller = "changed by the caller";
      expect(tokens.load("kommo:acme")).toEqual(TOKEN);
      const rotated = {
        ...TOKEN,
        accessToken: "acc-2",
        refreshToken: "ref-2",
        obtainedAt: TOKEN.obtainedAt + 1,
      };
      tokens.save("kommo:acme", rotated);
      expect(tokens.load("kommo:acme")).toEqual(rotated);
      tokens.delete("kommo:acme");
      expect(tokens.load("kommo:acme")).toBeUndefined();
      tokens.delete("kommo:never-saved");
      await close();
    });

    it("keys(prefix) lists the keys starting with it, sorted, taking _ and % literally", async () => {
      const { tokens, close } = await (await fresh()).open();
      for (const key of [
        "tiktokshop:a_b:2",
        "tiktokshop:a_b:1",
        "tiktokshop:aXb:1",
        "tiktokshop:a%:1",
        "kommo:a_b",
      ]) {
        tokens.save(key, TOKEN);
      }
      expect(tokens.keys("tiktokshop:a_b:")).toEqual(["tiktokshop:a_b:1", "tiktokshop:a_b:2"]);
      expect(tokens.keys("tiktokshop:a%")).toEqual(["tiktokshop:a%:1"]);
      expect(tokens.keys("tokopedia:")).toEqual([]);
      await close();
    });

    it("survives a re-open: the last save of each key, and no deleted key", async () => {
      const harness = await fresh();
      const first = await harness.open();
      first.tokens.save("kommo:acme", TOKEN);
      const rotated = {
        ...TOKEN,
        accessToken: "acc-2",
        refreshToken: "ref-2",
        obtainedAt: TOKEN.obtainedAt + 1,
      };
      first.tokens.save("kommo:acme", rotated);
      first.tokens.save("kommo:gone", TOKEN);
      first.tokens.save("tiktokshop:tts:1", { accessToken: "t", expiresAt: 1, obtainedAt: 0 });
      first.tokens.delete("kommo:gone");
      await first.close();

      const second = await harness.open();
      expect(second.tokens.load("kommo:acme")).toEqual(rotated);
      expect(second.tokens.load("kommo:gone")).toBeUndefined();
      expect(second.tokens.load("tiktokshop:tts:1")?.accessToken).toBe("t");
      expect(second.tokens.keys("")).toEqual(["kommo:acme", "tiktokshop:tts:1"]);
      await second.close();
    });

    it("an unreadable row is TK_ERR_STATE_CORRUPT naming the key, never the token; a new save replaces it", async () => {
      const harness = await fresh();
      await harness.writeRaw("kommo:acme", '{"accessToken":"acc-SECRET-1"');
      await harness.writeRaw("kommo:beta", '{"refreshToken":"ref-SECRET-1"}');
      const { tokens, close } = await harness.open();
      for (const key of ["kommo:acme", "kommo:beta"]) {
        const err = catchTk(() => tokens.load(key));
        expect(err.code).toBe("TK_ERR_STATE_CORRUPT");
        expect(err.message).toContain(key);
        expect(JSON.stringify(err)).not.toMatch(/SECRET/);
      }
      expect(tokens.keys("kommo:")).toEqual(["kommo:acme", "kommo:beta"]);
      tokens.save("kommo:acme", TOKEN);
      await close();
      const again = await harness.open();
      expect(again.tokens.load("kommo:acme")).toEqual(TOKEN);
      await again.close();
    });
  });
}
