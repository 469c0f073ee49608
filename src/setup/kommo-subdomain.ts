/**
 * A Kommo account's subdomain from what a person types or pastes: `acme`, `acme.kommo.com` and
 * `https://acme.kommo.com/leads` all give `acme`. Another domain is refused: the API address is built from it.
 */
const SUBDOMAIN_RE = /^[a-z0-9][a-z0-9-]*$/;

export function kommoSubdomain(input: string): string | undefined {
  const host = input
    .trim()
    .toLowerCase()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//, "")
    .split(/[/?#]/)[0]
    ?.replace(/\.$/, "");
  if (!host) return undefined;
  const sub = host.endsWith(".kommo.com") ? host.slice(0, -".kommo.com".length) : host;
  return SUBDOMAIN_RE.test(sub) ? sub : undefined;
}

export const validKommoSubdomain = (v: string): true | string =>
  kommoSubdomain(v) !== undefined || "give the subdomain, e.g. acme (or the address acme.kommo.com)";
