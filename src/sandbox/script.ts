/**
 * The sandbox's conversation script: one step per line, readable and writable by partners for their own checks.
 * docs/sandbox.md is the reference; in short:
 *
 *   # a comment (a whole line; a `#` inside a message is text)
 *   buyer: halo kak, ready? https://tokopedia.com/kommo/kaos      (text; links become anchors on Tokopedia)
 *   buyer image: https://images.example/kaos.jpg
 *   buyer product: Kaos Polos | Rp50.000 | https://tokopedia.com/kommo/kaos | https://images.example/kaos.jpg
 *   buyer invoice: INV/20261128/MPL/0001 | Rp100.000 | Dikirim | https://tokopedia.com/invoice/1
 *   buyer sticker: happy
 *   buyer as Sari: ...                     (another buyer: a second conversation)
 *   buyer as Rina on tiktokshop: ...       (a buyer on TikTok Shop; `sandbox --serve` only)
 *   manager: Ada kak, silakan diorder 🙏   (answers the current buyer)
 *   manager to Sari: ...                   (answers Sari; Sari becomes the current buyer)
 *   manager picture: https://amojo.example/attachments/photo.jpg
 *   expect delivered | refused | lead | messages N [from NAME]
 *   shop NAME                              (later buyers write to this shop; default the first)
 *   wait MINUTES                           (the reply-time guard's clock moves on; `tokokommo sandbox` only)
 *   expect task | no task                  (an open task on the current buyer's lead, or none)
 *   expect pipeline ID|NAME                (the current buyer's lead is in this pipeline, by id or name)
 *
 * The current buyer is the one named by the latest `buyer` or `manager to` line.
 */
import { TkError } from "../errors/index.js";

type BuyerContent =
  | { kind: "text"; text: string }
  | { kind: "image"; url: string }
  | { kind: "product"; name: string; price?: string; url?: string; imageUrl?: string }
  | { kind: "invoice"; code: string; total?: string; status?: string; url?: string }
  | { kind: "sticker"; name: string };

/** `on`: the marketplace the buyer writes on; absent: Tokopedia. TikTok Shop buyers exist in `sandbox --serve`. */
export type BuyerStep = { line: number; actor: "buyer"; buyer: string; on?: "tiktokshop" } & BuyerContent;
/** `to`: the buyer answered; absent: the current buyer. */
export type ManagerStep = { line: number; actor: "manager"; to?: string } & (
  | { kind: "text"; text: string }
  | { kind: "picture"; url: string }
);
/** Expectations about the current buyer's lead: an open task, none, or its pipeline. */
export type LeadExpectStep =
  | { line: number; actor: "expect"; what: "task" | "no task" }
  | { line: number; actor: "expect"; what: "pipeline"; pipelineId: number }
  | { line: number; actor: "expect"; what: "pipeline"; pipelineName: string };
export type ExpectStep =
  | { line: number; actor: "expect"; what: "delivered" | "refused" | "lead" }
  | LeadExpectStep
  /** `from`: whose chat is counted; absent: the current buyer's. */
  | { line: number; actor: "expect"; what: "messages"; count: number; from?: string };
/** Later buyers write to this shop (its name or id). */
export type ShopStep = { line: number; actor: "shop"; shop: string };
/** The reply-time guard's clock moves on this many minutes (and the guard looks at once). */
export type WaitStep = { line: number; actor: "wait"; minutes: number };
export type ScriptStep = BuyerStep | ManagerStep | ExpectStep | ShopStep | WaitStep;

export const DEFAULT_BUYER = "Budi";

const BUYER_KINDS = new Set(["text", "image", "product", "invoice", "sticker"]);
const MANAGER_KINDS = new Set(["text", "picture"]);

const USAGE =
  "Use `buyer: text`, `buyer image|product|invoice|sticker: ...`, `buyer as NAME: ...`, `manager: text`, `manager picture: URL`, `manager to NAME: ...` `expect delivered|refused|lead|messages N [from NAME]|task|no task|pipeline ID or NAME`, `shop NAME` or `wait MINUTES` (docs/sandbox.md).";

function fields(rest: string): string[] {
  return rest.split("|").map((s) => s.trim());
}

function opt<K extends string>(key: K, v: string | undefined): { [P in K]?: string } {
  return (v ? { [key]: v } : {}) as { [P in K]?: string };
}

type Bad = (why: string) => TkError;

