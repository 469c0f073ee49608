import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkConfig } from "../../src/config/index.js";
import { redact } from "../../src/config/redact.js";
import { runCli } from "../helpers/cli.js";
import { type TempDir, tempDir, validRaw } from "./fixtures.js";

/** JSON text of `depth` nested objects (`{"a":{"a":...}}`) or arrays, placed under `key` of a valid config. */
function deepConfigText(depth: number, key: string, kind: "object" | "array"): string {
  const open = kind === "object" ? '{"a":'.repeat(depth) : "[".repeat(depth);
  const close = kind === "object" ? "}".repeat(depth) : "]".repeat(depth);
  const base = JSON.stringify(validRaw());
  return `${base.slice(0, -1)},${JSON.stringify(key)}:${open}1${close}}`;
}

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe("a config nested thousands of levels deep", () => {
  for (const [key, kind] of [
    ["kommo", "object"],
    ["extra", "array"],
  ] as const) {
    it(`is refused as an invalid config, exit 2, no stack trace (${kind} under ${key})`, () => {
      const file = join(tmp.dir, "deep.json");
      writeFileSync(file, deepConfigText(10_000, key, kind), { mode: 0o600 });
      const r = runCli(["status", "--config", file]);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("TK_ERR_CONFIG_INVALID");
      expect(r.stderr).toMatch(/nested too deeply/);
      expect(r.stderr).not.toContain("TK_ERR_INTERNAL");
      expect(r.stderr).not.toMatch(/Maximum call stack|RangeError|\n\s+at /);
    });
  }

  it("every command that reads the config refuses it the same way (init copies it before validating)", () => {
    const file = join(tmp.dir, "deep.json");
    writeFileSync(file, deepConfigText(10_000, "kommo", "object"), { mode: 0o600 });
    for (const args of [["init"], ["serve"], ["shops", "list"]]) {
      const r = runCli([...args, "--config", file], {}, "");
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("TK_ERR_CONFIG_INVALID");
      expect(r.stderr).toMatch(/nested too deeply/);
      expect(r.stderr).not.toMatch(/TK_ERR_INTERNAL|Maximum call stack/);
    }
  });

  it("checkConfig reports the depth problem with the key path where it starts", () => {
    const raw = JSON.parse(deepConfigText(10_000, "kommo", "object"));
    const result = checkConfig(raw, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.message).toMatch(/nested too deeply/);
    expect(result.problems[0]!.path).toMatch(/^kommo\.a\.a/);
  });

  it("a deep path of long keys is shown shortened", () => {
    let raw: unknown = 1;
    for (let i = 0; i < 40; i++) raw = { ["k".repeat(1_000)]: raw };
    const result = checkConfig({ ...validRaw(), extra: raw }, {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]!.path.length).toBeLessThanOrEqual(121);
    expect(result.problems[0]!.path.startsWith("extra.kkk")).toBe(true);
  });

  it("redact() bounds its walk instead of overflowing the stack", () => {
    let deep: unknown = { token: "s3cret" };
    for (let i = 0; i < 20_000; i++) deep = { a: deep };
    const out = JSON.stringify(redact(deep));
    expect(out).not.toContain("s3cret");
    expect(out).toContain("[too deep]");
  });
});
