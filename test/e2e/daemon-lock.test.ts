/**
 * One daemon per state file, with real processes (the built binary): a second `serve` on the same state file
 * exits 1 with TK_ERR_STATE_LOCKED naming the first one's pid, while `status` still reads the file; after the
 * first daemon is SIGKILLed, a new one starts on the same file at once (the lock dies with its process).
 */
import { expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";
import { useDaemonBed } from "../helpers/daemon-bed.js";
import { freePort } from "../helpers/daemon-process.js";

const daemons = useDaemonBed();

/** Runs the built binary to its end (stdout and stderr together) without blocking this process. */
async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  let timer: NodeJS.Timeout | undefined;
  // A command that should end but does not (a second daemon that was let in) fails the test, not a timeout.
  const r = await runCliAsync(args, { TOKOKOMMO_CONFIG: undefined }, (child) => {
    timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  });
  clearTimeout(timer);
  return { code: r.status, out: r.stdout + r.stderr };
}

it("a second daemon on the same state file is refused naming the first; after SIGKILL of the first, a new one starts", async () => {
  const { bed } = daemons;
  const first = await daemons.spawn();

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
  const next = await daemons.spawn();
  expect(next.output()).not.toContain("TK_ERR_STATE_LOCKED");
}, 40_000);
