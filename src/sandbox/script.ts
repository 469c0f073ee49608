/**
 * The sandbox's conversation script: one step per line, readable and writable by partners for their own checks.
 *
 *   # a comment
 *   buyer: halo kak, ready? https://tokopedia.com/kommo/kaos      (text; links become anchors on Tokopedia)
 *   buyer image: https://images.example/kaos.jpg
 *   buyer product: Kaos Polos | Rp50.000 | https://tokopedia.com/kommo/kaos | https://images.example/kaos.jpg
 *   buyer invoice: INV/20261128/MPL/0001 | Rp100.000 | Dikirim | https://tokopedia.com/invoice/1
 *   buyer sticker: happy
 *   manager: Ada kak, silakan diorder 🙏
 *   manager picture: https://amojo.example/attachments/photo.jpg
 *   expect delivered | refused | lead | messages N
 *
 * `buyer as NAME:` writes as another buyer (a second conversation).
 */
import { TkError } from "../errors/index.js";

export type ScriptStep =
  | { line: number; actor: "buyer"; buyer: string; kind: "text"; text: string }
  | { line: number; actor: "buyer"; buyer: string; kind: "image"; url: string }
  | {
      line: number;
      actor: "buyer";
      buyer: string;
      kind: "product";
      name: string;
      price?: string;
      url?: string;
      imageUrl?: string;
    }
  | {
      line: number;
      actor: "buyer";
      buyer: string;
      kind: "invoice";
      code: string;
      total?: string;
      status?: string;
      url?: string;
    }
  | { line: number; actor: "buyer"; buyer: string; kind: "sticker"; name: string }
  | { line: number; actor: "manager"; kind: "text"; text: string }
  | { line: number; actor: "manager"; kind: "picture"; url: string }
  | { line: number; actor: "expect"; what: "delivered" | "refused" | "lead" }
  | { line: number; actor: "expect"; what: "messages"; count: number };

export const DEFAULT_BUYER = "Budi";

function fields(rest: string): string[] {
  return rest.split("|").map((s) => s.trim());
}

function opt(v: string | undefined): string | undefined {
  return v ? v : undefined;
}

/** Parses one line; undefined for blank lines and comments. Throws TkError naming the line on bad syntax. */
export function parseStep(raw: string, line: number): ScriptStep | undefined {
  const text = raw.trim();
  if (!text || text.startsWith("#")) return undefined;
  const m = /^(buyer(?:\s+as\s+([^:\s](?:[^:]*?[^:\s])?))?|manager|expect)(?:\s+(\w+))?\s*:\s?(.*)$/i.exec(
    text,
  );
  const bad = (why: string) =>
    new TkError("TK_ERR_SANDBOX_SCRIPT", `script line ${line}: ${why}: ${raw}`, {
      fix: "Use `buyer: text`, `buyer image|product|invoice|sticker: ...`, `manager: text`, `manager picture: URL` or `expect ...`.",
      exitCode: 2,
    });
  if (m) {
    const head = m[1]!.toLowerCase();
    const kind = (m[3] ?? "").toLowerCase();
    const rest = m[4] ?? "";
    if (head.startsWith("buyer")) {
      const buyer = m[2]?.trim() || DEFAULT_BUYER;
      const f = fields(rest);
      switch (kind) {
        case "":
        case "text":
          if (!rest.trim()) throw bad("empty buyer message");
          return { line, actor: "buyer", buyer, kind: "text", text: rest };
        case "image":
          return { line, actor: "buyer", buyer, kind: "image", url: f[0]! };
        case "product": {
          const [name, price, url, imageUrl] = f;
          if (!name) throw bad("a product needs a name");
          return {
            line,
            actor: "buyer",
            buyer,
            kind: "product",
            name,
            ...(opt(price) ? { price: price! } : {}),
            ...(opt(url) ? { url: url! } : {}),
            ...(opt(imageUrl) ? { imageUrl: imageUrl! } : {}),
          };
        }
        case "invoice": {
          const [code, total, status, url] = f;
          if (!code) throw bad("an invoice needs a code");
          return {
            line,
            actor: "buyer",
            buyer,
            kind: "invoice",
            code,
            ...(opt(total) ? { total: total! } : {}),
            ...(opt(status) ? { status: status! } : {}),
            ...(opt(url) ? { url: url! } : {}),
          };
        }
        case "sticker":
          return { line, actor: "buyer", buyer, kind: "sticker", name: rest.trim() || "smile" };
        default:
          throw bad(`unknown buyer message kind "${kind}"`);
      }
    }
    if (head === "manager") {
      if (kind === "" || kind === "text") {
        if (!rest.trim()) throw bad("empty manager message");
        return { line, actor: "manager", kind: "text", text: rest };
      }
      if (kind === "picture") return { line, actor: "manager", kind: "picture", url: rest.trim() };
      throw bad(`unknown manager message kind "${kind}"`);
    }
  }
  const e = /^expect\s+(delivered|refused|lead|messages\s+(\d+))\s*$/i.exec(text);
  if (e) {
    if (e[2]) return { line, actor: "expect", what: "messages", count: Number(e[2]) };
    return { line, actor: "expect", what: e[1]!.toLowerCase() as "delivered" | "refused" | "lead" };
  }
  throw bad("not a script step");
}

export function parseScript(source: string): ScriptStep[] {
  return source.split(/\r?\n/).flatMap((raw, i) => {
    const step = parseStep(raw, i + 1);
    return step ? [step] : [];
  });
}

/** The conversation the sandbox plays when no script is given (issue: text with a link, image, product, invoice, sticker; a text reply and a refused picture). */
export const DEFAULT_SCRIPT = `# tokokommo sandbox: a buyer writes on Tokopedia, a manager answers in Kommo
buyer: Halo kak, kaos ini ready? https://www.tokopedia.com/kommo/kaos-polos-hitam
buyer image: https://images.tokopedia.net/img/chat/kaos-sobek.jpg
buyer product: Kaos Polos Hitam | Rp59.000 | https://www.tokopedia.com/kommo/kaos-polos-hitam | https://images.tokopedia.net/img/product/kaos.jpg
buyer invoice: INV/20261128/MPL/3541 | Rp118.000 | Menunggu Pembayaran | https://www.tokopedia.com/invoice/3541
buyer sticker: terima kasih
expect lead
expect messages 5
manager: Ready kak! Silakan diorder, hari ini dikirim 🙏
expect delivered
manager picture: https://amojo.kommo.com/attachments/size-chart.jpg
expect refused
`;
