/**
 * Splits a request target into path and query without `new URL()`: the target is untrusted, and a URL parser
 * throws on (or reinterprets) shapes such as `//`, `//[`, `http://` or `//host%2F/path`. Only origin-form targets
 * (`/path?query`, RFC 9112 §3.2.1) are accepted; the daemon never acts as a proxy, so absolute-form, authority-form
 * and `*` are refused, as are paths starting with `//` (a network-path reference to any URL library) and paths
 * whose percent-encoding does not decode. One linear pass; never throws.
 */

export interface RequestTarget {
  /** The path as sent (still percent-encoded); the router decodes its parameters. */
  path: string;
  query: URLSearchParams;
}

export function parseRequestTarget(raw: string): RequestTarget | undefined {
  if (raw.charCodeAt(0) !== 0x2f /* / */ || raw.charCodeAt(1) === 0x2f) return undefined;
  if (raw.includes("#")) return undefined;
  const q = raw.indexOf("?");
  const path = q < 0 ? raw : raw.slice(0, q);
  if (!decodes(path)) return undefined;
  // URLSearchParams is lenient by design: a bad escape in the query stays as it is instead of throwing.
  return { path, query: new URLSearchParams(q < 0 ? "" : raw.slice(q + 1)) };
}

/** Whether a percent-encoded string decodes to valid UTF-8 (`%zz`, `%E0%A4%A` and lone `%` do not). */
export function decodes(encoded: string): boolean {
  if (!encoded.includes("%")) return true;
  try {
    decodeURIComponent(encoded);
    return true;
  } catch {
    return false;
  }
}
