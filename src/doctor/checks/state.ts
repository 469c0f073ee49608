/**
 * The state: readable, intact, private, and what it says about jobs and syncs. A PostgreSQL state has checks of its
 * own for the first three (state-database.ts).
 */
import { statSync } from "node:fs";
import { dirname } from "node:path";
import type { Shop } from "../../config/index.js";
import { STATE_DIR_MODE, STATE_FILE_MODE, shopKey } from "../../store/index.js";
import type { Check, CheckGroup } from "../types.js";
import { fail, pass, warn } from "../types.js";
import { databasePermissions, databaseReadable, databaseRights, notOpened } from "./state-database.js";

/** A due job that waited this long means the daemon is not working through its queue. */
export const BACKLOG_WARN_MS = 5 * 60_000;
export const BACKLOG_FAIL_MS = 30 * 60_000;

const ago = (ms: number) =>
  ms < 120_000
    ? `${Math.round(ms / 1000)} s`
    : ms < 7_200_000
      ? `${Math.round(ms / 60_000)} min`
      : `${Math.round(ms / 3_600_000)} h`;

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * The state file, its -wal/-shm and its directory, where their mode grants more than tokokommo gives them
 * (files 0600, directory 0700): the file holds access and refresh tokens and buyers' chats. Missing files are
 * skipped. Each entry: the path, its mode, and whether it is the directory.
 */
export function widerStateModes(statePath: string): { path: string; mode: number; dir: boolean }[] {
  const wider: { path: string; mode: number; dir: boolean }[] = [];
  const look = (path: string, allowed: number, dir: boolean) => {
    try {
      const mode = statSync(path).mode & 0o777;
      if ((mode & ~allowed) !== 0) wider.push({ path, mode, dir });
    } catch {
      // absent (no -wal after a clean stop) or unreadable: state.readable reports the latter
    }
  };
  for (const suffix of ["", "-wal", "-shm"]) look(`${statePath}${suffix}`, STATE_FILE_MODE, false);
  look(dirname(statePath), STATE_DIR_MODE, true);
  return wider;
}

/** The state file opens read-only and passes SQLite's integrity check. */
const readable: Check = {
  id: "state.readable",
  title: "State file is readable and intact",
  needs: ["config.valid"],
  run(c) {
    const store = c.store()?.sqlite;
    if (!store) return notOpened(c);
    const integrity = store.integrityCheck();
    if (!integrity.ok)
      return fail(
        `${store.path} is damaged: ${integrity.problems.slice(0, 3).join("; ")}`,
        "stop the daemon, restore the state file from a backup (or move it aside to start fresh), then start it again",
      );
    return pass(`${store.path} is intact (schema ${store.schemaVersion()})`);
  },
};

/** The state file and its directory are private to their owner. */
const permissions: Check = {
  id: "state.permissions",
  title: "State file is private to the tokokommo user",
  needs: ["config.valid"],
  run(c) {
    const wider = widerStateModes(c.statePath());
    if (wider.length === 0) return pass("state file 0600 or stricter, directory 0700 or stricter");
    const files = wider.filter((w) => !w.dir).map((w) => w.path);
    const dirs = wider.filter((w) => w.dir).map((w) => w.path);
    const fix = [
      ...(files.length ? [`chmod 600 ${files.join(" ")}`] : []),
      ...(dirs.length ? [`chmod 700 ${dirs.join(" ")}`] : []),
    ].join(" && ");
    return warn(
      `other users may read or change the state (it holds tokens and buyers' chats): ${wider
        .map((w) => `${w.path} is ${octal(w.mode)}`)
        .join(", ")}`,
      `run \`${fix}\` as the file's owner (and set StateDirectoryMode=0700 if systemd creates the directory)`,
    );
  },
};

/** No job used up its retries. */
const deadJobs: Check = {
  id: "jobs.dead",
  title: "No dead jobs",
  needs: ["state.readable"],
  async run(c) {
    const store = c.store();
    if (!store) return pass("no state file yet: no jobs");
    const keys = new Set(c.shops().map((s) => shopKey(s)));
    const rows = (await store.jobCounts()).filter(
      (r) => c.options.shop === undefined || (r.shopKey !== null && keys.has(r.shopKey)),
    );
    const dead = rows.reduce((n, r) => n + r.dead, 0);
    if (dead === 0) return pass("no dead jobs");
    const where = rows.filter((r) => r.dead > 0).map((r) => `${r.shopKey ?? "no shop"}: ${r.dead}`);
    return fail(
      `${dead} dead job(s) (${where.join(", ")}): messages that used up their retries`,
      "see `tokokommo status` for their last error, fix that cause, then `tokokommo retry --dead`",
    );
  },
};

/** The oldest due job has not waited long. */
const backlog: Check = {
  id: "jobs.backlog",
  title: "Job queue is draining",
  needs: ["state.readable"],
  async run(c) {
    const store = c.store();
    if (!store) return pass("no state file yet: no jobs");
    const now = c.now();
    const keys = c.shops().map((s) => shopKey(s));
    const row = await store.dueJobs(now, c.options.shop === undefined ? undefined : keys);
    if (row.count === 0 || row.oldest === null) return pass("no job is waiting");
    const waited = now - row.oldest;
    const msg = `${row.count} job(s) due, the oldest waiting ${ago(waited)}`;
    const fix =
      "check that `tokokommo serve` is running (doctor check daemon.healthz) and see `tokokommo status` for errors";
    if (waited > BACKLOG_FAIL_MS) return fail(msg, fix);
    if (waited > BACKLOG_WARN_MS) return warn(msg, fix);
    return pass(msg);
  },
};

/** Per shop: the last sync succeeded, recently. */
const lastSync = (shop: Shop): Check => ({
  id: "shop.last-sync",
  title: `Shop ${shop.shopId} synced recently`,
  subject: shop.shopId,
  needs: ["state.readable"],
  async run(c) {
    const store = c.store();
    const st = (await store?.listShopStatus())?.find(
      (s) => s.source === shop.source && s.shopId === shop.shopId,
    );
    if (!st || st.lastSyncAt === null)
      return warn(
        `shop ${shop.shopId} has not been synced yet`,
        "start the daemon (`tokokommo serve`); it syncs every shop on start",
      );
    const limit = Math.max(10 * 60_000, 5 * c.config.sync.pollIntervalSeconds * 1000);
    if (!st.healthy)
      return fail(
        `last sync of shop ${shop.shopId} failed ${ago(c.now() - (st.lastErrorAt ?? 0))} ago: ${st.lastErrorCode ?? ""} ${st.lastError ?? ""}`.trim(),
        "fix the cause named (docs/errors.md has the code); the next sync clears this",
      );
    const since = c.now() - (st.lastSuccessAt ?? 0);
    if (since > limit)
      return fail(
        `shop ${shop.shopId} last synced ${ago(since)} ago`,
        "check that `tokokommo serve` is running and polling (sync.mode, daemon logs)",
      );
    return pass(`last synced ${ago(since)} ago`);
  },
});

export const stateChecks: CheckGroup = {
  name: "state",
  checks: (ctx) => [
    ...(ctx.stateIsDatabase()
      ? [databaseReadable, databaseRights, databasePermissions]
      : [readable, permissions]),
    deadJobs,
    backlog,
    ...(ctx.configState.ok ? ctx.shops().map(lastSync) : []),
  ],
};
