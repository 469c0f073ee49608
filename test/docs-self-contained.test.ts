/**
 * The repository explains itself: no file cites a text it does not contain (numbered sections of an outside design
 * or reference document, paths into a shared folder, the confidence labels of outside research notes, the work
 * tracker's issue numbers), and every
 * `docs/platforms/<name>.md#anchor` a file cites names a heading of that doc. Platform facts live in
 * docs/platforms/*.md; code comments cite those or state the fact.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const SKIP_DIRS = new Set(["node_modules", "dist", "results", "coverage"]);
const TEXT_FILE = /\.(ts|mts|cts|js|mjs|cjs|md)$/;

function textFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return SKIP_DIRS.has(name) ? [] : textFiles(path);
    return TEXT_FILE.test(name) ? [path] : [];
  });
}

const FILES = [...["src", "test", "bench", "docs"].flatMap(textFiles), "README.md"];
const TEXTS = new Map(FILES.map((f) => [f, readFileSync(f, "utf8")]));

/** Every line of every file matching `re`, as `file:line: text`. */
function linesMatching(re: RegExp, files: Iterable<string> = TEXTS.keys()): string[] {
  const hits: string[] = [];
  for (const file of files) {
    TEXTS.get(file)!
      .split("\n")
      .forEach((line, i) => {
        if (re.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

// Built from parts so that this file does not match its own patterns.
const SECTION_SIGN = "\u00a7";
const NAMED_SECTION = new RegExp(`\\b(design|reference)( \\S+)? ${SECTION_SIGN}`, "i");
/** A section number that is not an RFC's (an RFC section is a public, stable citation). */
const BARE_SECTION = new RegExp(`(?<!RFC \\d{3,5} )${SECTION_SIGN}\\s?\\d`);
const OUTSIDE_CITATIONS: Array<[string, RegExp]> = [
  ["a numbered section of a design or reference text", NAMED_SECTION],
  ["a section number of an unnamed text", BARE_SECTION],
  ["a path into a shared folder", /\bshared\/\w/],
  ["an outside research file", /\b(design|(tokopedia|tiktokshop|kommo)-api)\.md\b/],
  ["a confidence label of outside notes", /\[(C1|C2|C1\+|INF|UNK|CONFLICT)[\],]/],
  // The tracker's issues are not in the repository: say what the code does and why instead.
  ["an issue of the work tracker by its number", /\bissues? #?\d+\b/i],
];

/** GitHub's anchor for a Markdown heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchorsOf(doc: string): Set<string> {
  const text = readFileSync(doc, "utf8");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!)));
}

describe("the repository cites only itself", () => {
  it("reads the whole tree", () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(FILES).toContain("docs/platforms/tokopedia.md");
  });

  for (const [what, re] of OUTSIDE_CITATIONS) {
    it(`no file cites ${what}`, () => {
      expect(linesMatching(re)).toEqual([]);
    });
  }

  it("the section patterns catch outside citations and leave RFC sections alone", () => {
    expect(NAMED_SECTION.test(`see design ${SECTION_SIGN}4`)).toBe(true);
    expect(NAMED_SECTION.test(`reference kommo-api ${SECTION_SIGN}5`)).toBe(true);
    expect(BARE_SECTION.test(`documented errors (${SECTION_SIGN}3, ${SECTION_SIGN}4)`)).toBe(true);
    expect(NAMED_SECTION.test(`RFC 9110 ${SECTION_SIGN}10.2.3`)).toBe(false);
    expect(BARE_SECTION.test(`RFC 9110 ${SECTION_SIGN}10.2.3`)).toBe(false);
  });
});

describe("citations of docs/platforms resolve", () => {
  const cites = [...TEXTS].flatMap(([file, text]) =>
    [...text.matchAll(/docs\/platforms\/([a-z0-9-]+)\.md#([\p{L}\p{N}_-]+)/gu)].map((m) => ({
      file,
      doc: `docs/platforms/${m[1]}.md`,
      anchor: m[2]!,
    })),
  );

  it("the source cites the platform docs by section", () => {
    const fromSrc = cites.filter((c) => c.file.startsWith("src/"));
    expect(new Set(fromSrc.map((c) => c.doc))).toEqual(
      new Set(["docs/platforms/tokopedia.md", "docs/platforms/tiktokshop.md", "docs/platforms/kommo.md"]),
    );
  });

  it("every docs/platforms/<name>.md#anchor names a heading of that doc", () => {
    const broken = cites
      .filter((c) => !existsSync(c.doc) || !anchorsOf(c.doc).has(c.anchor))
      .map((c) => `${c.file}: ${c.doc}#${c.anchor}`);
    expect(broken).toEqual([]);
  });

  it("every in-page link of a platform doc names one of its headings", () => {
    const broken: string[] = [];
    for (const doc of FILES.filter((f) => f.startsWith("docs/platforms/"))) {
      const anchors = anchorsOf(doc);
      for (const m of TEXTS.get(doc)!.matchAll(/\]\(#([^)]+)\)/g)) {
        if (!anchors.has(m[1]!)) broken.push(`${doc}: #${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every docs/*.md a source or test file names exists", () => {
    const missing = [...TEXTS]
      .filter(([file]) => !file.startsWith("docs/"))
      .flatMap(([file, text]) =>
        [...text.matchAll(/\bdocs\/[\w/-]+\.md\b/g)].map((m) => [file, m[0]] as const),
      )
      .filter(([, doc]) => !existsSync(doc))
      .map(([file, doc]) => `${file}: ${doc}`);
    expect(missing).toEqual([]);
  });

  it("README and docs/architecture.md link every platform doc", () => {
    const platformDocs = FILES.filter((f) => /^docs\/platforms\/[^/]+\.md$/.test(f));
    expect(platformDocs.length).toBe(3);
    for (const doc of platformDocs) {
      expect(TEXTS.get("README.md")).toContain(`](${doc})`);
      expect(TEXTS.get("docs/architecture.md")).toContain(`](${doc.replace("docs/", "")})`);
    }
  });

  it("slugs follow GitHub's rule", () => {
    expect(slug("Ids, times and paging")).toBe("ids-times-and-paging");
    expect(slug("Chats API signing")).toBe("chats-api-signing");
  });
});
