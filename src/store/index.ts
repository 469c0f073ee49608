/**
 * The state store (docs/architecture.md, Layers): one SQLite file, migrations, one repository per table group.
 * Open with openStore(path); everything hangs off the returned Store (store.rooms, store.jobs, ...).
 */
export {
  DEFAULT_BASE_MS,
  DEFAULT_MAX_MS,
  type Jitter,
  MAX_RETRY_AFTER_MS,
  nextRetryAt,
  parseRetryAfter,
  RETRY_BUDGET,
  type RetryTiming,
  retryDelay,
} from "./backoff.js";
export { CallCountsRepo, type DayCount } from "./call-counts.js";
export { ECHO_WINDOW_MS, EchoesRepo, echoTextHash } from "./echoes.js";
export {
  type InboundJobOptions,
  type InboundMessage,
  InboundRepo,
  type InboundState,
  type NewInbound,
} from "./inbound.js";
export {
  type ClaimOptions,
  type Job,
  type JobKind,
  type JobLease,
  type JobState,
  JobsRepo,
  LEASE_EXPIRED_CODE,
  type NewJob,
  type ShopJobCounts,
} from "./jobs.js";
export {
  type JobLane,
  orderingKey,
  orderingKeyForConversation,
  type RoomKey,
  type ShopRef,
  shopKey,
} from "./keys.js";
export { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from "./migrations/index.js";
export {
  type NewReply,
  type OutboundReply,
  OutboundRepo,
  type ReplyJobOptions,
  type ReplyState,
} from "./outbound.js";
export { APPLICATION_ID } from "./preflight.js";
export {
  DEFAULT_RETENTION_DAYS,
  PRUNE_BATCH_ROWS,
  type PruneCounts,
  type PruneOptions,
  Pruner,
  type RetentionPass,
  type RetentionTimer,
  type RetentionTimerOptions,
  startRetention,
} from "./retention.js";
export { type Room, type RoomInit, RoomsRepo } from "./rooms.js";
export { type ShopStatus, ShopStatusRepo } from "./shop-status.js";
export {
  type IntegrityResult,
  type OpenStoreOptions,
  openStore,
  STATE_DIR_MODE,
  STATE_FILE_MODE,
  Store,
} from "./store.js";
export { SqliteTokenStore } from "./tokens.js";
export { WEBHOOK_SEEN_RETENTION_DAYS, WebhookSeenRepo } from "./webhook-seen.js";
