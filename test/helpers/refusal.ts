import { isTkError } from "../../src/errors/index.js";

/** The TK_ERR_* code a promise is refused with (or a description of what else happened), for `expect(...).toBe`. */
export async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) return "not refused";
  return isTkError(err) ? err.code : `not a TkError: ${String(err)}`;
}
