/**
 * A room the bridge already knows is live sync's from the moment the bridge learned of it: the import sends only
 * what came before. Past that point the state file's records may be pruned (retention), and a shop message there
 * may be the echo of a reply a manager sent from Kommo — imported again it would show twice in the chat.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { openStore } from "../../src/store/index.js";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { runCliAsync } from "../helpers/cli.js";
import { DAY_MS, type SeededRoom, seedTokopedia, settableClock } from "../helpers/seed-history.js";

let bed: Testbed;
let room: SeededRoom;

beforeAll(async () => {
  const clock = settableClock();
  bed = await startTestbed({ tokopedia: { now: clock.now } });
  const shopId = bed.shops[0]!.shopId;
  room = (await seedTokopedia(bed.tokopedia, clock, [shopId], ["ani"], [10, 5])).get(shopId)![0]!;
  // The bridge has known the room for a week; the records of what live sync did since then were pruned.
  const store = openStore(bed.statePath);
  try {
    const at = Date.now() - 7 * DAY_MS;
    store.db
      .prepare(
        `INSERT INTO rooms (source, shop_id, room_id, cursor_time, created_at, updated_at)
         VALUES ('tokopedia', ?, ?, ?, ?, ?)`,
      )
      .run(shopId, room.roomId, Date.now() - DAY_MS, at, at);
  } finally {
    store.close();
  }
});

afterAll(async () => {
  await bed?.close();
});

it("sends only the messages from before the bridge knew the room", async () => {
  const run = await runCliAsync([
    "import",
    "--config",
    bed.configPath,
    "--shop",
    bed.shops[0]!.shopId,
    "--json",
  ]);
  expect(run.status, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout);
  expect(report.messages).toEqual({ sent: 2, skipped: 2 });
  const got = bed.kommo.received(bed.scopeId).map((m) => m.text);
  expect(got).toEqual(room.texts.filter((t) => t.daysAgo === 10).map((t) => t.text));
});
