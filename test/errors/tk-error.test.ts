import { describe, expect, it } from "vitest";
import { errorSpec, TkError } from "../../src/errors/index.js";

describe("TkError and the catalogue", () => {
  it("takes the exit code from the catalogue unless the raising site gives one", () => {
    expect(new TkError("TK_ERR_CONFIG_INVALID", "bad").exitCode).toBe(2);
    expect(new TkError("TK_ERR_STATE_LOCKED", "busy").exitCode).toBe(1);
    expect(new TkError("TK_ERR_TIKTOKSHOP_SHOP_UNKNOWN", "x", { exitCode: 2 }).exitCode).toBe(2);
  });

  it("does not compile with a misspelt code", () => {
    // @ts-expect-error: TRANSEINT is not a catalogue code (tsc fails if this line ever compiles)
    const err = new TkError("TK_ERR_TOKOPEDIA_TRANSEINT", "x");
    expect(err.exitCode).toBe(1);
  });

  it("treats a code it does not know (read back from an older state file) as internal", () => {
    expect(errorSpec("TK_ERR_NOT_IMPLEMENTED")).toEqual(errorSpec("TK_ERR_INTERNAL"));
    expect(errorSpec("toString").category).toBe("internal");
  });
});
