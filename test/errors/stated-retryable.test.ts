/**
 * The platform clients' errors state `details.retryable` on every instance, which is why the catalogue's default
 * for their codes (test/errors/policy-table.test.ts, STATED) decides nothing for them.
 */
import { describe, expect, it } from "vitest";
import { classifyError } from "../../src/bridge/error-policy.js";
import { ERROR_CODES, type TkError } from "../../src/errors/index.js";
import { kommoErrors } from "../../src/kommo/errors.js";
import {
  mapApiFailure,
  notAuthorized,
  rateLimited,
  reauthNeeded,
  transient,
} from "../../src/sources/tiktokshop/errors.js";
import { TK_CODES, type TokopediaErrorKind, tokopediaError } from "../../src/sources/tokopedia/errors.js";

const ctx = { api: "rest" as const, method: "GET", path: "/api/v4/leads", status: 400, retryAfterMs: 1_000 };
/** Platform codes the TikTok Shop mapping knows, and one it does not. */
const TTS_PLATFORM_CODES = [
  105002, 105005, 36009033, 106001, 101000, 45109001, 45109003, 45101006, 45102007, 45101003, 45101004,
  36009002, 36009003, 36009007, 36004004, 36009004, 12345,
];

const errors: TkError[] = [
  ...Object.values(kommoErrors).map((make) => make(ctx)),
  ...(Object.keys(TK_CODES) as TokopediaErrorKind[]).map((kind) => tokopediaError(kind, "x")),
  ...TTS_PLATFORM_CODES.map((platformCode) => mapApiFailure({ platformCode, message: "invalid token" })),
  rateLimited({}),
  transient({}),
  reauthNeeded("open-1", "refresh refused"),
  notAuthorized("tiktokshop:app:open-1"),
];

describe("platform client errors", () => {
  it.each(errors.map((e) => [e.code, e] as const))("%s states details.retryable", (_code, err) => {
    expect(typeof err.details?.retryable).toBe("boolean");
    expect(ERROR_CODES[err.code]).toBeDefined();
    expect(classifyError(err).retryable).toBe(err.details?.retryable);
  });
});
