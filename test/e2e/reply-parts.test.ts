/**
 * Replies sent to TikTok Shop in several parts (a text over 2,000 characters, a picture with a caption): each part
 * is recorded as sent the moment the platform confirms it, so a retry after a failed part sends only the parts not
 * yet sent. Kommo's delivery status says "delivered" only once every part went, and names the failing part while
 * one fails. Over real HTTP against the TikTok Shop and Kommo simulators.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningDaemon, startDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { waitFor } from "../helpers/wait.js";

const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
/** The sends of chat messages (not reads, not read receipts, not uploads). */
const SEND = { method: "POST", pathEndsWith: "/messages" } as const;

let bed: TikTokShopTestbed;
let daemon: RunningDaemon;
let media: Server;
let mediaUrl: string;

beforeAll(async () => {
  media = createServer((req, res) => {
    if (req.url === "/chart.png") res.writeHead(200, { "content-type": "image/png" }).end(PNG);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => media.listen(0, "127.0.0.1", r));
  mediaUrl = `http://127.0.0.1:${(media.address() as AddressInfo).port}`;
  bed = await startTikTokShopTestbed({ mode: "webhook" });
  daemon = await startDaemon({ config: bed.config, port: 0, engine: { baseRetryMs: 50, maxRetryMs: 200 } });
  await bed.connectDaemon(daemon.url);
});

afterAll(async () => {
  await daemon?.stop();
  await bed?.close();
  await new Promise<void>((r) => (media ? media.close(() => r()) : r()));
});

async function openChat(buyerId: string, text: string) {
  const sent = bed.tiktokshop.buyerSends(bed.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
  const conv = `tts:${bed.shopId}:${sent.conversationId}`;
  await waitFor(`"${text}" in Kommo`, () =>
    bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv && m.text === text),
  );
  return { conversationId: sent.conversationId, conv };
}

const sentByBridge = (conversationId: string) =>
  bed.tiktokshop.shopMessages(conversationId).filter((m) => m.viaApi);

it("a 2,500-character reply whose second part gets a 500 reaches the buyer as exactly 2 parts, in order", async () => {
  const chat = await openChat("9301", "Tolong jelaskan semuanya");
  const long = `${"Detail produk lengkap. ".repeat(109)}Selesai.`.slice(0, 2500);
  bed.tiktokshop.failNext(1, { status: 500, ...SEND, skip: 1 });
  const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, { type: "text", text: long });
  await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
  const parts = sentByBridge(chat.conversationId);
  expect(parts.map((p) => p.type)).toEqual(["TEXT", "TEXT"]);
  expect(
    parts
      .map((p) => p.text)
      .join("")
      .replace(/\s+/g, ""),
  ).toBe(long.replace(/\s+/g, ""));
  expect(parts[0]!.text!.length).toBeLessThanOrEqual(2000);
  // While part 2 failed, the manager saw which part; "delivered" came only after both went.
  const statuses = bed.kommo.deliveryStatuses(amojoId);
  expect(statuses.map((s) => s.status)).toEqual([-1, 1]);
  expect(statuses[0]!.error).toMatch(/^Part 2 of 2 failed: /);
  const stored = daemon.store.outbound.getByAmojoMessageId(amojoId);
  expect(stored?.state).toBe("sent");
  expect(stored?.platformMessageIds).toEqual(parts.map((p) => p.messageId));
});

it("a captioned picture whose caption send fails reaches the buyer as IMAGE, TEXT", async () => {
  const chat = await openChat("9302", "Ada size chart?");
  bed.tiktokshop.failNext(1, { status: 500, ...SEND, skip: 1 });
  const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, {
    type: "picture",
    media: `${mediaUrl}/chart.png`,
    text: "Ini size chart-nya kak",
  });
  await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
  const sent = sentByBridge(chat.conversationId);
  expect(sent.map((m) => m.type)).toEqual(["IMAGE", "TEXT"]);
  expect(sent[1]!.text).toBe("Ini size chart-nya kak");
  expect(bed.tiktokshop.uploadedImages().filter((u) => u.bytes === PNG.length)).toHaveLength(1);
  const statuses = bed.kommo.deliveryStatuses(amojoId);
  expect(statuses.map((s) => s.status)).toEqual([-1, 1]);
  expect(statuses[0]!.error).toMatch(/^Part 2 of 2 failed: /);
});

it("a part refused for good ends the reply with an error status naming that part, never 'delivered'", async () => {
  const chat = await openChat("9303", "Boleh minta kontak?");
  const first = "Baik kak, ini penjelasannya. ".repeat(70).trim();
  bed.tiktokshop.setSensitiveWords(["whatsapp"]);
  try {
    const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, {
      type: "text",
      text: `${first}\n\nHubungi WhatsApp kami ya`,
    });
    const st = await waitFor("error status", () => bed.kommo.deliveryStatuses(amojoId)[0]);
    expect(st.status).toBe(-1);
    expect(st.error).toMatch(/^Part 2 of 2 failed: /);
    expect(st.error).toContain("contains words its policy does not allow");
    expect(sentByBridge(chat.conversationId).map((m) => m.type)).toEqual(["TEXT"]);
    expect(bed.kommo.deliveryStatuses(amojoId).map((s) => s.status)).toEqual([-1]);
    expect(daemon.store.outbound.getByAmojoMessageId(amojoId)?.state).toBe("failed");
  } finally {
    bed.tiktokshop.setSensitiveWords([]);
  }
});

it("a part the platform stored but whose answer was lost is found in the room, not sent again", async () => {
  const chat = await openChat("9304", "Jelaskan pengirimannya");
  const long = `${"Pengiriman lewat kurir reguler. ".repeat(75)}Terima kasih.`;
  expect(long.length).toBeGreaterThan(2000);
  // The second part reaches the buyer, but the bridge sees a reset instead of the answer.
  bed.tiktokshop.dropNext(1, { ...SEND, skip: 1, afterProcessing: true });
  const amojoId = await bed.kommo.managerReplies(bed.scopeId, chat.conv, { type: "text", text: long });
  await waitFor("delivered", () => bed.kommo.deliveryStatuses(amojoId).find((s) => s.status === 1));
  const parts = sentByBridge(chat.conversationId);
  expect(parts).toHaveLength(2);
  expect(bed.kommo.deliveryStatuses(amojoId).at(-1)?.status).toBe(1);
  expect(daemon.store.outbound.getByAmojoMessageId(amojoId)?.platformMessageIds).toEqual(
    parts.map((p) => p.messageId),
  );
  // Neither part comes back into Kommo as a message of the shop's.
  await openChat("9304", "Oke kak");
  expect(
    bed.kommo.received(bed.scopeId).filter((m) => m.conversationId === chat.conv && m.direction === "out"),
  ).toEqual([]);
});
