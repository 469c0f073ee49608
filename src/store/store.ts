import { closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3, { type Database } from "better-sqlite3";
import { isTkError, type TkError } from "../errors/index.js";
import { CallCountsRepo } from "./call-counts.js";
import { acquireDaemonLock, type DaemonLock, daemonLockPath } from "./daemon-lock.js";
import { EchoesRepo } from "./echoes.js";
import {
  stateCorrupt,
  stateMissing,
  stateOpenFailed,
  stateOutdated,
  stateReadonly,
  stateUrlNotSupported,
} from "./errors.js";
import { InboundRepo } from "./inbound.js";
import { JobsRepo } from "./jobs.js";
import { applyMigrations } from "./migrate.js";
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from "./migrations/index.js";
import { assertNativeSqlite } from "./native.js";
import { OrderNotesRepo } from "./order-notes.js";
import { OutboundRepo } from "./outbound.js";
import { PendingLeadsRepo } from "./pending-leads.js";
import { assertSqliteHeader, inspectStateFile, runCheck } from "./preflight.js";
import { ReplyWaitsRepo } from "./reply-waits.js";
import { RoomsRepo } from "./rooms.js";
import { ShopStatusRepo } from "./shop-status.js";
import { isPostgresUrl, isWritableDir, redactStateUrl } from "./state-location.js";
import { SqliteTokenStore } from "./tokens.js";
import { WebhookSeenRepo } from "./webhook-seen.js";

/**
 * The state file holds access and refresh tokens and buyers' chats: only the tokokommo user may read it. A new
 * file is created with STATE_FILE_MODE before SQLite opens it; SQLite then gives its -wal and -shm companions
 * the main file's mode. Directories tokokommo creates for it get STATE_DIR_MODE; an existing directory keeps the
 * mode its owner chose (`doctor` warns when files or directory are wider).
 */
export const STATE_FILE_MODE = 0o600;
export const STATE_DIR_MODE = 0o700;

export interface OpenStoreOptions {
  /** Open for reading only (status, doctor): no directory or file is created, no migration runs. */
  readonly?: boolean;
  /** ms to wait for another process's write lock before SQLITE_BUSY (default 5000). */
  busyTimeoutMs?: number;
  /**
   * Hold the file's daemon lock until close() (see daemon-lock.ts): refused with TK_ERR_STATE_LOCKED while
   * another process (or another store in this one) holds it. `serve` sets it; the other commands do not.
   */
  lock?: boolean;
}

export interface IntegrityResult {
  ok: boolean;
  /** SQLite's own messages; empty when ok. */
  problems: string[];
}

/**
 * The state file: one SQLite database per daemon, holding tokens, rooms, messages, the job outbox and
 * shop health. All calls are synchronous (better-sqlite3); each repository method that writes several rows does
 * so in one transaction. Repository methods compose: calling them inside store.transaction(fn) makes the whole
 * group atomic (nested transactions become savepoints).
 */
export class Store {
  readonly tokens: SqliteTokenStore;
  readonly rooms: RoomsRepo;
  readonly inbound: InboundRepo;
  readonly outbound: OutboundRepo;
  readonly echoes: EchoesRepo;
  readonly jobs: JobsRepo;
  readonly shopStatus: ShopStatusRepo;
  readonly webhooks: WebhookSeenRepo;
  /** Customer Service calls per TikTok Shop shop per quota day. */
  readonly callCounts: CallCountsRepo;
  /** The orders note of each conversation's Kommo lead. */
  readonly orderNotes: OrderNotesRepo;
  /** Leads whose enrichment waits until a manager accepts them. */
  readonly pendingLeads: PendingLeadsRepo;
  /** The reply-time guard: waits, overdue tasks and tags, wait history, cached Customer Service figures. */
  readonly replyWaits: ReplyWaitsRepo;

  constructor(
    /** The raw connection: an escape hatch for doctor and tests; prefer the repositories. */
    readonly db: Database,
    readonly path: string,
    readonly readonly: boolean,
    /** The daemon lock this store holds (openStore's `lock`), released by close(). */
    private readonly daemonLock?: DaemonLock,
  ) {
    this.tokens = new SqliteTokenStore(db);
    this.rooms = new RoomsRepo(db);
    this.jobs = new JobsRepo(db);
    this.inbound = new InboundRepo(db, this.jobs);
    this.outbound = new OutboundRepo(db, this.jobs);
    this.echoes = new EchoesRepo(db);
    this.shopStatus = new ShopStatusRepo(db);
    this.webhooks = new WebhookSeenRepo(db);
    this.callCounts = new CallCountsRepo(db);
    this.orderNotes = new OrderNotesRepo(db);
    this.pendingLeads = new PendingLeadsRepo(db);
    this.replyWaits = new ReplyWaitsRepo(db);
  }

  /** Runs fn in one IMMEDIATE transaction (rolled back if it throws); fn must be synchronous. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** Highest migration recorded in the file. */
  schemaVersion(): number {
    return this.db.pragma("user_version", { simple: true }) as number;
  }

  /** "wal" for a normally opened store. */
  journalMode(): string {
    return String(this.db.pragma("journal_mode", { simple: true }));
  }

  /** Full PRAGMA integrity_check (slow on big files: doctor only; open runs quick_check). */
  integrityCheck(): IntegrityResult {
    try {
      const problems = runCheck(this.db, "integrity_check");
      return { ok: problems.length === 0, problems };
    } catch (err) {
      return { ok: false, problems: [err instanceof Error ? err.message : String(err)] };
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
    this.daemonLock?.release();
  }
}

/**
 * Opens (creating when absent) the state file and brings its schema up to date.
 *
 * Refuses, leaving the file byte-for-byte untouched: a file that is not SQLite (TK_ERR_STATE_NOT_SQLITE), a
 * damaged one (TK_ERR_STATE_CORRUPT), another program's database (TK_ERR_STATE_NOT_OURS), one written by a newer
 * tokokommo (TK_ERR_STATE_TOO_NEW); before looking at any file, a missing or unloadable SQLite addon
 * (TK_ERR_STATE_NATIVE_MISSING). Every check is a read. When a write-ahead log is lying next to the file (a
 * crashed or running writer), the checks run through a READ-ONLY connection, so not even SQLite's close-time
 * checkpoint can move that log into a file we then refuse; without one, a read-write connection that has written
 * nothing leaves the file (and its directory) exactly as it found them.
 *
 * Connection settings: WAL (readers never block the writer; a crash loses at most the last transaction's fsync
 * window), synchronous=NORMAL (safe with WAL: the database cannot corrupt, only the latest commits may roll back
 * on power loss), busy_timeout 5000 (the CLI's `status` and the daemon share the file), foreign_keys on.
 */
export function openStore(path: string, options: OpenStoreOptions = {}): Store {
  // A database URL is not a file: never create directories or a file named after it.
  if (isPostgresUrl(path)) throw stateUrlNotSupported(redactStateUrl(path));
  assertNativeSqlite(); // a missing or unloadable addon is not the file's fault: say so before touching it
  const file = resolve(path);
  const readonly = options.readonly === true;

  let lock: DaemonLock | undefined;
  if (options.lock === true && !readonly) {
    // Before anything else touches the file: a second daemon must not even migrate it.
    makeLockFile(file);
    try {
      lock = acquireDaemonLock(file, (path) => connect(path, false));
    } catch (err) {
      throw readonlyOr(file, err);
    }
  }
  try {
    return openUnlocked(file, readonly, options, lock);
  } catch (err) {
    lock?.release();
    throw err;
  }
}

function openUnlocked(
  file: string,
  readonly: boolean,
  options: OpenStoreOptions,
  lock: DaemonLock | undefined,
): Store {
  const busyTimeout = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000));
  const size = existingSize(file);
  if (size === undefined && readonly) throw stateMissing(file);
  if (size !== undefined) {
    try {
      assertSqliteHeader(file, size);
    } catch (err) {
      throw isTkError(err) ? err : stateOpenFailed(file, err);
    }
  }

  if (size !== undefined && (readonly || existsSync(`${file}-wal`))) {
    const probe = connect(file, true);
    try {
      probe.pragma(`busy_timeout = ${busyTimeout}`);
      const fileVersion = guard(file, () => inspectStateFile(probe, file));
      if (readonly) {
        if (fileVersion < LATEST_SCHEMA_VERSION)
          throw stateOutdated(file, fileVersion, LATEST_SCHEMA_VERSION);
        probe.pragma("foreign_keys = ON");
        return new Store(probe, file, true);
      }
    } catch (err) {
      probe.close();
      throw err;
    }
    probe.close();
  }

  if (!readonly) {
    try {
      mkdirSync(dirname(file), { recursive: true, mode: STATE_DIR_MODE });
      if (size === undefined) createPrivateFile(file);
    } catch (err) {
      throw stateErrorFor(file, err);
    }
  }
  const db = connect(file, false);
  try {
    db.pragma(`busy_timeout = ${busyTimeout}`);
    // A new file, or one that passed inspection above; check again in case another process changed it meanwhile.
    guard(file, () => inspectStateFile(db, file));
    db.pragma("foreign_keys = ON");
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    applyMigrations(db, file, MIGRATIONS, Date.now());
    return new Store(db, file, false, lock);
  } catch (err) {
    db.close();
    throw readonlyOr(file, err);
  }
}

