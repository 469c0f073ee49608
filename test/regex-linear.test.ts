/**
 * Every regular expression in src/ (src/sim included) runs in linear time, checked by `recheck` (a ReDoS checker
 * combining automata analysis and fuzzing). A super-linear pattern on input an attacker controls freezes the
 * event loop, so this is a dev-only guard run with the other tests.
 *
 * What is checked: every regular expression literal (found with the TypeScript compiler API, not by text search,
 * so strings and comments holding slashes are not mistaken for patterns), and every `new RegExp(...)` /
 * `RegExp(...)` whose pattern is a plain string literal. A `RegExp` built from a non-literal pattern cannot be
 * checked here: each such place must be listed in DYNAMIC below with why its patterns are linear, and the test
 * fails when a new one appears (or a listed one disappears) so that the list is reviewed.
 *
 * recheck's verdicts: `safe` passes; `vulnerable` fails; `unknown` (the checker gave up, e.g. on a timeout) also
 * fails: a pattern we cannot show to be linear is treated as not linear. Rewrite it, or split the work so that
 * the checker can decide.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { checkSync } from "recheck";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SRC = join(ROOT, "src");

/** `RegExp` calls with a computed pattern, each with why it is linear. Keyed by "file:line". */
const DYNAMIC: Record<string, string> = {
  "src/server/router.ts":
    "built from our own route paths: literal segments escaped, each parameter one ([^/]+) between '/'s, anchored",
  "src/sim/tiktokshop/wire.ts": 'simulator only: `name="<field>"` with one of its own constant field names',
};

interface Found {
  where: string;
  file: string;
  source: string;
  flags: string;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

function collect(): { literals: Found[]; dynamic: Found[] } {
  const literals: Found[] = [];
  const dynamic: Found[] = [];
  for (const path of tsFiles(SRC)) {
    const file = relative(ROOT, path).split("\\").join("/");
    const sf = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest, true);
    const where = (n: ts.Node) => `${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
        const text = (n as ts.RegularExpressionLiteral).text;
        const end = text.lastIndexOf("/");
        literals.push({ where: where(n), file, source: text.slice(1, end), flags: text.slice(end + 1) });
      } else if (
        (ts.isNewExpression(n) || ts.isCallExpression(n)) &&
        ts.isIdentifier(n.expression) &&
        n.expression.text === "RegExp"
      ) {
        const [pattern, flags] = n.arguments ?? [];
        const flagText = flags && ts.isStringLiteralLike(flags) ? flags.text : flags ? undefined : "";
        if (pattern && ts.isStringLiteralLike(pattern) && flagText !== undefined)
          literals.push({ where: where(n), file, source: pattern.text, flags: flagText });
        else dynamic.push({ where: where(n), file, source: n.getText(sf), flags: "" });
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return { literals, dynamic };
}

describe("regular expressions in src/", () => {
  const { literals, dynamic } = collect();

  it("finds the patterns (the walk covers src/ and src/sim)", () => {
    expect(literals.length).toBeGreaterThan(50);
    expect(literals.some((r) => r.file.startsWith("src/sim/"))).toBe(true);
  });

  it("every literal pattern is linear by recheck (unknown counts as not linear)", () => {
    const offenders: string[] = [];
    for (const r of literals) {
      const d = checkSync(r.source, r.flags, { timeout: 10_000 });
      if (d.status !== "safe") {
        const why =
          d.status === "vulnerable"
            ? `${d.complexity.type}, attack ${JSON.stringify(d.attack.string).slice(0, 60)}`
            : d.error.kind;
        offenders.push(`${r.where} /${r.source}/${r.flags}: ${d.status} (${why})`);
      }
    }
    expect(offenders, `super-linear or undecided patterns:\n${offenders.join("\n")}`).toEqual([]);
  });

  it("every RegExp built from a computed pattern is listed, with why it is linear", () => {
    expect(dynamic.map((d) => d.file).sort()).toEqual(Object.keys(DYNAMIC).sort());
  });
});
