/**
 * The reverse-proxy examples in docs/operations.md are copied as they are, so they must not publish more than the
 * webhooks: /metrics and /readyz (and /healthz) stay on 127.0.0.1. Every `reverse_proxy`
 * (Caddy) and `proxy_pass` (nginx) must sit under a matcher for /webhooks/ only.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const doc = readFileSync("docs/operations.md", "utf8");

/** The fenced code block that follows `label` (e.g. "Caddy:") in the TLS reverse proxy section. */
function blockAfter(label: string): string {
  const section = doc.slice(doc.indexOf("## TLS reverse proxy"));
  const at = section.indexOf(`\n${label}\n`);
  expect(at, `"${label}" in the TLS reverse proxy section`).toBeGreaterThanOrEqual(0);
  const open = section.indexOf("```", at);
  const bodyStart = section.indexOf("\n", open) + 1;
  return section.slice(bodyStart, section.indexOf("```", bodyStart));
}

/**
 * For every statement matching `directive`, the openers of the blocks enclosing it (outermost first, without
 * their "{"), then the statement. Statements end at ";", a newline, "{" or "}", so one-line blocks such as
 * `location = /healthz { proxy_pass ...; }` count too. Comments are dropped.
 */
function enclosing(config: string, directive: RegExp): string[][] {
  const stack: string[] = [];
  const found: string[][] = [];
  let current = "";
  const flush = () => {
    const statement = current.trim();
    current = "";
    if (statement !== "" && directive.test(statement)) found.push([...stack, statement]);
  };
  for (const line of config.split("\n")) {
    for (const ch of line.replace(/#.*$/, "")) {
      if (ch === "{") {
        stack.push(current.trim());
        current = "";
      } else if (ch === "}") {
        flush();
        stack.pop();
      } else if (ch === ";") flush();
      else current += ch;
    }
    flush();
  }
  return found;
}

describe("docs/operations.md reverse-proxy examples forward only /webhooks/", () => {
  it("Caddy: every reverse_proxy is under a /webhooks/* matcher", () => {
    const uses = enclosing(blockAfter("Caddy:"), /^reverse_proxy\b/);
    expect(uses.length).toBeGreaterThan(0);
    for (const chain of uses) {
      const scoped = chain.some(
        (line) =>
          /^(handle|handle_path|route)\s+\/webhooks\/\*$/.test(line) ||
          /^reverse_proxy\s+\/webhooks\/\*\s/.test(line),
      );
      expect(scoped, `Caddy forwards more than /webhooks/: ${chain.join(" > ")}`).toBe(true);
    }
  });

  it("nginx: every proxy_pass is inside a /webhooks/ location", () => {
    const uses = enclosing(blockAfter("nginx:"), /^proxy_pass\b/);
    expect(uses.length).toBeGreaterThan(0);
    for (const chain of uses) {
      const scoped = chain.some((line) => /^location\s+(\^~\s+)?\/webhooks\/$/.test(line));
      expect(scoped, `nginx forwards more than /webhooks/: ${chain.join(" > ")}`).toBe(true);
    }
  });

  it("the check sees one-line blocks and nesting", () => {
    const uses = enclosing(
      "server {\n  location /webhooks/ {\n    proxy_pass http://a;\n  }\n  location = /metrics { proxy_pass http://a; }\n}\n",
      /^proxy_pass\b/,
    );
    expect(uses).toEqual([
      ["server", "location /webhooks/", "proxy_pass http://a"],
      ["server", "location = /metrics", "proxy_pass http://a"],
    ]);
  });

  it("the check catches a site-wide proxy (it can fail)", () => {
    const uses = enclosing("bridge.example.com {\n    reverse_proxy 127.0.0.1:8787\n}\n", /^reverse_proxy\b/);
    expect(uses).toEqual([["bridge.example.com", "reverse_proxy 127.0.0.1:8787"]]);
    expect(uses[0]!.some((line) => /^handle\s+\/webhooks\/\*/.test(line))).toBe(false);
  });
});
