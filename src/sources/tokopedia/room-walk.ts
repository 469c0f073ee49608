/**
 * Walking a room's replies to a cursor (docs/architecture.md, Inbound: room sync).
 *
 * list replies has no "since" parameter and no has-next flag (docs/platforms/tokopedia.md#ids-times-and-paging):
 * pages of ≤ 15 until a short or empty page. We ask for newest first (`order=desc`, honoured by two SDKs, server
 * support unknown) so a sync stops as soon as it reaches the cursor. If the server answers oldest first instead,
 * early stopping would lose the newest bubbles, so a page that is visibly ascending switches the walk to "read to
 * the end". The result is always de-duplicated (a bubble arriving mid-walk shifts items across pages) and sorted by
 * (reply_time, reply_id), then cut strictly after the cursor.
 */

import { tokopediaError } from "./errors.js";
import { compareIds } from "./fields.js";
import type { TkReply } from "./types.js";

export interface Cursor {
  messageId?: string;
  time?: number;
}

export function byTimeThenId(a: TkReply, b: TkReply): number {
  return a.replyTime - b.replyTime || compareIds(a.replyId, b.replyId);
}

function ascending(page: TkReply[]): boolean {
  const first = page[0];
  const last = page[page.length - 1];
  return first !== undefined && last !== undefined && first !== last && byTimeThenId(first, last) < 0;
}

function reached(r: TkReply, c: Cursor): boolean {
  return (
    (c.messageId !== undefined && r.replyId === c.messageId) || (c.time !== undefined && r.replyTime < c.time)
  );
}

export function afterCursor(sorted: TkReply[], c: Cursor | undefined): TkReply[] {
  if (!c || (c.messageId === undefined && c.time === undefined)) return sorted;
  if (c.time !== undefined) {
    const t = c.time;
    return sorted.filter((r) => {
      if (r.replyTime !== t) return r.replyTime > t;
      return c.messageId !== undefined && compareIds(r.replyId, c.messageId) > 0;
    });
  }
  const i = sorted.findIndex((r) => r.replyId === c.messageId);
  return i < 0 ? sorted : sorted.slice(i + 1);
}

export async function walkReplies(
  fetchPage: (page: number, perPage: number) => Promise<TkReply[]>,
  cursor: Cursor | undefined,
  perPage: number,
  maxPages: number,
): Promise<TkReply[]> {
  const seen = new Map<string, TkReply>();
  let readToEnd = false;
  for (let page = 1; ; page++) {
    if (page > maxPages) {
      // Returning a partial walk would let the engine move its cursor past bubbles we never read.
      throw tokopediaError("badResponse", `Room has more than ${maxPages} pages of replies; walk aborted`, {
        endpoint: "list replies",
        maxPages,
      });
    }
    const list = await fetchPage(page, perPage);
    for (const r of list) seen.set(r.replyId, r);
    if (list.length < perPage) break;
    if (ascending(list)) readToEnd = true;
    if (!readToEnd && cursor && list.some((r) => reached(r, cursor))) break;
  }
  return afterCursor([...seen.values()].sort(byTimeThenId), cursor);
}
