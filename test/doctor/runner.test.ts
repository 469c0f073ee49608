/**
 * The runner with made-up checks: independent checks run at once, a check runs only after the checks it needs and
 * is skipped (one reason) when one failed, results are handed over as each finishes while the report keeps the
 * listed order; the checklist's colour follows the terminal and NO_COLOR.
 */
import { describe, expect, it } from "vitest";
import {
  type Check,
  type CheckReport,
  DoctorContext,
  formatResult,
  runChecks,
  useColour,
} from "../../src/doctor/index.js";
import { fail, pass } from "../../src/doctor/types.js";

/** A context over a config file that does not exist: these checks read nothing from it. */
const ctx = () => new DoctorContext({ configPath: "/nonexistent/tokokommo.json", env: {} });

/** A check that passes (or fails) once `release` is called. */
function gated(id: string, outcome = pass(`${id} done`), needs?: string[]) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const started = { value: false };
  const check: Check = {
    id,
    title: id,
    ...(needs ? { needs } : {}),
    async run() {
      started.value = true;
      await gate;
      return outcome;
    },
  };
  return { check, release, started };
}

describe("runChecks", () => {
  it("starts independent checks together, streams in finishing order, reports in listed order", async () => {
    const a = gated("a");
    const b = gated("b");
    const streamed: string[] = [];
    const run = runChecks(ctx(), [{ name: "t", checks: () => [a.check, b.check] }], (r) =>
      streamed.push(r.id),
    );
    await new Promise((r) => setImmediate(r));
    expect([a.started.value, b.started.value]).toEqual([true, true]);
    b.release();
    await new Promise((r) => setImmediate(r));
    expect(streamed).toEqual(["b"]);
    a.release();
    const report = await run;
    expect(streamed).toEqual(["b", "a"]);
    expect(report.checks.map((c) => c.id)).toEqual(["a", "b"]);
  });

  it("a check whose need failed is skipped, not run, and names that need once", async () => {
    const root = gated("root", fail("broken", "mend it"));
    const child = gated("child", pass("ok"), ["root"]);
    const grandchild = gated("grandchild", pass("ok"), ["child"]);
    root.release();
    const report = await runChecks(ctx(), [
      { name: "t", checks: () => [root.check, child.check, grandchild.check] },
    ]);
    expect(child.started.value).toBe(false);
    expect(report.checks.map((c) => [c.id, c.status, c.message])).toEqual([
      ["root", "fail", "broken"],
      ["child", "skip", "skipped: needs root, which failed"],
      ["grandchild", "skip", "skipped: needs child, which was skipped"],
    ]);
    expect(report.summary).toEqual({ pass: 0, warn: 0, fail: 1, skip: 2 });
  });

  it("a check that throws is a failed check whose fix says to report it, not to re-run with more logging", async () => {
    const crash: Check = {
      id: "crash",
      title: "crash",
      run() {
        throw new Error("boom");
      },
    };
    const report = await runChecks(ctx(), [{ name: "t", checks: () => [crash] }]);
    expect(report.checks[0]).toMatchObject({ status: "fail", message: "check crashed: boom" });
    expect(report.checks[0]?.fix).toMatch(/report it/);
    expect(report.checks[0]?.fix).not.toMatch(/log-level/);
  });

  it("a need on a check listed later is a programming error, said at once", async () => {
    const late = gated("late");
    const early = gated("early", pass("ok"), ["late"]);
    await expect(runChecks(ctx(), [{ name: "t", checks: () => [early.check, late.check] }])).rejects.toThrow(
      /early needs late, which is listed after it/,
    );
  });
});

describe("the checklist's colour", () => {
  const report: CheckReport = { id: "x", title: "X", status: "fail", message: "m", fix: "f", ms: 1 };
  it("only on a terminal, and never with NO_COLOR", () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(true, { NO_COLOR: "1" })).toBe(false);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(undefined, {})).toBe(false);
  });
  it("marks in colour when asked, plain text otherwise", () => {
    expect(formatResult(report, true)).toContain("\u001b[31m✖\u001b[0m X [x]");
    expect(formatResult(report, false)).toBe("✖ X [x]\n    m\n    fix: f");
  });
});
