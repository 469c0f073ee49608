import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore, SqliteTokenStore } from "../../src/store/index.js";
import { catchTk, useTempDir } from "./helpers.js";
import { TOKEN } from "./token-store.contract.js";

const tmp = useTempDir();
const token = TOKEN;

describe("SqliteTokenStore", () => {
  it("round-trips, overwrites, deletes and survives a re-open", () => {
    const path = join(tmp.dir(), "state.db");
    const first = openStore(path);
    expect(first.tokens).toBeInstanceOf(SqliteTokenStore);
    expect(first.tokens.load("kommo:acme")).toBeUndefined();
    first.tokens.save("kommo:acme", token);
    expect(first.tokens.load("kommo:acme")).toEqual(token);
    const rotated = { ...token, accessToken: "acc-2", refreshToken: "ref-2" };
    first.tokens.save("kommo:acme", rotated);
    first.tokens.save("tiktokshop:tts:1", { accessToken: "t", expiresAt: 1, obtainedAt: 0 });
    first.close();

    const second = openStore(path);
    try {
      expect(second.tokens.load("kommo:acme")).toEqual(rotated);
      second.tokens.delete("kommo:acme");
      expect(second.tokens.load("kommo:acme")).toBeUndefined();
      expect(second.tokens.load("tiktokshop:tts:1")?.accessToken).toBe("t");
    } finally {
      second.close();
    }
  });

  it("an unreadable row is TK_ERR_STATE_CORRUPT naming the key, never the token", () => {
    const store = tmp.open();
    store.db
      .prepare("INSERT INTO tokens (key, value_json, updated_at) VALUES (?, ?, 0)")
      .run("kommo:acme", '{"accessToken":"acc-SECRET-1"');
    store.db
      .prepare("INSERT INTO tokens (key, value_json, updated_at) VALUES (?, ?, 0)")
      .run("kommo:beta", '{"refreshToken":"ref-SECRET-1"}');
    for (const key of ["kommo:acme", "kommo:beta"]) {
      const err = catchTk(() => store.tokens.load(key));
      expect(err.code).toBe("TK_ERR_STATE_CORRUPT");
      expect(err.message).toContain(key);
      expect(JSON.stringify(err)).not.toMatch(/SECRET/);
    }
  });
});
