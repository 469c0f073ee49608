/** The TkError a call fails with; any other error is rethrown, and success fails the test. */
import { isTkError, type TkError } from "../../src/errors/index.js";

/** The TkError `p` rejects with. */
export async function tkErrorOf(p: Promise<unknown>): Promise<TkError> {
  try {
    await p;
  } catch (err) {
    if (isTkError(err)) return err;
    throw err;
  }
  throw new Error("expected a TkError, the call succeeded");
}

/** The TkError `fn` throws. */
export function tkErrorThrownBy(fn: () => unknown): TkError {
  try {
    fn();
  } catch (err) {
    if (isTkError(err)) return err;
    throw err;
  }
  throw new Error("expected a TkError, the call succeeded");
}
