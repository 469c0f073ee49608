/**
 * doctor's daemon check finds the running daemon where it really listens: `serve --port` (or a config whose port
 * is 0) listens elsewhere than server.port says, and doctor used to answer "start it" while it ran. The daemon's
 * runtime card (next to the state file) names its address and the config it runs with, so doctor also tells a
 * daemon still running an older version of the config file.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readRuntime } from "../../src/daemon/runtime-file.js";
import { runDoctor } from "../../src/doctor/index.js";
import { useDaemonBed } from "../helpers/daemon-bed.js";
import type { DaemonProcess } from "../helpers/daemon-process.js";
import { waitFor } from "../helpers/wait.js";

const daemons = useDaemonBed();
let daemon: DaemonProcess | undefined;

const daemonCheck = async () =>
  (await runDoctor({ configPath: daemons.bed.configPath, env: {}, timeoutMs: 10_000 })).checks.find(
    (c) => c.id === "daemon.healthz",
  )!;

describe("doctor's daemon check", () => {
  it("fails, saying to start it, when no daemon runs", async () => {
    const check = await daemonCheck();
    expect(check.status).toBe("fail");
    expect(check.fix).toContain("tokokommo serve");
  });

  it("passes for a daemon started with --port (the config says port 0), naming its pid", async () => {
    daemon = await daemons.spawn(["--no-watch"]);
    const check = await daemonCheck();
    expect(check.status).toBe("pass");
    expect(check.message).toContain(daemon.url);
    expect(check.message).toContain(`pid ${daemon.child.pid}`);
  });

  it("warns while the daemon runs an older version of the config file, until it reloads", async () => {
    const raw = JSON.parse(readFileSync(daemons.bed.configPath, "utf8"));
    raw.shops[0].name = "renamed shop";
    writeFileSync(`${daemons.bed.configPath}.tmp`, JSON.stringify(raw));
    renameSync(`${daemons.bed.configPath}.tmp`, daemons.bed.configPath);
    const stale = await daemonCheck();
    expect(stale.status).toBe("warn");
    expect(stale.message).toContain("older version of");
    expect(stale.fix).toContain("systemctl reload tokokommo");
    daemon!.child.kill("SIGHUP");
    await waitFor("the reload", () => readRuntime(daemons.bed.statePath)?.generation === 2);
    expect((await daemonCheck()).status).toBe("pass");
  });
});
