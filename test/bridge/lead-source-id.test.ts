/** The shop's Kommo lead source id: at most 36 printable ASCII characters, stable, readable, collision-safe. */
import { describe, expect, it } from "vitest";
import { MAX_EXTERNAL_ID, sourceExternalId } from "../../src/bridge/lead-sources.js";

describe("sourceExternalId", () => {
  it("is the readable shop key when it fits, and the same every time", () => {
    expect(sourceExternalId("tokopedia", "13004")).toBe("tk:tokopedia:13004");
    expect(sourceExternalId("tokopedia", "13004")).toBe(sourceExternalId("tokopedia", "13004"));
    expect(sourceExternalId("tiktokshop", "13004")).not.toBe(sourceExternalId("tokopedia", "13004"));
  });

  it("keeps a readable prefix and adds a hash when the key is too long or not printable ASCII", () => {
    const long = "7495859023456789012345678901";
    const a = sourceExternalId("tiktokshop", long);
    const b = sourceExternalId("tiktokshop", `${long.slice(0, -1)}2`);
    for (const id of [a, b, sourceExternalId("tokopedia", "tokó")]) {
      expect(id).toHaveLength(MAX_EXTERNAL_ID);
      expect(id).toMatch(/^[\x20-\x7e]+~[0-9a-f]{12}$/);
    }
    expect(a.startsWith("tk:tiktokshop:749585")).toBe(true);
    expect(a).not.toBe(b);
    // A key that fits never takes the hashed form's length, so the two forms cannot meet.
    expect(sourceExternalId("tokopedia", "1".repeat(22))).toHaveLength(35);
    expect(sourceExternalId("tokopedia", "1".repeat(23))).toMatch(/~/);
  });
});
