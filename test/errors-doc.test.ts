/**
 * The error catalogue (src/errors/codes.ts) and docs/errors.md checked against each other and against src/:
 * every code has one entry and one documented row in the section its entry names, every documented or used code
 * is in the catalogue, and every catalogue code is raised somewhere. Failures say what to add where.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, isTkErrorCode, type TkErrorCode } from "../src/errors/index.js";

const CATALOGUE = "src/errors/codes.ts";
const CODE = /\bTK_ERR_[A-Z0-9_]*[A-Z0-9]\b/g;

/** Catalogue codes that nothing in src/ raises yet, each with the reason it is kept (none today). */
const NOT_RAISED_YET: Partial<Record<TkErrorCode, string>> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Code without its comments: a code named only in a comment is not raised. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, "")
    .replace(/\s/g, "-");
}

interface DocRow {
  code: string;
  section: string;
  heading: string;
  text: string;
}

/** Every table row of docs/errors.md whose first cell is a code, with the section it sits in. */
function documentedRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  let heading = "";
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3);
    const m = /^\|\s*`(TK_ERR_[A-Z0-9_]+)`\s*\|/.exec(line);
    if (m?.[1]) rows.push({ code: m[1], section: slug(heading), heading, text: line });
  }
  return rows;
}

const docs = readFileSync("docs/errors.md", "utf8");
const rows = documentedRows(docs);
const headings = new Map(
  [...docs.matchAll(/^## (.+)$/gm)].map((m) => [slug(m[1] ?? ""), m[1] ?? ""] as const),
);
const codes = Object.keys(ERROR_CODES) as TkErrorCode[];
const used = new Set<string>();
for (const file of sourceFiles("src")) {
  if (file === join(CATALOGUE)) continue;
  for (const m of withoutComments(readFileSync(file, "utf8")).matchAll(CODE)) used.add(m[0]);
}
const mentioned = new Set<string>();
for (const file of sourceFiles("src"))
  for (const m of readFileSync(file, "utf8").matchAll(CODE)) mentioned.add(m[0]);

function entryHint(code: string, section = "<its docs/errors.md section>"): string {
  return `${code}: add \`${code}: { category, exitCode, retryable, doc: "${section}" }\` to ERROR_CODES in ${CATALOGUE}, in alphabetical order`;
}

describe("the error catalogue and docs/errors.md", () => {
  it("finds the codes the source uses and the rows the docs have", () => {
    expect(used.has("TK_ERR_USAGE")).toBe(true);
    expect(rows.length).toBeGreaterThan(50);
  });

  it("documents every catalogue code once, in the section its entry names", () => {
    const problems: string[] = [];
    for (const code of codes) {
      const { doc } = ERROR_CODES[code];
      const found = rows.filter((r) => r.code === code);
      const where = `under "## ${headings.get(doc) ?? doc}"`;
      if (found.length === 0)
        problems.push(
          `${code}: add a row \`| \\\`${code}\\\` | meaning | what to do |\` to docs/errors.md ${where}`,
        );
      else if (found.length > 1) problems.push(`${code}: documented ${found.length} times; keep one row`);
      else if (found[0]?.section !== doc)
        problems.push(`${code}: its row is under "## ${found[0]?.heading}", its entry says doc: "${doc}"`);
    }
    expect(problems).toEqual([]);
  });

  it("names only sections docs/errors.md has", () => {
    const sections = new Set(codes.map((c) => ERROR_CODES[c].doc));
    expect([...sections].filter((s) => !headings.has(s))).toEqual([]);
  });

  it("has an entry for every documented code", () => {
    const missing = rows.filter((r) => !isTkErrorCode(r.code)).map((r) => entryHint(r.code, r.section));
    expect(missing).toEqual([]);
  });

  it("has an entry for every TK_ERR_* code written in src/", () => {
    expect([...mentioned].filter((c) => !isTkErrorCode(c)).map((c) => entryHint(c))).toEqual([]);
  });

  it("has every catalogue code raised somewhere in src/ (or says why not)", () => {
    const unused = codes.filter((c) => !used.has(c) && NOT_RAISED_YET[c] === undefined);
    expect(
      unused.map(
        (c) => `${c}: nothing in src/ raises it; remove its entry from ${CATALOGUE} and its docs row`,
      ),
    ).toEqual([]);
  });

  it("keeps NOT_RAISED_YET to codes still unused", () => {
    const raised = Object.keys(NOT_RAISED_YET).filter((c) => used.has(c));
    expect(raised.map((c) => `${c} is raised now: drop it from NOT_RAISED_YET in this test`)).toEqual([]);
  });

  it("lists the catalogue in alphabetical order", () => {
    const misplaced = codes.flatMap((c, i) => {
      const next = codes[i + 1];
      return next !== undefined && next < c ? [`ERROR_CODES: put ${next} before ${c}`] : [];
    });
    expect(misplaced).toEqual([]);
  });

  it("gives the exit code the docs state, where they state one", () => {
    const wrong = rows.flatMap((r) => {
      const stated = /\(exit (\d)\)/.exec(r.text)?.[1];
      if (!stated || !isTkErrorCode(r.code)) return [];
      const exitCode = ERROR_CODES[r.code].exitCode;
      return Number(stated) === exitCode ? [] : [`${r.code}: docs say exit ${stated}, catalogue ${exitCode}`];
    });
    expect(wrong).toEqual([]);
  });
});
