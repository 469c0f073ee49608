/** Waiting on the daemon's job queue in end-to-end tests. */
import { ENRICH_LEAD } from "../../src/bridge/job-kinds.js";
import type { Store } from "../../src/store/index.js";
import { waitFor } from "./wait.js";

/**
 * Waits until no job that may call the marketplace is pending or running: every sync and delivery is done.
 * Lead tags are left out: they call only Kommo REST, paced at 7 requests/s per account, so after a burst of new
 * chats they trail the deliveries by seconds and say nothing about marketplace calls.
 */
export async function waitForMarketplaceJobsDone(store: Store, timeoutMs = 10_000): Promise<void> {
  const open = store.db.prepare(
    "SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running') AND kind <> ?",
  );
  await waitFor(
    "no sync or delivery job open",
    () => (open.get(ENRICH_LEAD) as { n: number }).n === 0,
    timeoutMs,
  );
}
