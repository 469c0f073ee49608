/**
 * Tokopedia chat HTML to text: today's rendering (anchors reduced to their URL, `<br>` to a newline), entity
 * decoding, the length cap, and linear time on hostile markup (a buyer's own message is the input).
 */
import { describe, expect, it } from "vitest";
import {
  CHAT_TEXT_CAP,
  chatHtmlToText,
  decodeEntities,
  truncatedMarker,
} from "../../src/sources/tokopedia/html.js";

/** The anchor markup Tokopedia (and our simulator) wraps links in. */
function tokopediaLink(url: string): string {
  const attr = url.replace(/&/g, "&amp;").replace(/"/g, "&quot;");
  return `<a rel="nofollow" target="_blank" href="${attr}">${url.replace(/&/g, "&amp;")}</a>`;
}

describe("chat HTML to text", () => {
  it("reduces Tokopedia's anchors to their URL, entities in the URL decoded", () => {
    const url = "https://www.tokopedia.com/shop/p?x=1&y=2";
    expect(chatHtmlToText(`lihat ${tokopediaLink(url)} ya`)).toBe(`lihat ${url} ya`);
    expect(chatHtmlToText(`<A HREF='https://a.example/1'>label</A >`)).toBe("https://a.example/1");
    expect(chatHtmlToText(`<a\nhref = "u1"\n>one</a><a href="u2">two</a>`)).toBe("u1u2");
  });

  it("keeps a quoted href that holds a '>'", () => {
    expect(chatHtmlToText(`<a href="https://x.example/?q=a>b">t</a>!`)).toBe("https://x.example/?q=a>b!");
  });

  it("keeps the content of an anchor without href and drops its tags", () => {
    expect(chatHtmlToText("say <a name='n'>hello<br>there</a> now")).toBe("say hello\nthere now");
    expect(chatHtmlToText("<a data-x='1'>x</a>")).toBe("x");
  });

  it("turns <br> forms into newlines and leaves every other tag or '<' alone", () => {
    expect(chatHtmlToText("a<br>b<BR/>c<br />d<br\t>e")).toBe("a\nb\nc\nd\ne");
    for (const s of [
      "<3 kak",
      "<b>bold</b>",
      "<brx>",
      "a < b > c",
      "<a",
      "<a href='x'>no close",
      "</a>",
      "<abbr>x</abbr>",
    ])
      expect(chatHtmlToText(s)).toBe(s);
  });

  it("passes hostile text through unchanged: RTL, zero-width, NUL, lone surrogates, stray ampersands", () => {
    const s = "\u202eabc\u202c \u200b\u200d\u0000 x\ud800y \udc00 😀 AT&T &amp &foo; &#; &#xZZ; 5 & 6";
    expect(chatHtmlToText(s)).toBe(s);
  });

  it("decodes named and numeric entities with a maintained decoder", () => {
    expect(decodeEntities("tunggu&hellip; caf&eacute; it&rsquo;s &lt;3 &amp; &quot;ok&quot; &#39;")).toBe(
      'tunggu… café it’s <3 & "ok" \'',
    );
    expect(decodeEntities("&#x1F600;&#128512;&#8230;&#X41;")).toBe("😀😀…A");
  });

  it("turns references to invalid code points into U+FFFD, never a lone surrogate", () => {
    for (const ref of ["&#xD800;", "&#55296;", "&#xDFFF;", "&#0;", "&#x110000;", "&#99999999999;"]) {
      const out = chatHtmlToText(`a${ref}b`);
      expect(out).toBe("a\uFFFDb");
    }
    // Two halves written as separate references do not pair up either.
    expect(chatHtmlToText("&#xD83D;&#xDE00;")).toBe("\uFFFD\uFFFD");
  });

  it("cuts text longer than the cap, with a marker naming what was left out", () => {
    const exact = "x".repeat(CHAT_TEXT_CAP);
    expect(chatHtmlToText(exact)).toBe(exact);
    const long = `${"y".repeat(CHAT_TEXT_CAP)}${"z".repeat(10)}`;
    expect(chatHtmlToText(long)).toBe("y".repeat(CHAT_TEXT_CAP) + truncatedMarker(10));
    expect(truncatedMarker(10)).toContain("10 more characters");
    // A surrogate pair straddling the cap is kept whole on the cut side, not split.
    const pair = `${"y".repeat(CHAT_TEXT_CAP - 1)}😀tail`;
    const out = chatHtmlToText(pair);
    expect(out).toBe("y".repeat(CHAT_TEXT_CAP - 1) + truncatedMarker(6));
  });
});

/** Hostile markup patterns: each repeated to the wanted size. */
const HOSTILE = [
  "<a href='x'>",
  '<a href="x">',
  "<a href='",
  '<a rel="nofollow" href="',
  "<a ",
  "<a\t",
  "<<<<a",
  "<a href='x'>y",
  "<a href=x>",
  "</a",
  "</a  ",
  "<br ",
  "<br",
  "<a>",
  "<a href='x'><br>",
  "&#x",
  "&#1234567",
  "&hellip",
  "&a",
  '<a title="',
  "<a href = ' > ' >",
];

function hostile(pattern: string, size: number): string {
  return pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
}

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

describe("chat HTML to text on hostile markup", () => {
  // Sizes grow so that super-linear code fails fast on the small one instead of hanging on the megabyte.
  it("renders 16 KB of each hostile pattern in well under 200 ms", () => {
    for (const p of HOSTILE) {
      const ms = timed(() => chatHtmlToText(hostile(p, 16 * 1024), Number.POSITIVE_INFINITY));
      expect(ms, `pattern ${JSON.stringify(p)}`).toBeLessThan(200);
    }
  });

  it("renders 1 MB of each hostile pattern, and of them all mixed, in under a second (cap off and on)", () => {
    const mixed = hostile(HOSTILE.join("x"), 1024 * 1024);
    for (const text of [...HOSTILE.map((p) => hostile(p, 1024 * 1024)), mixed]) {
      const label = JSON.stringify(text.slice(0, 20));
      let out = "";
      const uncapped = timed(() => {
        out = chatHtmlToText(text, Number.POSITIVE_INFINITY);
      });
      expect(uncapped, label).toBeLessThan(1000);
      expect(out.length).toBeLessThanOrEqual(text.length);
      let capped = "";
      expect(
        timed(() => {
          capped = chatHtmlToText(text);
        }),
        label,
      ).toBeLessThan(1000);
      expect(capped.endsWith(truncatedMarker(text.length - CHAT_TEXT_CAP))).toBe(true);
    }
  });

  it("renders 1 MB of well-formed anchors and breaks in under a second, each anchor reduced", () => {
    const unit = `${tokopediaLink("https://t.example/p?a=1&b=2")} kak<br>`;
    const text = unit.repeat(Math.floor((1024 * 1024) / unit.length));
    let out = "";
    expect(
      timed(() => {
        out = chatHtmlToText(text, Number.POSITIVE_INFINITY);
      }),
    ).toBeLessThan(1000);
    expect(out).toBe("https://t.example/p?a=1&b=2 kak\n".repeat(Math.floor((1024 * 1024) / unit.length)));
  });
});
