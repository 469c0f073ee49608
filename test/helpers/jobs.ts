/**
 * Waiting on the daemon's job queue in end-to-end tests: count only once nothing is left that could still change the
 * count (a re-run job, a late sync), instead of sleeping "long enough" for a straggler to show up.
 */
import pg from "pg";
import { ENRICH_LEAD } from "../../src/bridge/job-kinds.js";
import type { EngineStore } from "../../src/bridge/store-port.js";
import { openStore, type Store } from "../../src/store/index.js";
import { isPostgresUrl } from "../../src/store/state-location.js";
import { waitFor, waitForAsync } from "./wait.js";

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
 * The same wait through an in-process daemon's state port (`daemon.state.engineStore`), on either backend: the job
 * counts by kind, lead tags left out as above.
 */
export async function waitForMarketplaceJobsDoneOf(
  state: { engineStore: Pick<EngineStore, "jobCountsByKind"> },
  timeoutMs = 10_000,
): Promise<void> {
  await waitForAsync(
    "no sync or delivery job open",
    async () =>
      (await state.engineStore.jobCountsByKind()).every(
        (c) => c.kind === ENRICH_LEAD || (c.pending === 0 && c.running === 0),
      ),
    timeoutMs,
  );
}

/**
 * The same read from the daemon's state itself, where another process or a PostgreSQL database holds it: reads the
 * state file (read-only) or the database until no sync or delivery job is pending or running. A job a killed
 * daemon left running counts as open until the restarted one has taken it over and finished it.
 */
export async function waitForMarketplaceJobsDoneIn(statePath: string, timeoutMs = 10_000): Promise<void> {
  const jobs = await marketplaceJobsIn(statePath);
  try {
    await jobs.waitForNoneOpen(timeoutMs);
  } finally {
    await jobs.close();
  }
}

/** A read-only view of a daemon's job queue, in its SQLite file or its PostgreSQL database (replicas). */
export interface StateJobs {
  /** Sync, delivery and status jobs pending or running (lead tags left out, as above). */
  openCount(): Promise<number>;
  /** Waits until openCount() is 0: nothing can still add a message or a reply. */
  waitForNoneOpen(timeoutMs?: number): Promise<void>;
  /** Jobs per kind and state, with the most attempts and the error codes seen: for diagnostics. */
  summary(): Promise<unknown[]>;
  /** The first `limit` jobs not done (lead tags left out): for diagnostics. */
  openSample(limit: number): Promise<unknown[]>;
  close(): Promise<void>;
}

const OPEN_COUNT = `SELECT COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running') AND kind <> '${ENRICH_LEAD}'`;
const OPEN_SAMPLE = `SELECT id, kind, ordering_key, state, attempts, lease_until, last_error_code, last_error FROM jobs WHERE state <> 'done' AND kind <> '${ENRICH_LEAD}' ORDER BY id LIMIT `;
const summaryOf = (concat: string) =>
  `SELECT kind, state, COUNT(*) AS n, MAX(attempts) AS attempts, ${concat} AS codes FROM jobs GROUP BY kind, state ORDER BY kind, state`;

/** Opens the job view of `statePath`: a file path (SQLite, read-only) or a postgres:// URL. */
export async function marketplaceJobsIn(statePath: string): Promise<StateJobs> {
  let count: () => Promise<number>;
  let rows: (sql: string) => Promise<unknown[]>;
  let close: () => Promise<void>;
  if (isPostgresUrl(statePath)) {
    const client = new pg.Client({ connectionString: statePath });
    await client.connect();
    rows = async (sql) => (await client.query(sql)).rows;
    count = async () => Number(((await rows(OPEN_COUNT))[0] as { n: string }).n);
    close = () => client.end();
  } else {
    const store = openStore(statePath, { readonly: true });
    rows = async (sql) => store.db.prepare(sql).all();
    count = async () => ((await rows(OPEN_COUNT))[0] as { n: number }).n;
    close = async () => store.close();
  }
  const concat = isPostgresUrl(statePath)
    ? "string_agg(DISTINCT last_error_code, ',')"
    : "group_concat(DISTINCT last_error_code)";
  return {
    openCount: count,
    async waitForNoneOpen(timeoutMs = 10_000) {
      await waitForAsync("no sync or delivery job open", async () => (await count()) === 0, timeoutMs);
    },
    summary: () => rows(summaryOf(concat)),
    openSample: (limit) => rows(`${OPEN_SAMPLE}${Math.floor(limit)}`),
    close,
  };
}
