/**
 * `tokokommo import`'s records (ImportsPort), part of the state parts contract: a message the import sends is
 * stored once as delivered with no job, the room's cursor follows it, a finished room says how far it was walked,
 * and a message live sync stored first is not counted as the import's.
 */
import { expect, it } from "vitest";
import type { StatePartsContext } from "./state-parts.harness.js";

const ROOM = { source: "tokopedia" as const, shopId: "481154", roomId: "r1" };
const message = (id: string, sentAt: number) => ({
  platformMessageId: id,
  kommoMsgid: `tkp:481154:r1:${id}`,
  sender: "buyer" as const,
  senderName: "Ani",
  contentJson: JSON.stringify({ content: { kind: "text", text: id } }),
  sentAt,
  amojoMessageId: `am-${id}`,
});

export function describeImports(ctx: StatePartsContext): void {
  it("imports: records each message once as delivered, moves the cursor, counts only what it stored", async () => {
    const { imports } = ctx.harness;
    expect(await imports.progress(ROOM)).toBeUndefined();
    await imports.recordMessage(ROOM, message("m1", 100), true, 1_000);
    await imports.recordMessage(ROOM, message("m1", 100), true, 1_001); // a repeat stores nothing
    await imports.skipMessage(ROOM, "m2", 200, 1_002);
    expect(await imports.isStored(ROOM, "m1")).toBe(true);
    expect(await imports.isStored(ROOM, "m2")).toBe(false);
    expect(await imports.progress(ROOM)).toEqual({ cursorMessageId: "m2", cursorTime: 200, imported: 1 });
    // Live sync stored m3 first: the import's record of it keeps live sync's row and does not count it.
    await ctx.harness.engine.insertInbound(
      { ...ROOM, platformMessageId: "m3", kommoMsgId: "k3", sender: "buyer", contentJson: "{}", sentAt: 300 },
      { orderingKey: "to_kommo:r1", shopKey: "tokopedia:481154" },
      1_003,
    );
    await imports.recordMessage(ROOM, message("m3", 300), true, 1_004);
    await imports.finish(ROOM, 300, 1_005);
    expect(await imports.progress(ROOM)).toEqual({
      cursorMessageId: "m3",
      cursorTime: 300,
      finishedThrough: 300,
      imported: 1,
    });
    const rows = await ctx.harness.query<{
      platform_message_id: string;
      state: string;
      sender_name: string | null;
    }>("SELECT platform_message_id, state, sender_name FROM inbound_messages ORDER BY platform_message_id");
    expect(rows).toEqual([
      { platform_message_id: "m1", state: "delivered", sender_name: "Ani" },
      { platform_message_id: "m3", state: "pending", sender_name: null },
    ]);
    // Only live sync's message has a delivery job; the import's never get one.
    expect((await ctx.harness.engine.jobCounts()).map((c) => c.pending)).toEqual([1]);
  });
}
