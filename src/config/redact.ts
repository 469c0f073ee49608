/**
 * The one redaction rule for logs and --json output: a key that names a secret has its value replaced.
 * `redact()` serves JSON output and the logger's formatters, so both hide the same keys.
 */

export const REDACTED = "[redacted]";

/** Key names that hold secrets: config secrets, OAuth/access tokens, passwords, auth headers, auth codes. */
export const SECRET_KEY_RE = /secret|token|password|passwd|authorization|cookie|auth_?code/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_RE.test(key);
}

/**
 * A deep copy of `value` with every secret-named key's value replaced by "[redacted]" (null and undefined
 * are kept, so "not set" stays visible). Errors stay error-like (message, stack) for pino's serializer.
 */
export function redact<T>(value: T): T {
  return copy(value, new WeakSet(), 0) as T;
}

/**
 * Deeper than this, a value is replaced by "[too deep]": the walk is recursive, and a log object nested
 * thousands of levels deep (e.g. parsed from hostile JSON) must not overflow the stack. Nothing secret can be
 * printed from what is cut off, since it is not printed at all.
 */
export const MAX_REDACT_DEPTH = 64;
export const TOO_DEEP = "[too deep]";

/**
 * `scheme://user:PASSWORD@host...` anywhere in a text (a database URL in statePath, a message naming it). Anchored
 * on `://` rather than the scheme, so a match can start only there and cannot run past the next `/`: linear.
 */
const URL_PASSWORD_RE = /(:\/\/[^\s/:@]*:)[^\s/@]+@/g;

/** The text with the password of every URL in it replaced. */
export function hideUrlPasswords(text: string): string {
  return text.includes("://") ? text.replace(URL_PASSWORD_RE, `$1${REDACTED}@`) : text;
}

function copy(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === "string") return hideUrlPasswords(value);
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_REDACT_DEPTH) return TOO_DEEP;
  const down = (v: unknown) => copy(v, seen, depth + 1);
  if (value instanceof Date || ArrayBuffer.isView(value)) return value;
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map(down);
    if (value instanceof Map)
      return new Map(
        [...value].map(([k, v]) => [k, typeof k === "string" && isSecretKey(k) ? mask(v) : down(v)]),
      );
    if (value instanceof Set) return new Set([...value].map(down));
    const out: Record<string, unknown> =
      value instanceof Error ? Object.create(Object.getPrototypeOf(value) as object) : {};
    if (value instanceof Error) {
      out.name = value.name;
      out.message = value.message;
      if (value.stack !== undefined) out.stack = value.stack;
      if (value.cause !== undefined) out.cause = down(value.cause);
    }
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? mask(v) : down(v);
    return out;
  } finally {
    seen.delete(value);
  }
}

function mask(v: unknown): unknown {
  return v === undefined || v === null ? v : REDACTED;
}
