/**
 * A Tokopedia shop domain from what a partner types: `kommo`, `tokopedia.com/kommo`,
 * `https://www.tokopedia.com/kommo/some-product?x=1` all give `kommo`.
 */
import { usageError } from "../../errors/index.js";

const DOMAIN_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/i;

export function parseShopDomain(input: string): string {
  let s = input.trim();
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  s = s.split(/[?#]/)[0] ?? "";
  const parts = s.split("/").filter((p) => p !== "");
  if (parts.length > 1 && /(^|\.)tokopedia\.com$/i.test(parts[0] ?? "")) parts.shift();
  else if (parts.length === 1 && /(^|\.)tokopedia\.com$/i.test(parts[0] ?? "")) parts.shift();
  const domain = (parts[0] ?? "").toLowerCase();
  if (!DOMAIN_RE.test(domain)) {
    throw usageError(
      `${JSON.stringify(input)} is not a Tokopedia shop URL or domain`,
      "give the shop's address as shown in the browser, e.g. tokopedia.com/kommo (or just kommo)",
    );
  }
  return domain;
}