/** `buyer`'s content after the colon, by kind. */
function buyerContent(kind: string, rest: string, bad: Bad): BuyerContent {
  const f = fields(rest);
  switch (kind) {
    case "text":
      if (!rest.trim()) throw bad("empty buyer message");
      return { kind: "text", text: rest };
    case "image":
      if (!f[0]) throw bad("an image needs a URL");
      return { kind: "image", url: f[0] };
    case "product": {
      const [name, price, url, imageUrl] = f;
      if (!name) throw bad("a product needs a name");
      return {
        kind: "product",
        name,
        ...opt("price", price),
        ...opt("url", url),
        ...opt("imageUrl", imageUrl),
      };
    }
    case "invoice": {
      const [code, total, status, url] = f;
      if (!code) throw bad("an invoice needs a code");
      return { kind: "invoice", code, ...opt("total", total), ...opt("status", status), ...opt("url", url) };
    }
    default:
      return { kind: "sticker", name: rest.trim() || "smile" };
  }
}

/**
 * The words before the colon: actor, then `as NAME` / `to NAME`, then an optional kind as the last word.
 * Word-based rather than one regular expression, so that names of several words ("Dewi Lestari") work.
 */
function parseHead(
  head: string,
  bad: Bad,
): { actor: "buyer" | "manager"; name?: string; kind: string; on?: "tiktokshop" } {
  const words = head.trim().split(/\s+/);
  const actor = words.shift()?.toLowerCase();
  if (actor !== "buyer" && actor !== "manager") throw bad("not a script step");
  const kinds = actor === "buyer" ? BUYER_KINDS : MANAGER_KINDS;
  const last = words[words.length - 1]?.toLowerCase();
  const kind = (
    last !== undefined && kinds.has(last) && words.length !== 2 ? (words.pop() ?? "") : "text"
  ).toLowerCase();
  const market = words.length >= 2 && words[words.length - 2]?.toLowerCase() === "on" && actor === "buyer";
  const marketplace = market ? words.splice(-2)[1]?.toLowerCase() : undefined;
  if (marketplace !== undefined && marketplace !== "tokopedia" && marketplace !== "tiktokshop")
    throw bad(`unknown marketplace "${marketplace}" (tokopedia or tiktokshop)`);
  const on: { on?: "tiktokshop" } = marketplace === "tiktokshop" ? { on: "tiktokshop" } : {};
  if (on.on && kind !== "text" && kind !== "image")
    throw bad("a TikTok Shop buyer writes text or an image here");
  if (words.length === 0) return { actor, kind, ...on };
  const joiner = actor === "buyer" ? "as" : "to";
  if (words[0]?.toLowerCase() !== joiner) {
    throw bad(
      words.length === 1
        ? `unknown ${actor} message kind "${words[0]}"`
        : `expected \`${actor} ${joiner} NAME:\` before the colon`,
    );
  }
  if (words.length === 1) throw bad(`\`${actor} ${joiner}\` needs a name`);
  return { actor, name: words.slice(1).join(" "), kind, ...on };
}

function parseExpect(text: string, line: number, bad: Bad): ExpectStep {
  const words = text.split(/\s+/).slice(1);
  const what = words[0]?.toLowerCase();
  if ((what === "delivered" || what === "refused" || what === "lead") && words.length === 1)
    return { line, actor: "expect", what };
  if (what === "task" && words.length === 1) return { line, actor: "expect", what };
  if (what === "no" && words.length === 2 && words[1]?.toLowerCase() === "task")
    return { line, actor: "expect", what: "no task" };
  if (what === "pipeline" && words.length === 2 && /^\d+$/.test(words[1] ?? ""))
    return { line, actor: "expect", what, pipelineId: Number(words[1]) };
  if (what === "pipeline" && words.length >= 2)
    return { line, actor: "expect", what, pipelineName: words.slice(1).join(" ") };
  if (what === "messages" && words[1] !== undefined && /^\d+$/.test(words[1])) {
    const count = Number(words[1]);
    if (words.length === 2) return { line, actor: "expect", what, count };
    if (words[2]?.toLowerCase() === "from" && words.length > 3)
      return { line, actor: "expect", what, count, from: words.slice(3).join(" ") };
  }
  throw bad("not an expectation");
}

