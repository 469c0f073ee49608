/**
 * Tests wait on conditions, never on fixed sleeps: a sleep long enough to "let a duplicate show up" still lets a
 * later one pass, and every such sleep is paid on every run. This scans test/ for sleeps of 100 ms or more
 * (`setTimeout(resolve, N)`, `setTimeout(() => resolve(), N)`, `sleep(N)`, `delay(N)`, node:timers/promises) and
 * fails on any outside the allowlist. Short polling steps (waitFor's 20 ms) and timeouts that only turn a hang
 * into a failure (`setTimeout(() => r("still running"), N)` in a race) are not sleeps and are not matched.
 * What to use instead: waitFor (test/helpers/wait.ts), a drained queue (test/helpers/jobs.ts), injected clocks
 * (vi.useFakeTimers, test/helpers/manual-timers.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const TEST_DIR = resolve(fileURLToPath(new URL(".", import.meta.url)));
const SELF = "no-fixed-sleeps.test.ts";
const MIN_MS = 100;

/** Files (relative to test/) allowed to sleep, each with why. None today. */
const ALLOWLIST: Record<string, string> = {};

const SLEEPS: RegExp[] = [
  /setTimeout\(\s*[A-Za-z_$][\w$]*\s*,\s*([\d_]+)\s*\)/g,
  /setTimeout\(\s*\(\)\s*=>\s*[A-Za-z_$][\w$]*\(\)\s*,\s*([\d_]+)\s*\)/g,
  /\b(?:sleep|delay)\(\s*([\d_]+)\s*\)/g,
];
const TIMERS_PROMISES = /from\s+["'](?:node:)?timers\/promises["']/;

/** The fixed sleeps of MIN_MS or more in `source`, as "line: text". */
function fixedSleeps(source: string): string[] {
  const found: string[] = [];
  const lines = source.split("\n");
  lines.forEach((line, i) => {
    if (TIMERS_PROMISES.test(line)) found.push(`${i + 1}: ${line.trim()}`);
    for (const re of SLEEPS) {
      for (const m of line.matchAll(re)) {
        if (Number((m[1] ?? "0").replaceAll("_", "")) >= MIN_MS) found.push(`${i + 1}: ${line.trim()}`);
      }
    }
  });
  return found;
}

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

describe("no fixed sleeps in the tests", () => {
  it("recognises the sleep forms, and leaves polling steps and hang guards alone", () => {
    const ms = (n: string) => n;
    expect(fixedSleeps(`await new Promise((r) => setTimeout(r, ${ms("1_500")}));`)).toHaveLength(1);
    expect(
      fixedSleeps(`await new Promise((resolve) => setTimeout(() => resolve(), ${ms("300")}));`),
    ).toHaveLength(1);
    expect(fixedSleeps(`await sleep(${ms("2000")});`)).toHaveLength(1);
    expect(fixedSleeps(`import { setTimeout } from "node:timers${"/"}promises";`)).toHaveLength(1);
    expect(fixedSleeps(`await new Promise((r) => setTimeout(r, ${ms("20")}));`)).toEqual([]);
    expect(fixedSleeps(`new Promise((r) => setTimeout(() => r("parked"), ${ms("2_000")}))`)).toEqual([]);
  });

  it("test/ has none outside the allowlist", () => {
    const offenders: string[] = [];
    for (const file of testFiles(TEST_DIR)) {
      const rel = relative(TEST_DIR, file);
      if (rel === SELF || rel in ALLOWLIST) continue;
      for (const hit of fixedSleeps(readFileSync(file, "utf8"))) offenders.push(`test/${rel}:${hit}`);
    }
    expect(offenders).toEqual([]);
  });
});
