/**
 * The orders notes' and TikTok Shop call counts' state ports on SQLite, the embedded default: a fresh state file
 * per test. Without the replica cases (one daemon holds a state file alone).
 */
import { describe } from "vitest";
import { runCallCountsContract } from "./call-counts.contract.js";
import { useTempDir } from "./helpers.js";
import { runOrderNotesContract } from "./order-notes.contract.js";

describe("state ports on SQLite", () => {
  const tmp = useTempDir();
  const harness =
    <P>(make: (store: ReturnType<typeof tmp.open>) => P) =>
    async () => ({
      open: async () => make(tmp.open()),
      close: async () => {},
    });

  runOrderNotesContract(
    "sqlite",
    harness((s) => s.orderNotes),
  );

  runCallCountsContract(
    "sqlite",
    harness((s) => s.callCounts),
  );
});
