import { describe, expect, it } from "vitest";
import { chosenBackends } from "./helpers/state-backends.js";

describe("the state backends the end-to-end suites run on (TK_TEST_STATE_BACKENDS)", () => {
  it("is both by default, the named ones when set, and refuses an unknown name", () => {
    expect(chosenBackends(undefined).map((b) => b.name)).toEqual(["sqlite", "postgres"]);
    expect(chosenBackends("").map((b) => b.name)).toEqual(["sqlite", "postgres"]);
    expect(chosenBackends("sqlite").map((b) => b.name)).toEqual(["sqlite"]);
    expect(chosenBackends(" postgres , sqlite").map((b) => b.name)).toEqual(["sqlite", "postgres"]);
    expect(() => chosenBackends("mysql")).toThrow(/unknown backend mysql/);
  });
});
