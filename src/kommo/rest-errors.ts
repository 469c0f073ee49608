/**
 * Maps a Kommo REST v4 / OAuth failure to a typed error. Kommo documents problem-JSON bodies, but 429 and 403 are
 * often gateway pages (HTML) or empty bodies without Retry-After (docs/platforms/kommo.md#rate-limits): the status
 * decides, the body only adds details.
 */
import type { TkError } from "../errors/index.js";
import {
  excerpt,
  type KommoApi,
  type KommoHttpFailure,
  kommoErrors,
  retryAfterFromHeader,
  throttledOrDown,
} from "./errors.js";

type BodyKind = "json" | "html" | "empty" | "text";

interface ParsedBody {
  kind: BodyKind;
  json?: Record<string, unknown>;
}

function parseBody(text: string): ParsedBody {
  const t = text.trim();
  if (t === "") return { kind: "empty" };
  if (t.startsWith("<")) return { kind: "html" };
  try {
    const j: unknown = JSON.parse(t);
    if (j && typeof j === "object" && !Array.isArray(j))
      return { kind: "json", json: j as Record<string, unknown> };
    return { kind: "json" };
  } catch {
    return { kind: "text" };
  }
}

/** Default wait when a 429 says nothing: one window of the 7 rps limit plus margin. */
const DEFAULT_RETRY_AFTER_MS = 1500;

export function restHttpError(api: KommoApi, f: KommoHttpFailure): TkError {
  const { status, bodyText } = f;
  const body = parseBody(bodyText);
  const j = body.json ?? {};
  const detail = typeof j.detail === "string" ? j.detail : undefined;
  const hint = typeof j.hint === "string" ? j.hint : undefined;
  const ctx = {
    api,
    method: f.method,
    path: f.path,
    status,
    bodyKind: body.kind,
    ...(detail ? { detail } : {}),
    ...(j["validation-errors"] !== undefined ? { validationErrors: j["validation-errors"] } : {}),
    ...(body.kind === "json" ? {} : { body: excerpt(bodyText, 200) }),
  };
  if (api === "oauth" && (status === 400 || status === 401 || status === 403)) {
    return kommoErrors.reauthorize({ ...ctx, ...(hint ? { hint } : {}) });
  }
  if (status === 401) return kommoErrors.unauthorized(ctx);
  if (status === 402) return kommoErrors.paymentRequired(ctx);
  if (status === 403) return kommoErrors.blocked(ctx);
  if (status === 404) return kommoErrors.notFound(ctx);
  if (status === 400 || status === 422) return kommoErrors.badRequest(ctx);
  // A 429's wait: Retry-After, else the body's retry_after (seconds); a 5xx's: Retry-After only.
  const fromBody = status === 429 && typeof j.retry_after === "number" ? j.retry_after * 1000 : undefined;
  return throttledOrDown(
    ctx,
    status,
    retryAfterFromHeader(f.retryAfterHeader) ?? fromBody,
    DEFAULT_RETRY_AFTER_MS,
  );
}
