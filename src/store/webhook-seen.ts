import type { Database, Statement } from "better-sqlite3";

/** How long notification ids are remembered by default: TikTok Shop retries a webhook for hours, not days. */
export const WEBHOOK_SEEN_RETENTION_DAYS = 7;

/**
 * De-duplication of redelivered webhooks (TikTok Shop retries until it gets a timely 200; a slow answer means the
 * same notification arrives again). Keyed by the platform's notification id; `source` is free text so Kommo or
 * per-app namespaces fit too (e.g. "tiktokshop:tts").
 */
export class WebhookSeenRepo {
  private readonly insertStmt: Statement;
  private readonly pruneStmt: Statement<[number]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      "INSERT INTO webhook_seen (source, notification_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    );
    this.pruneStmt = db.prepare("DELETE FROM webhook_seen WHERE seen_at < ?");
  }

  /** True the first time this (source, id) is seen, false for every redelivery. */
  seenOnce(source: string, notificationId: string, now: number = Date.now()): boolean {
    return this.insertStmt.run(source, notificationId, now).changes === 1;
  }

  /** Forgets ids seen more than `days` days before `now`. Returns how many. */
  prune(now: number = Date.now(), days: number = WEBHOOK_SEEN_RETENTION_DAYS): number {
    return this.pruneStmt.run(now - days * 86_400_000).changes;
  }
}
