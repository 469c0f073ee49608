/**
 * The state parts beside the engine's store (pending leads, reply waits, shop status, retention), one contract for
 * every backend, each test on a fresh database. Usage: runStatePartsContract("postgres", factory).
 */
import { afterEach, beforeEach, describe } from "vitest";
import { describePendingLeads } from "./pending-leads.contract.js";
import { describeReplyWaits } from "./reply-waits.contract.js";
import { describeRetention } from "./retention.contract.js";
import { describeShopStatus } from "./shop-status.contract.js";
import type { StatePartsContext, StatePartsFactory, StatePartsHarness } from "./state-parts.harness.js";

export function runStatePartsContract(name: string, factory: StatePartsFactory): void {
  describe(`state parts contract: ${name}`, () => {
    const ctx: StatePartsContext = { harness: undefined as unknown as StatePartsHarness };
    beforeEach(async () => {
      ctx.harness = await factory();
    });
    afterEach(async () => {
      await ctx.harness?.close();
    });
    describePendingLeads(ctx);
    describeReplyWaits(ctx);
    describeShopStatus(ctx);
    describeRetention(ctx);
  });
}
