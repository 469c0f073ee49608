import { expect, it } from "vitest";
import { TkError } from "../../src/errors/index.js";
import { IMPORT_ATTEMPTS, withRetries } from "../../src/importer/retry.js";

function failing(errors: TkError[]) {
  let calls = 0;
  return {
    fn: async () => {
      const err = errors[calls++];
      if (err) throw err;
      return "ok";
    },
    calls: () => calls,
  };
}

it("waits out a rate limit (as long as the platform asks) and a passing failure, then succeeds", async () => {
  const waits: number[] = [];
  const f = failing([
    new TkError("TK_ERR_TOKOPEDIA_RATE_LIMITED", "slow down", { details: { retryAfterMs: 4_000 } }),
    new TkError("TK_ERR_TOKOPEDIA_TRANSIENT", "503"),
  ]);
  await expect(withRetries(f.fn, { sleep: async (ms) => void waits.push(ms) })).resolves.toBe("ok");
  expect(waits).toEqual([4_000, 1_000]);
});

it("does not retry a daily quota stop or a permanent refusal", async () => {
  for (const err of [
    new TkError("TK_ERR_TIKTOKSHOP_QUOTA_RESERVED", "reads spent"),
    new TkError("TK_ERR_KOMMO_BAD_REQUEST", "bad"),
  ]) {
    const f = failing([err]);
    await expect(withRetries(f.fn, { sleep: async () => {} })).rejects.toBe(err);
    expect(f.calls()).toBe(1);
  }
});

it("gives up after IMPORT_ATTEMPTS tries", async () => {
  const errors = Array.from({ length: 10 }, () => new TkError("TK_ERR_TOKOPEDIA_TRANSIENT", "503"));
  const f = failing(errors);
  await expect(withRetries(f.fn, { sleep: async () => {} })).rejects.toBe(errors[IMPORT_ATTEMPTS - 1]);
  expect(f.calls()).toBe(IMPORT_ATTEMPTS);
});
