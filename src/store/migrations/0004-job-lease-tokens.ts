import type { Migration } from "./types.js";

/**
 * Lease tokens: each claim of a job records a fresh random token, and only the holder of the current
 * token may complete, fail, kill, renew or release the job. Before this, a run whose lease expired (its process
 * stalled past the lease, the sweep gave the job back, another run claimed it) could still finish the job that
 * the second run was working on. NULL while the job is not running; jobs running under an older build have NULL
 * too, so only the lease sweep (which needs no token) can take them back.
 */
const SQL = `
ALTER TABLE jobs ADD COLUMN lease_token TEXT;
`;

export const m0004JobLeaseTokens: Migration = {
  version: 4,
  name: "job-lease-tokens",
  up(db) {
    db.exec(SQL);
  },
  postgres: SQL, // portable as written
};
