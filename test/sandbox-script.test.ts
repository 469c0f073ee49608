import { describe, expect, it } from "vitest";
import { isTkError } from "../src/errors/index.js";
import { DEFAULT_SCRIPT, parseScript, parseStep } from "../src/sandbox/script.js";

describe("sandbox script", () => {
  it("parses the default conversation", () => {
    const steps = parseScript(DEFAULT_SCRIPT);
    expect(steps.map((s) => `${s.actor}:${"kind" in s ? s.kind : s.what}`)).toEqual([
      "buyer:text",
      "buyer:image",
      "buyer:product",
      "buyer:invoice",
      "buyer:sticker",
      "expect:lead",
      "expect:messages",
      "manager:text",
      "expect:delivered",
      "manager:picture",
      "expect:refused",
    ]);
  });

  it("reads fields and buyers", () => {
    expect(parseStep("buyer as Sari: halo", 1)).toEqual({
      line: 1,
      actor: "buyer",
      buyer: "Sari",
      kind: "text",
      text: "halo",
    });
    expect(parseStep("buyer product: Kaos | Rp1 | | https://img", 2)).toEqual({
      line: 2,
      actor: "buyer",
      buyer: "Budi",
      kind: "product",
      name: "Kaos",
      price: "Rp1",
      imageUrl: "https://img",
    });
    expect(parseStep("expect messages 3", 3)).toEqual({
      line: 3,
      actor: "expect",
      what: "messages",
      count: 3,
    });
    expect(parseStep("  # note", 4)).toBeUndefined();
  });

  it("names the line of a bad step", () => {
    let err: unknown;
    try {
      parseScript("buyer: ok\nshopkeeper: hi");
    } catch (e) {
      err = e;
    }
    expect(isTkError(err) && err.code).toBe("TK_ERR_SANDBOX_SCRIPT");
    expect(String((err as Error).message)).toContain("line 2");
    expect(isTkError(err) && err.exitCode).toBe(2);
  });
});
