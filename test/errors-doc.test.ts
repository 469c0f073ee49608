import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("docs/errors.md", () => {
  const docs = readFileSync("docs/errors.md", "utf8");
  const used = new Set<string>();
  for (const file of sourceFiles("src")) {
    for (const m of readFileSync(file, "utf8").matchAll(/\bTK_ERR_[A-Z0-9_]*[A-Z0-9]\b/g)) used.add(m[0]);
  }

  it("finds the codes the source uses", () => {
    expect(used.has("TK_ERR_USAGE")).toBe(true);
  });

  it("documents every TK_ERR_* code used in src/", () => {
    const missing = [...used].filter((code) => !docs.includes(`\`${code}\``)).sort();
    expect(missing).toEqual([]);
  });
});