/** Parses one line; undefined for blank lines and comments. Throws TkError naming the line on bad syntax. */
export function parseStep(raw: string, line: number): ScriptStep | undefined {
  const text = raw.trim();
  if (!text || text.startsWith("#")) return undefined;
  const bad: Bad = (why) =>
    new TkError("TK_ERR_SANDBOX_SCRIPT", `script line ${line}: ${why}: ${raw}`, { fix: USAGE, exitCode: 2 });
  if (/^expect(\s|$)/i.test(text)) return parseExpect(text, line, bad);
  const shop = /^shop\s+([^:\s][^:]*)$/i.exec(text);
  if (shop) return { line, actor: "shop", shop: shop[1]!.trim() };
  if (/^wait(\s|$)/i.test(text)) {
    const m = /^wait\s+(\d{1,5})$/i.exec(text);
    if (!m || Number(m[1]) === 0) throw bad("`wait` takes a number of minutes (1-99999)");
    return { line, actor: "wait", minutes: Number(m[1]) };
  }
  const colon = text.indexOf(":");
  if (colon < 0) throw bad("not a script step (no colon)");
  const { actor, name, kind, on } = parseHead(text.slice(0, colon), bad);
  const rest = text.slice(colon + 1).replace(/^ /, "");
  if (actor === "buyer")
    return {
      line,
      actor,
      buyer: name ?? DEFAULT_BUYER,
      ...(on ? { on } : {}),
      ...buyerContent(kind, rest, bad),
    };
  const to = name ? { to: name } : {};
  if (kind === "picture") {
    if (!rest.trim()) throw bad("a picture needs a URL");
    return { line, actor, ...to, kind: "picture", url: rest.trim() };
  }
  if (!rest.trim()) throw bad("empty manager message");
  return { line, actor, ...to, kind: "text", text: rest };
}

/**
 * Parses a whole script. Also refuses, before anything runs, a manager line that answers nobody: no buyer has
 * written yet, or `manager to NAME` before NAME wrote.
 */
export function parseScript(source: string): ScriptStep[] {
  const written = new Set<string>();
  return source.split(/\r?\n/).flatMap((raw, i) => {
    const step = parseStep(raw, i + 1);
    if (step?.actor === "buyer") written.add(step.buyer);
    if (step?.actor === "manager" && (step.to ? !written.has(step.to) : written.size === 0)) {
      const who = step.to ? `${step.to} has not written yet` : "no buyer has written yet";
      throw new TkError(
        "TK_ERR_SANDBOX_SCRIPT",
        `script line ${i + 1}: ${who}; a manager can only answer a buyer who wrote first: ${raw}`,
        {
          fix: `Put a \`buyer${step.to ? ` as ${step.to}` : ""}: ...\` line before this manager line.`,
          exitCode: 2,
        },
      );
    }
    return step ? [step] : [];
  });
}

/** The conversation the sandbox plays when no script is given: every kind of buyer message, a reply, a refusal. */
export const DEFAULT_SCRIPT = `# tokokommo sandbox: a buyer writes on Tokopedia, a manager answers in Kommo
buyer: Halo kak, kaos ini ready? https://www.tokopedia.com/kommo/kaos-polos-hitam
buyer image: https://images.tokopedia.net/img/chat/kaos-sobek.jpg
buyer product: Kaos Polos Hitam | Rp59.000 | https://www.tokopedia.com/kommo/kaos-polos-hitam | https://images.tokopedia.net/img/product/kaos.jpg
buyer invoice: INV/20261128/MPL/3541 | Rp118.000 | Menunggu Pembayaran | https://www.tokopedia.com/invoice/3541
buyer sticker: terima kasih
# one chat with an incoming lead, holding the five messages Budi wrote
expect lead
expect messages 5
manager: Ready kak! Silakan diorder, hari ini dikirim 🙏
expect delivered
# Tokopedia takes no attachments from a seller's API: Kommo shows the picture as not delivered
manager picture: https://amojo.kommo.com/attachments/size-chart.jpg
expect refused
# the reply-time guard: a buyer nobody answers for 8 hours gets a task on the lead; the reply completes it
buyer as Sari: Kak, bisa kirim hari ini?
expect no task
wait 481
expect task
manager: Bisa kak, dikirim sore ini
expect no task
# an agency's second client shop: its buyers' leads land in the shop's own pipeline (shops[].pipelineId)
shop kommo-store-2
buyer as Rina: Kak, ukuran XL ada?
expect lead
expect pipeline kommo-store-2 leads
`;
