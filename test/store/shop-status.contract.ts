/**
 * Per-shop status for every backend: the engine records syncs and errors through its store, and the list the
 * daemon's /readyz and `status` read shows the same rows on either backend.
 */
import { describe, expect, it } from "vitest";
import type { StatePartsContext } from "./state-parts.harness.js";

export function describeShopStatus(ctx: StatePartsContext): void {
  describe("shop status", () => {
    it("lists what the engine recorded, per shop in (source, shop) order; healthy compares success and error", async () => {
      const { engine, shopStatus } = ctx.harness;
      expect(await shopStatus.listShopStatus()).toEqual([]);
      await engine.recordSyncSuccess("tokopedia", "481154", 10);
      await engine.recordShopError(
        "tokopedia",
        "481154",
        "TK_ERR_TKP_SHOP_NOT_BOUND",
        "shop not bound to the app",
        20,
      );
      await engine.transaction((tx) =>
        tx.recordShopError("tiktokshop", "9", "TK_ERR_TTS_HTTP", "HTTP 500", 5),
      );
      expect(await shopStatus.listShopStatus()).toEqual([
        {
          source: "tiktokshop",
          shopId: "9",
          lastSyncAt: 5,
          lastSuccessAt: null,
          lastError: "HTTP 500",
          lastErrorCode: "TK_ERR_TTS_HTTP",
          lastErrorAt: 5,
          healthy: false,
        },
        {
          source: "tokopedia",
          shopId: "481154",
          lastSyncAt: 20,
          lastSuccessAt: 10,
          lastError: "shop not bound to the app",
          lastErrorCode: "TK_ERR_TKP_SHOP_NOT_BOUND",
          lastErrorAt: 20,
          healthy: false,
        },
      ]);
      await engine.recordSyncSuccess("tokopedia", "481154", 30);
      expect((await shopStatus.listShopStatus())[1]).toMatchObject({
        healthy: true,
        lastSyncAt: 30,
        lastSuccessAt: 30,
        lastErrorAt: 20,
        lastError: "shop not bound to the app",
      });
      expect(await engine.lastSyncSuccess("tokopedia", "481154")).toBe(30);
    });

    it("a shop only ever synced is healthy with no error", async () => {
      const { engine, shopStatus } = ctx.harness;
      const at = 1_764_000_000_000;
      await engine.recordSyncSuccess("tiktokshop", "7", at);
      expect(await shopStatus.listShopStatus()).toEqual([
        {
          source: "tiktokshop",
          shopId: "7",
          lastSyncAt: at,
          lastSuccessAt: at,
          lastError: null,
          lastErrorCode: null,
          lastErrorAt: null,
          healthy: true,
        },
      ]);
    });
  });
}
