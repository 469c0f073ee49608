/**
 * Which rooms the bridge has seen whole since it last read them, in memory. A webhook that carries the whole
 * message (TikTok Shop type 14) may be stored without reading the room only when nothing can be missing before
 * it: the room was read (or stored from webhooks) up to a known message in this process, and no webhook for the
 * room has been refused since. A restart forgets everything (webhooks that arrived while the daemon was down are
 * redelivered later, so the first message after a restart is read, not trusted), and so does a webhook the bridge
 * had to refuse (503): its message is missing, and the next one would overtake it.
 */
import { conversationId } from "./identities.js";
import type { SourceRoomRef } from "./store-port.js";

export class RoomContinuity {
  private readonly newest = new Map<string, bigint>();

  /** The ordering key of the newest message known in the room, when the room is known whole. */
  known(ref: SourceRoomRef): bigint | undefined {
    return this.newest.get(key(ref));
  }

  /** The room is known whole up to `order` (never moves back). */
  seen(ref: SourceRoomRef, order: bigint): void {
    const k = key(ref);
    const prev = this.newest.get(k);
    if (prev === undefined || order > prev) this.newest.set(k, order);
  }

  /** Something may be missing in the room: its next sync reads it. */
  forget(ref: SourceRoomRef): void {
    this.newest.delete(key(ref));
  }
}

/** A message's ordering key as an integer, or undefined when it has none (or not a decimal integer). */
export function orderOf(m: { order?: string }): bigint | undefined {
  return m.order !== undefined && /^\d{1,40}$/.test(m.order) ? BigInt(m.order) : undefined;
}

function key(ref: SourceRoomRef): string {
  return conversationId(ref.source, ref.shopId, ref.roomId);
}
