/**
 * One daemon per state file, with real processes (the built binary): a second `serve` on the same state file
 * exits 1 with TK_ERR_STATE_LOCKED naming the first one's pid, while `status` still reads the file; after the
 * first daemon is SIGKILLed, a new one starts on the same file at once (the lock dies with its process).
 */
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { BIN } from "../helpers/cli.js";
import {
  type DaemonProcess,
  freePort,
  killDaemonAndCloseBed,
  spawnDaemon,
} from "../helpers/daemon-process.js";

let bed: Testbed;
let daemon: DaemonProcess | undefined;

beforeAll(async () => {
  bed = await startTestbed({ mode: "webhook" });
});

afterAll(() => killDaemonAndCloseBed(daemon, bed));

/** Runs the built binary to its end without blocking this process (the simulators live here). */
function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      out += d.toString("utf8");
    });
    // A command that should end but does not (a second daemon that was let in) fails the test, not a timeout.
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

it("a second daemon on the same state file is refused naming the first; after SIGKILL of the first, a new one starts", async () => {
  const first = await spawnDaemon(bed.configPath, await freePort());
  daemon = first;

  const second = await run(["serve", "--config", bed.configPath, "--port", String(await freePort())]);
  expect(second.code).toBe(1);
  expect(second.out).toContain("TK_ERR_STATE_LOCKED");
  expect(second.out).toContain(`pid ${first.child.pid}`);

  // The other commands still open the state file beside the running daemon.
  const status = await run(["status", "--config", bed.configPath]);
  expect(status.code).toBe(0);
  expect(status.out).toContain(bed.shops[0]!.shopId);

  first.child.kill("SIGKILL");
  expect((await first.exited).signal).toBe("SIGKILL");
  daemon = await spawnDaemon(bed.configPath, await freePort());
  expect(daemon.output()).not.toContain("TK_ERR_STATE_LOCKED");
}, 40_000);
