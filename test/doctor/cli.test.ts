/**
 * `tokokommo doctor` as a process: results stream while slow checks still run, the overall deadline bounds the
 * whole run even when every host hangs, --json stays one complete document, --shop and --state are checked.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TempDir, tempDir, validRaw, withChanges } from "../config/fixtures.js";
import { runCli, startCli } from "../helpers/cli.js";
import { type HangingServer, startHangingServer } from "../helpers/hanging-server.js";
import { waitFor } from "../helpers/wait.js";

let tmp: TempDir;
let hang: HangingServer;
let hanging: string;
beforeAll(async () => {
  tmp = tempDir();
  hang = await startHangingServer();
  hanging = tmp.file(
    "hang.json",
    withChanges(validRaw(), {
      statePath: join(tmp.dir, "hang.db"),
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
});
afterAll(async () => {
  await hang.close();
  tmp.cleanup();
});

const isolated = { XDG_CONFIG_HOME: "/nonexistent", TOKOKOMMO_CONFIG: undefined, NO_COLOR: "1" };

describe("doctor as a process, every platform host hanging", () => {
  it("streams each result as it finishes, while the hanging checks still wait", async () => {
    const before = hang.accepted();
    const run = startCli(["--config", hanging, "doctor", "--timeout", "3"], isolated);
    await waitFor("the config check's line", () => run.out.stdout.includes("Config file is valid"), 3_000);
    await waitFor("the checks calling the hanging host", () => hang.accepted() > before, 3_000);
    // Printed before the end: no summary yet, the process still runs while the hanging checks wait.
    expect(run.out.stdout).not.toMatch(/\d+ passed/);
    expect(run.out.status).toBeUndefined();
    const done = await run.closed;
    expect(done.status).toBe(1);
    expect(done.stdout).toMatch(/\d+ passed, \d+ warning\(s\), \d+ failed, \d+ skipped/);
    expect(done.stdout).not.toContain("\u001b["); // NO_COLOR, and not a terminal
  });

  it("--timeout bounds the whole run; --json is one complete document at the end", async () => {
    const done = await startCli(["--config", hanging, "doctor", "--json", "--timeout", "2"], isolated).closed;
    expect(done.status).toBe(1);
    expect(done.ms).toBeLessThan(2_000 + 5_000); // start-up and exit on a busy machine; hanging checks in sequence would take far longer
    const report = JSON.parse(done.stdout) as { checks: { id: string; status: string; message: string }[] };
    const token = report.checks.find((c) => c.id === "kommo.token")!;
    expect(token.status).toBe("fail");
    expect(token.message).toMatch(/no answer within 2 s/);
    expect(report.checks.every((c) => ["pass", "warn", "fail", "skip"].includes(c.status))).toBe(true);
  });
});

describe("doctor's flags", () => {
  it("--shop with a shop the config does not have exits 2 naming it, before any network call", () => {
    const before = hang.accepted();
    const r = runCli(["--config", hanging, "doctor", "--shop", "999"], isolated);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("999");
    expect(r.stderr).toContain("TK_ERR_USAGE");
    expect(r.stdout).toBe("");
    expect(hang.accepted()).toBe(before);
  });

  it("--state points doctor at another state file", () => {
    const other = join(tmp.dir, "elsewhere", "other.db");
    const r = runCli(["--config", hanging, "doctor", "--json", "--timeout", "1", "--state", other], isolated);
    const report = JSON.parse(r.stdout) as { checks: { id: string; message: string }[] };
    expect(report.checks.find((c) => c.id === "state.readable")?.message).toContain(other);
  });

  it("--timeout must be a number of seconds up to 25", () => {
    const r = runCli(["--config", hanging, "doctor", "--timeout", "60"], isolated);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--timeout");
  });
});
