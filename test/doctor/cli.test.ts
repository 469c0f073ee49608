/**
 * `tokokommo doctor` as a process: results stream while slow checks still run, the overall deadline bounds the
 * whole run even when every host hangs, --json stays one complete document, --shop and --state are checked.
 *
 * Each test has its own hanging host and config: the flags' tests run at once, and two tests count the connections
 * their host accepted. The streaming and deadline tests run one after the other: they time a process's start-up.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TempDir, tempDir, validRaw, withChanges } from "../config/fixtures.js";
import { runCliAsync, startCli } from "../helpers/cli.js";
import { type HangingServer, startHangingServer } from "../helpers/hanging-server.js";
import { waitFor } from "../helpers/wait.js";

let tmp: TempDir;
const hosts: HangingServer[] = [];
beforeAll(() => {
  tmp = tempDir();
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.close()));
  tmp.cleanup();
});

/** A config (named `name`) whose every platform endpoint is a fresh hanging host, and that host. */
async function hangingConfig(name: string): Promise<{ config: string; hang: HangingServer }> {
  const hang = await startHangingServer();
  hosts.push(hang);
  const config = tmp.file(
    `${name}.json`,
    withChanges(validRaw(), {
      statePath: join(tmp.dir, `${name}.db`),
      "server.port": Number(new URL(hang.url).port),
      endpoints: {
        tokopediaAuth: hang.url,
        tokopediaApi: hang.url,
        tiktokshopAuth: hang.url,
        tiktokshopApi: hang.url,
        kommoApi: hang.url,
        kommoChats: hang.url,
        ipEcho: `${hang.url}/ip`,
      },
    }),
  );
  return { config, hang };
}

const isolated = { XDG_CONFIG_HOME: "/nonexistent", TOKOKOMMO_CONFIG: undefined, NO_COLOR: "1" };

describe("doctor as a process, every platform host hanging", () => {
  it("streams each result as it finishes, while the hanging checks still wait", async () => {
    const { config, hang } = await hangingConfig("streams");
    const run = startCli(["--config", config, "doctor", "--timeout", "3"], isolated);
    await waitFor("the config check's line", () => run.out.stdout.includes("Config file is valid"), 3_000);
    await waitFor("the checks calling the hanging host", () => hang.accepted() > 0, 3_000);
    // Printed before the end: no summary yet, the process still runs while the hanging checks wait.
    expect(run.out.stdout).not.toMatch(/\d+ passed/);
    expect(run.out.status).toBeUndefined();
    const done = await run.closed;
    expect(done.status).toBe(1);
    expect(done.stdout).toMatch(/\d+ passed, \d+ warning\(s\), \d+ failed, \d+ skipped/);
    expect(done.stdout).not.toContain("\u001b["); // NO_COLOR, and not a terminal
  });

  it("--timeout bounds the whole run; --json is one complete document at the end", async () => {
    const { config } = await hangingConfig("deadline");
    const done = await startCli(["--config", config, "doctor", "--json", "--timeout", "1"], isolated).closed;
    expect(done.status).toBe(1);
    expect(done.ms).toBeLessThan(1_000 + 5_000); // start-up and exit on a busy machine; hanging checks in sequence would take far longer
    const report = JSON.parse(done.stdout) as { checks: { id: string; status: string; message: string }[] };
    const token = report.checks.find((c) => c.id === "kommo.token")!;
    expect(token.status).toBe("fail");
    expect(token.message).toMatch(/no answer within 1 s/);
    expect(report.checks.every((c) => ["pass", "warn", "fail", "skip"].includes(c.status))).toBe(true);
  });
});

describe.concurrent("doctor's flags", () => {
  it("--shop with a shop the config does not have exits 2 naming it, before any network call", async () => {
    const { config, hang } = await hangingConfig("unknown-shop");
    const r = await runCliAsync(["--config", config, "doctor", "--shop", "999"], isolated);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("999");
    expect(r.stderr).toContain("TK_ERR_USAGE");
    expect(r.stdout).toBe("");
    expect(hang.accepted()).toBe(0);
  });

  it("--state points doctor at another state file", async () => {
    const { config } = await hangingConfig("other-state");
    const other = join(tmp.dir, "elsewhere", "other.db");
    const r = await runCliAsync(
      ["--config", config, "doctor", "--json", "--timeout", "1", "--state", other],
      isolated,
    );
    const report = JSON.parse(r.stdout) as { checks: { id: string; message: string }[] };
    expect(report.checks.find((c) => c.id === "state.readable")?.message).toContain(other);
  });

  it("--timeout must be a number of seconds up to 25", async () => {
    const { config } = await hangingConfig("long-timeout");
    const r = await runCliAsync(["--config", config, "doctor", "--timeout", "60"], isolated);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--timeout");
  });
});
