import { describe, expect, it } from "vitest";
import { trimTrailingSlashes } from "../../src/net/trim-trailing-slashes.js";

describe("trimTrailingSlashes", () => {
  it("removes every trailing slash and nothing else", () => {
    expect(trimTrailingSlashes("https://x.example/api//")).toBe("https://x.example/api");
    expect(trimTrailingSlashes("https://x.example")).toBe("https://x.example");
    expect(trimTrailingSlashes("///")).toBe("");
    expect(trimTrailingSlashes("")).toBe("");
    expect(trimTrailingSlashes("/a/b/")).toBe("/a/b");
  });

  it("is linear on a long run of slashes followed by another character", () => {
    const s = `${"/".repeat(200_000)}x`;
    const t0 = performance.now();
    expect(trimTrailingSlashes(s)).toBe(s);
    expect(trimTrailingSlashes(`${s}${"/".repeat(200_000)}`)).toBe(s);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
