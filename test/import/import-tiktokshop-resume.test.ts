/**
 * TikTok Shop: an import SIGKILLed halfway and run again while the daemon delivers live messages from the same
 * conversations: every past and live message in Kommo exactly once, the live ones as usual (not silent).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { runCliAsync, startCli } from "../helpers/cli.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { type SeededRoom, seedTikTokShop } from "../helpers/seed-history.js";
import { waitFor } from "../helpers/wait.js";

const BUYERS = ["ani", "budi", "citra", "dodi", "eka", "fajar"];
const DAYS = [20, 9, 3];

let bed: TikTokShopTestbed;
let rooms: SeededRoom[];
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  // The seeded messages' webhooks go nowhere (no daemon yet) and are not retried: history reaches the daemon only
  // if a read brings it.
  bed = await startTikTokShopTestbed({ mode: "webhook", tiktokshop: { webhookRetryDelaysMs: [] } });
  rooms = seedTikTokShop(bed.tiktokshop, bed.shopId, BUYERS, DAYS);
  await bed.tiktokshop.flushWebhooks();
  bed.kommo.latency(20, "amojo");
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

const texts = () => bed.kommo.received(bed.scopeId).map((m) => m.text);
const args = () => ["import", "--config", bed.configPath, "--shop", bed.shopId, "--json"];

it("SIGKILL halfway, run again, daemon live meanwhile: everything once", async () => {
  daemon = await spawnDaemon(bed.configPath, await freePort());
  await bed.connectDaemon(daemon.url);
  const live: string[] = [];
  const buyerWrites = (buyer: string) => {
    const text = `live ${buyer} ${live.length}`;
    live.push(text);
    bed.tiktokshop.buyerSends(bed.shopId, { id: buyer, name: `Buyer ${buyer}` }, text);
  };
  buyerWrites("ani");
  const history = rooms.flatMap((r) => r.texts.map((t) => t.text));
  const run = startCli(args());
  await waitFor(
    "a third of the history",
    () => texts().filter((t) => history.includes(t)).length >= 12,
    30_000,
  );
  run.child.kill("SIGKILL");
  expect((await run.closed).signal).toBe("SIGKILL");
  expect(texts().filter((t) => history.includes(t)).length).toBeLessThan(history.length);
  buyerWrites("fajar");

  const again = await runCliAsync(args());
  expect(again.status, again.stderr).toBe(0);
  buyerWrites("citra");

  const expected = [...history, ...live];
  await waitFor("every message in Kommo", () => expected.every((t) => texts().includes(t)), 30_000);
  const got = bed.kommo.received(bed.scopeId);
  expect(got).toHaveLength(expected.length);
  expect(new Set(got.map((m) => m.msgid)).size).toBe(got.length);
  // Each conversation's history came from the import alone (live sync starts at the live messages): silent and in
  // order, whether the buyer wrote live before, during or after it.
  for (const room of rooms) {
    const inChat = got.filter((m) => m.conversationId === `tts:${bed.shopId}:${room.roomId}` && m.silent);
    expect(inChat.map((m) => m.text)).toEqual(room.texts.map((t) => t.text));
  }
  for (const m of got.filter((x) => x.text.startsWith("live "))) expect(m.silent).toBe(false);
  const refused = bed.kommo
    .requestLog()
    .filter(
      (r) => r.host === "amojo" && r.method === "POST" && r.status === 400 && !r.path.includes("/chats"),
    );
  expect(refused.length).toBeLessThanOrEqual(1);
}, 90_000);
