/**
 * The pending-leads contract (PendingLeadsPort), for every backend: one row per (shop, lead), oldest first, the
 * conversation when known, Kommo's lead ids whole, and gone once removed.
 */
import { describe, expect, it } from "vitest";
import type { StatePartsContext } from "./state-parts.harness.js";

export function describePendingLeads(ctx: StatePartsContext): void {
  describe("pending leads", () => {
    it("adds once per (shop, lead), lists oldest first with the conversation when known, removes", async () => {
      const repo = ctx.harness.pendingLeads;
      await repo.add({ shopKey: "tokopedia:1", leadId: 20, amojoChatId: "c2", tags: ["A", "B"], since: 200 });
      await repo.add({
        shopKey: "tokopedia:1",
        leadId: 10,
        amojoChatId: "c1",
        roomId: "r1",
        tags: ["A"],
        since: 100,
      });
      await repo.add({ shopKey: "tokopedia:1", leadId: 10, amojoChatId: "other", tags: [], since: 300 });
      expect(await repo.count()).toBe(2);
      expect(await repo.list()).toEqual([
        { shopKey: "tokopedia:1", leadId: 10, amojoChatId: "c1", roomId: "r1", tags: ["A"], since: 100 },
        { shopKey: "tokopedia:1", leadId: 20, amojoChatId: "c2", tags: ["A", "B"], since: 200 },
      ]);
      await repo.remove("tokopedia:1", 10);
      expect((await repo.list()).map((l) => l.leadId)).toEqual([20]);
      expect(await repo.count()).toBe(1);
    });

    it("keeps one lead id per shop: the same lead of another shop is its own row; removing a missing one is a no-op", async () => {
      const repo = ctx.harness.pendingLeads;
      await repo.add({ shopKey: "tokopedia:1", leadId: 7, amojoChatId: "a", tags: [], since: 5 });
      await repo.add({ shopKey: "tiktokshop:9", leadId: 7, amojoChatId: "b", tags: ["X"], since: 5 });
      await repo.remove("tokopedia:1", 999);
      expect(await repo.count()).toBe(2);
      expect((await repo.list()).map((l) => l.shopKey).sort()).toEqual(["tiktokshop:9", "tokopedia:1"]);
    });

    it("reads lead ids and times back as the numbers written, up to 2^53 - 1", async () => {
      const repo = ctx.harness.pendingLeads;
      const big = Number.MAX_SAFE_INTEGER;
      await repo.add({
        shopKey: "tiktokshop:7",
        leadId: big,
        amojoChatId: "c",
        tags: [],
        since: 1_764_000_000_000,
      });
      const [lead] = await repo.list();
      expect(lead).toEqual({
        shopKey: "tiktokshop:7",
        leadId: big,
        amojoChatId: "c",
        tags: [],
        since: 1_764_000_000_000,
      });
      expect(typeof (await repo.count())).toBe("number");
    });

    it("reads a row whose tags are not a JSON list as having no tags", async () => {
      await ctx.harness.query(
        "INSERT INTO pending_lead_enrichment (shop_key, lead_id, amojo_chat_id, room_id, tags, since) VALUES (?, ?, ?, ?, ?, ?)",
        ["tokopedia:1", 3, "c", null, "not json", 1],
      );
      expect((await ctx.harness.pendingLeads.list())[0]?.tags).toEqual([]);
    });
  });
}