/** The state's folder and its daemon lock file (daemon-lock.ts), made before the lock is taken; failures as state errors. */
export function makeLockFile(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: STATE_DIR_MODE });
    createPrivateFile(daemonLockPath(file));
  } catch (err) {
    throw stateErrorFor(file, err);
  }
}

/** An empty file with STATE_FILE_MODE (SQLite treats an empty file as a new database). Loses no race: "wx". */
export function createPrivateFile(file: string): void {
  try {
    closeSync(openSync(file, "wx", STATE_FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

function existingSize(file: string): number | undefined {
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw stateOpenFailed(file, new Error("it is a directory"));
    return st.size;
  } catch (err) {
    if (isTkError(err)) throw err;
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw stateOpenFailed(file, err);
  }
}

function connect(file: string, readonly: boolean): Database {
  try {
    return new BetterSqlite3(file, { readonly, fileMustExist: readonly });
  } catch (err) {
    // A read-only open (status, doctor) that fails is not about writing: keep the plain "cannot open".
    throw readonly ? stateOpenFailed(file, err) : stateErrorFor(file, err);
  }
}

const READONLY_ERRNOS = new Set(["EROFS", "EACCES", "EPERM"]);

/** The error (or an error it wraps, e.g. a failed migration's) says the file or its directory cannot be written. */
function isReadonlyCause(file: string, err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== "string") continue;
    if (READONLY_ERRNOS.has(code) || code.startsWith("SQLITE_READONLY")) return true;
    // SQLite says only "unable to open" when it cannot create the -wal/-shm next to the file: ask the system.
    if (code.startsWith("SQLITE_CANTOPEN") && !isWritableDir(dirname(file))) return true;
    // A recursive mkdir on a read-only filesystem reports ENOENT: ask about the nearest directory that exists.
    if (
      code === "ENOENT" &&
      (e as { syscall?: unknown }).syscall === "mkdir" &&
      !isWritableDir(nearestDir(file))
    )
      return true;
  }
  return false;
}

function nearestDir(file: string): string {
  let dir = dirname(file);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** TK_ERR_STATE_READONLY for a read-only filesystem or unwritable directory, else TK_ERR_STATE_OPEN_FAILED. */
export function stateErrorFor(file: string, err: unknown): TkError {
  return isReadonlyCause(file, err) ? stateReadonly(file, err) : stateOpenFailed(file, err);
}

/** Like stateErrorFor, but errors that are not about writing pass through unchanged (refusals keep their code). */
function readonlyOr(file: string, err: unknown): unknown {
  return isReadonlyCause(file, err) ? stateReadonly(file, err) : err;
}

/** SQLite's own corruption errors (raised by any first read of a damaged file) become TK_ERR_STATE_CORRUPT. */
function guard<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "SQLITE_CORRUPT" || code === "SQLITE_NOTADB") throw stateCorrupt(file, [String(err)], err);
    throw err;
  }
}
