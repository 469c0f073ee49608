/**
 * The set-up of the tests that run the built daemon against a Tokopedia webhook testbed: the testbed starts before
 * the file's tests; after them every daemon a test spawned is killed and the testbed closed.
 */
import { afterAll, beforeAll } from "vitest";
import { startTestbed, type Testbed } from "../../src/testbed/tokopedia.js";
import { type DaemonProcess, freePort, killDaemonAndCloseBed, spawnDaemon } from "./daemon-process.js";

export interface DaemonBed {
  /** The started testbed (read it inside a test or a later hook). */
  readonly bed: Testbed;
  /** `serve` on the testbed's config, on `port` (a free one by default), with `args`. */
  spawn(args?: string[], port?: number): Promise<DaemonProcess>;
}

export function useDaemonBed(): DaemonBed {
  let bed: Testbed | undefined;
  const daemons: DaemonProcess[] = [];
  beforeAll(async () => {
    bed = await startTestbed({ mode: "webhook" });
  });
  afterAll(async () => {
    for (const d of daemons.splice(0)) d.child.kill("SIGKILL");
    await killDaemonAndCloseBed(undefined, bed);
  });
  return {
    get bed() {
      if (!bed) throw new Error("useDaemonBed: the testbed is not started yet (read it inside a test)");
      return bed;
    },
    async spawn(args = [], port) {
      const daemon = await spawnDaemon(this.bed.configPath, port ?? (await freePort()), args);
      daemons.push(daemon);
      return daemon;
    },
  };
}
