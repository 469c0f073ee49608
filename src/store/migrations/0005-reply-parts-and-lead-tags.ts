import type { Migration } from "./types.js";

/**
 * Two facts the bridge must not forget across a crash or a retry.
 * - outbound_replies.parts_sent: how many parts of a reply (a long text cut into several messages, a picture and
 *   its caption) the marketplace has confirmed. Written the moment each part is confirmed, so a retry sends only
 *   the parts after it and the buyer never gets a part twice.
 * - rooms.lead_tags_queued: 1 once the job that tags the room's Kommo lead is queued. The first buyer message's
 *   answer from Kommo can be lost (stored there, reset here); the lead is then tagged on a later delivery instead
 *   of never. Rooms that already have their Kommo chat id had their tags queued when it was recorded.
 */
const SQL = `
ALTER TABLE outbound_replies ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN lead_tags_queued INTEGER NOT NULL DEFAULT 0;
UPDATE rooms SET lead_tags_queued = 1 WHERE amojo_chat_id IS NOT NULL;
`;

export const m0005ReplyPartsAndLeadTags: Migration = {
  version: 5,
  name: "reply-parts-and-lead-tags",
  up(db) {
    db.exec(SQL);
  },
  postgres: SQL, // portable as written
};
