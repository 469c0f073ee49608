/**
 * Maps an amojo (Chats API) failure to a typed error. amojo's envelope differs from REST v4
 * (docs/platforms/kommo.md#chats-api-errors):
 *   {"status":0,"error_code":403,"error_type":"ORIGIN_INVALID_SIGNATURE","error_description":"invalid signature"}
 * 400 bodies are undocumented; we read the same envelope when present and keep a bounded excerpt otherwise.
 */
import type { TkError } from "../errors/index.js";
import {
  excerpt,
  type KommoHttpFailure,
  kommoErrors,
  retryAfterFromHeader,
  throttledOrDown,
} from "./errors.js";

interface AmojoEnvelope {
  errorType?: string;
  errorDescription?: string;
}

function readEnvelope(text: string): AmojoEnvelope {
  try {
    const j: unknown = JSON.parse(text);
    if (j && typeof j === "object") {
      const o = j as Record<string, unknown>;
      return {
        ...(typeof o.error_type === "string" ? { errorType: o.error_type } : {}),
        ...(typeof o.error_description === "string" ? { errorDescription: o.error_description } : {}),
      };
    }
  } catch {
    // not JSON: keep the excerpt only
  }
  return {};
}

export function amojoHttpError(f: KommoHttpFailure): TkError {
  const { status, bodyText } = f;
  const env = readEnvelope(bodyText);
  const ctx = {
    api: "amojo" as const,
    method: f.method,
    path: f.path,
    status,
    ...(env.errorType ? { errorType: env.errorType } : {}),
    ...(env.errorDescription ? { errorDescription: env.errorDescription } : {}),
    body: excerpt(bodyText),
  };
  if (status === 403 && env.errorType === "ORIGIN_INVALID_SIGNATURE") return kommoErrors.badSignature(ctx);
  if (env.errorType === "ORIGIN_NOT_REGISTERED") return kommoErrors.notRegistered(ctx);
  if (status === 403) return kommoErrors.forbidden(ctx);
  if (status === 404) return kommoErrors.notFound(ctx);
  if (status === 400) {
    // Duplicate msgid is "not accepted" with no documented body; we recognise it by the words.
    const words = `${env.errorType ?? ""} ${env.errorDescription ?? ""}`;
    return /duplicat/i.test(words) ? kommoErrors.duplicateMessage(ctx) : kommoErrors.badRequest(ctx);
  }
  return throttledOrDown(ctx, status, retryAfterFromHeader(f.retryAfterHeader), 1000);
}
