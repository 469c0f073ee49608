/**
 * Waiting on the daemon's job queue in end-to-end tests: count only once nothing is left that could still change the
 * count (a re-run job, a late sync), instead of sleeping "long enough" for a straggler to show up.
 */
import { ENRICH_LEAD } from "../../src/bridge/job-kinds.js";
import { openStore, type Store } from "../../src/store/index.js";
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

/**
 * The same for a daemon in another process (the built binary): reads its state file, read-only, until no sync or
 * delivery job is pending or running. A job a killed daemon left running counts as open until the restarted one
 * has taken it over and finished it.
 */
export async function waitForMarketplaceJobsDoneIn(statePath: string, timeoutMs = 10_000): Promise<void> {
  const store = openStore(statePath, { readonly: true });
  try {
    await waitForMarketplaceJobsDone(store, timeoutMs);
  } finally {
    store.close();
  }
}
