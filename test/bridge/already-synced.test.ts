import { describe, expect, it } from "vitest";
import { leadTags } from "../../src/bridge/deliver-to-kommo.js";
import { alreadySynced } from "../../src/bridge/poller.js";
import type { RoomRecord } from "../../src/bridge/store-port.js";

describe("alreadySynced (sweep skip rule)", () => {
  it("skips older rooms and millisecond-equal ones; re-reads a whole-second tie (TikTok Shop create_time)", () => {
    expect(alreadySynced(1_000_000, 1_000_500)).toBe(true);
    expect(alreadySynced(1_000_123, 1_000_123)).toBe(true);
    expect(alreadySynced(1_000_000, 1_000_000)).toBe(false);
    expect(alreadySynced(1_000_001, 1_000_000)).toBe(false);
  });
});

describe("leadTags", () => {
  it("adds the buyer's platform when known, without duplicates", () => {
    expect(leadTags("toko", "tiktokshop", undefined)).toEqual(["toko", "Tokopedia & Shop"]);
    const room: RoomRecord = {
      source: "tiktokshop",
      shopId: "1",
      roomId: "2",
      conversationId: "tts:1:2",
      dirty: false,
      createdAt: 0,
    };
    expect(leadTags("toko", "tiktokshop", { ...room, buyerPlatform: "TIKTOK_SHOP" })).toEqual([
      "toko",
      "Tokopedia & Shop",
      "TikTok Shop",
    ]);
    expect(leadTags("Tokopedia", "tokopedia", { ...room, buyerPlatform: "TOKOPEDIA" })).toEqual([
      "Tokopedia",
    ]);
  });
});
