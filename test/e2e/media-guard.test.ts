/**
 * Picture replies (TikTok Shop) against hostile or slow media hosts, through the real daemon:
 * - with the default media policy, a link to loopback is refused without connecting, and the manager sees a
 *   failed status that names no address or port;
 * - SIGTERM while a picture dribbles in at one byte per second: the built binary waits out the shutdown grace
 *   (`server.shutdownGraceSeconds`, shortened here from its 7 s default so the test does not sit through it), then
 *   aborts the download and exits within the 3 s the 10 s budget leaves after the longest grace.
 * On both state backends: a testbed per backend, one slow media host for the file.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDaemon } from "../../src/daemon/daemon.js";
import { startTikTokShopTestbed, type TikTokShopTestbed } from "../../src/testbed/tiktokshop.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { STATE_BACKENDS } from "../helpers/state-backends.js";
import { waitFor } from "../helpers/wait.js";

/** The shutdown grace of the spawned daemon (the default is 7 s, the most a config may set). */
const GRACE_MS = 1_000;
/** What serve's 10 s budget leaves after the longest grace (7 s): aborting, releasing, closing and exiting. */
const AFTER_GRACE_MS = 10_000 - 7_000;

/** The testbed's config file, beside it, with the short shutdown grace. */
function configWithShortGrace(configPath: string): string {
  const raw = JSON.parse(readFileSync(configPath, "utf8")) as { server?: object };
  const path = join(dirname(configPath), "config-short-grace.json");
  const server = { ...raw.server, shutdownGraceSeconds: GRACE_MS / 1_000 };
  writeFileSync(path, JSON.stringify({ ...raw, server }), { mode: 0o600 });
  return path;
}

let media: Server;
let mediaPort: number;
let mediaConnections = 0;
const dribbling = new Set<ServerResponse>();

beforeAll(async () => {
  media = createServer((_req, res) => {
    // One byte per second, forever: no per-read timeout ever fires.
    res.writeHead(200, { "content-type": "image/png" });
    dribbling.add(res);
    const t = setInterval(() => res.write("x"), 1_000);
    res.write("x");
    res.on("close", () => {
      clearInterval(t);
      dribbling.delete(res);
    });
  });
  media.on("connection", () => {
    mediaConnections++;
  });
  await new Promise<void>((r) => media.listen(0, "127.0.0.1", r));
  mediaPort = (media.address() as AddressInfo).port;
});

afterAll(async () => {
  media?.closeAllConnections();
  await new Promise<void>((r) => (media ? media.close(() => r()) : r()));
});

describe.each(STATE_BACKENDS)("media, state in $name", (backend) => {
  const statePathFor = backend.use();
  let bed: TikTokShopTestbed;
  let statePath: string;

  beforeAll(async () => {
    bed = await startTikTokShopTestbed({ mode: "webhook" });
    statePath = await statePathFor(bed);
  });

  afterAll(async () => {
    await bed?.close();
  });

  async function openChat(buyerId: string, text: string): Promise<string> {
    const sent = bed.tiktokshop.buyerSends(bed.shopId, { id: buyerId, name: `Buyer ${buyerId}` }, text);
    const conv = `tts:${bed.shopId}:${sent.conversationId}`;
    await waitFor(`"${text}" in Kommo`, () =>
      bed.kommo.received(bed.scopeId).find((m) => m.conversationId === conv && m.text === text),
    );
    return conv;
  }

  describe("media guard (daemon)", () => {
    it("the default policy refuses a picture on loopback: -1 in Kommo, no address in the text, never connected", async () => {
      const config = { ...bed.config, media: { allowPrivateNetworks: false } };
      const daemon = await startDaemon({
        config,
        statePath,
        port: 0,
        engine: { baseRetryMs: 50, maxRetryMs: 500 },
      });
      try {
        await bed.connectDaemon(daemon.url);
        const conv = await openChat("9101", "Ada foto?");
        const before = mediaConnections;
        const amojoId = await bed.kommo.managerReplies(bed.scopeId, conv, {
          type: "picture",
          media: `http://127.0.0.1:${mediaPort}/foto.png`,
          file_name: "foto.png",
        });
        const st = await waitFor("delivery status", () => bed.kommo.deliveryStatuses(amojoId)[0], 15_000);
        expect(st.status).toBe(-1);
        expect(st.error).toContain("the picture could not be downloaded");
        expect(st.error).toContain("TK_ERR_MEDIA_ADDRESS_REFUSED");
        expect(st.error).not.toContain("127.0.0.1");
        expect(st.error).not.toContain(String(mediaPort));
        expect(mediaConnections).toBe(before);
      } finally {
        await daemon.stop();
      }
    }, 30_000);
  });

  describe("signals (built binary)", () => {
    let proc: DaemonProcess | undefined;
    afterEach(() => {
      proc?.child.kill("SIGKILL");
    });

    it("SIGTERM during a slow picture download: the grace, then the download aborted and the process exits within 10 s", async () => {
      // The testbed's config allows private networks (its media host here is on loopback).
      const configPath = configWithShortGrace(bed.configPath);
      proc = await spawnDaemon(configPath, await freePort(), ["--state", statePath]);
      await bed.connectDaemon(proc.url);
      const conv = await openChat("9102", "Kirim fotonya kak");
      const before = mediaConnections;
      await bed.kommo.managerReplies(bed.scopeId, conv, {
        type: "picture",
        media: `http://127.0.0.1:${mediaPort}/slow.png`,
        file_name: "slow.png",
      });
      await waitFor("the download to start", () => mediaConnections > before && dribbling.size > 0, 15_000);
      const started = Date.now();
      proc.child.kill("SIGTERM");
      const end = await Promise.race([
        proc.exited,
        new Promise<"still running">((r) => setTimeout(() => r("still running"), 15_000).unref()),
      ]);
      const ms = Date.now() - started;
      expect(end).toEqual({ code: 0, signal: null });
      expect(ms).toBeLessThan(10_000);
      // The running job got its grace (the download went on), and what followed fit in the budget's remainder.
      expect(ms).toBeGreaterThanOrEqual(GRACE_MS);
      expect(ms).toBeLessThan(GRACE_MS + AFTER_GRACE_MS);
      expect(proc.output()).toContain("stopped");
    }, 60_000);
  });
});
