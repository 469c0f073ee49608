/**
 * On the built binary: one unauthenticated request whose target a URL parser rejects used to end
 * `tokokommo serve` (an unhandled rejection). It must get 400 and the process must keep serving.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type DaemonProcess, freePort, spawnDaemon } from "../helpers/daemon-process.js";
import { rawRequest } from "../helpers/raw-http.js";

let bed: Testbed;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  bed = await startTestbed({ mode: "webhook" });
  daemon = await spawnDaemon(bed.configPath, await freePort());
});

afterAll(async () => {
  daemon?.child.kill("SIGKILL");
  await bed?.close();
});

it("hostile request targets get 400 and the daemon keeps serving", async () => {
  const port = Number(new URL(daemon!.url).port);
  let exited = false;
  void daemon!.exited.then(() => {
    exited = true;
  });
  for (const target of [
    "//",
    "//[",
    "http://",
    "//webhooks%2F/tokopedia/main",
    "/webhooks/tokopedia/%E0%A4%A",
  ]) {
    const a = await rawRequest(port, `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}`, {
      timeoutMs: 3_000,
    });
    expect(a.status, target).toBe(400);
  }
  const health = await rawRequest(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  expect(health.status).toBe(200);
  expect(exited).toBe(false);
  expect(daemon!.output()).not.toContain("request handler failed");
});
