import { describe, expect, it } from "vitest";
import { isTkError } from "../src/errors/index.js";
import { DEFAULT_SCRIPT, parseScript, parseStep } from "../src/sandbox/script.js";

function errorOf(fn: () => unknown): { code?: string; message: string; exitCode?: number } {
  try {
    fn();
  } catch (e) {
    return isTkError(e) ? e : { message: String(e) };
  }
  throw new Error("expected an error");
}

describe("sandbox script", () => {
  it("parses the default conversation", () => {
    const steps = parseScript(DEFAULT_SCRIPT);
    const label = (s: (typeof steps)[number]) =>
      "kind" in s ? s.kind : "what" in s ? s.what : s.actor === "wait" ? String(s.minutes) : s.shop;
    expect(steps.map((s) => `${s.actor}:${label(s)}`)).toEqual([
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
      "buyer:text",
      "expect:no task",
      "wait:481",
      "expect:task",
      "manager:text",
      "expect:no task",
      "shop:kommo-store-2",
      "buyer:text",
      "expect:lead",
      "expect:pipeline",
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

  it("takes names of several words, with or without a kind", () => {
    expect(parseStep("buyer as Dewi Lestari: hai", 1)).toMatchObject({ buyer: "Dewi Lestari", kind: "text" });
    expect(parseStep("buyer as Dewi Lestari image: https://i/x.jpg", 2)).toMatchObject({
      buyer: "Dewi Lestari",
      kind: "image",
      url: "https://i/x.jpg",
    });
    expect(parseStep("buyer as Image: hai", 3)).toMatchObject({ buyer: "Image", kind: "text" });
  });

  it("addresses a manager line to a named buyer with `manager to NAME`", () => {
    expect(parseStep("manager to Sari: siap kak", 1)).toEqual({
      line: 1,
      actor: "manager",
      to: "Sari",
      kind: "text",
      text: "siap kak",
    });
    expect(parseStep("manager to Dewi Lestari picture: https://a/p.jpg", 2)).toEqual({
      line: 2,
      actor: "manager",
      to: "Dewi Lestari",
      kind: "picture",
      url: "https://a/p.jpg",
    });
    expect(parseStep("manager: siap", 3)).toEqual({ line: 3, actor: "manager", kind: "text", text: "siap" });
  });

  it("counts one buyer's chat with `expect messages N from NAME`", () => {
    expect(parseStep("expect messages 2 from Dewi Lestari", 1)).toEqual({
      line: 1,
      actor: "expect",
      what: "messages",
      count: 2,
      from: "Dewi Lestari",
    });
    expect(errorOf(() => parseStep("expect messages two", 2)).code).toBe("TK_ERR_SANDBOX_SCRIPT");
    expect(errorOf(() => parseStep("expect messages 2 from", 3)).code).toBe("TK_ERR_SANDBOX_SCRIPT");
  });

  it("puts a buyer on TikTok Shop with `on tiktokshop` (text or an image)", () => {
    expect(parseStep("buyer as Rina on tiktokshop: halo", 1)).toEqual({
      line: 1,
      actor: "buyer",
      buyer: "Rina",
      on: "tiktokshop",
      kind: "text",
      text: "halo",
    });
    expect(parseStep("buyer on TikTokShop image: https://i/x.jpg", 2)).toMatchObject({
      buyer: "Budi",
      on: "tiktokshop",
      kind: "image",
    });
    expect(parseStep("buyer as Sari on tokopedia: hai", 3)).toEqual({
      line: 3,
      actor: "buyer",
      buyer: "Sari",
      kind: "text",
      text: "hai",
    });
    expect(errorOf(() => parseStep("buyer on tiktokshop sticker: happy", 4)).message).toContain(
      "a TikTok Shop buyer writes text or an image",
    );
    expect(errorOf(() => parseStep("buyer on lazada: hai", 5)).message).toContain(
      'unknown marketplace "lazada"',
    );
  });

  it("treats only whole lines starting with # as comments", () => {
    const steps = parseScript("# intro\n   # indented comment\nbuyer: order #123 ready?\n");
    expect(steps).toEqual([
      { line: 3, actor: "buyer", buyer: "Budi", kind: "text", text: "order #123 ready?" },
    ]);
  });

  it("names the line of a bad step", () => {
    const err = errorOf(() => parseScript("buyer: ok\nshopkeeper: hi"));
    expect(err.code).toBe("TK_ERR_SANDBOX_SCRIPT");
    expect(err.message).toContain("line 2");
    expect(err.exitCode).toBe(2);
  });

  it("refuses a manager line that answers nobody, before anything runs", () => {
    const first = errorOf(() => parseScript("# hi\nmanager: halo"));
    expect(first.code).toBe("TK_ERR_SANDBOX_SCRIPT");
    expect(first.message).toContain("line 2: no buyer has written yet");
    const unknown = errorOf(() => parseScript("buyer: halo\nmanager to Sari: hai\nbuyer as Sari: hai"));
    expect(unknown.message).toContain("line 2: Sari has not written yet");
    expect(parseScript("buyer as Sari: hai\nmanager to Sari: halo")).toHaveLength(2);
  });

  it("reads the shop, wait and lead-expectation lines, and refuses malformed ones", () => {
    expect(parseStep("shop kommo-store-2", 1)).toEqual({ line: 1, actor: "shop", shop: "kommo-store-2" });
    expect(parseStep("wait 480", 2)).toEqual({ line: 2, actor: "wait", minutes: 480 });
    expect(parseStep("expect task", 3)).toEqual({ line: 3, actor: "expect", what: "task" });
    expect(parseStep("expect no task", 4)).toEqual({ line: 4, actor: "expect", what: "no task" });
    expect(parseStep("expect pipeline 7263018", 5)).toEqual({
      line: 5,
      actor: "expect",
      what: "pipeline",
      pipelineId: 7263018,
    });
    expect(parseStep("expect pipeline Shop B leads", 6)).toEqual({
      line: 6,
      actor: "expect",
      what: "pipeline",
      pipelineName: "Shop B leads",
    });
    for (const bad of ["wait", "wait 0", "wait soon", "expect pipeline", "expect no tasks"])
      expect(errorOf(() => parseStep(bad, 9)).code).toBe("TK_ERR_SANDBOX_SCRIPT");
  });
});
