/**
 * Replies of managers in Kommo as the daemon handled them: the stored reply, a reply the daemon refused, the parts
 * a long reply went out in.
 */
import { expect } from "vitest";
import type { OutboundRecord } from "../../src/bridge/store-port.js";
import type { DaemonState } from "../../src/daemon/daemon-state.js";
import type { KommoSimulator, ManagerContent } from "../../src/sim/kommo/index.js";
import type { PostgresEngineStore } from "../../src/store/postgres/index.js";
import { waitFor } from "./wait.js";

/**
 * A manager's reply as an in-process daemon stored it, found by its Kommo (amojo) message id, on either state
 * backend: the engine's store port finds replies by their own id only, so the id is looked up in the backend's
 * table first (the SQLite store's lookup, or one query on the daemon's PostgreSQL pool).
 */
export async function replyOf(
  state: DaemonState,
  amojoMessageId: string,
): Promise<OutboundRecord | undefined> {
  const id = state.sqlite
    ? state.sqlite.outbound.getByAmojoMessageId(amojoMessageId)?.id
    : (
        await (state.engineStore as PostgresEngineStore).pool.query<{ id: string }>(
          "SELECT id FROM outbound_replies WHERE amojo_message_id = $1",
          [amojoMessageId],
        )
      ).rows[0]?.id;
  return id === undefined ? undefined : state.engineStore.getOutbound(Number(id));
}

/**
 * A manager replies with `content` in Kommo's chat `conv`; once Kommo has its delivery status, checks that it is
 * a refusal (-1) whose error text holds `why` (a substring, or a pattern it matches), and returns it.
 */
export async function replyRefused(
  bed: { kommo: KommoSimulator; scopeId: string },
  conv: string,
  content: ManagerContent,
  why: string | RegExp,
  limitMs?: number,
) {
  const amojoId = await bed.kommo.managerReplies(bed.scopeId, conv, content);
  const st = await waitFor("error status", () => bed.kommo.deliveryStatuses(amojoId)[0], limitMs);
  expect(st.status).toBe(-1);
  if (typeof why === "string") expect(st.error).toContain(why);
  else expect(st.error).toMatch(why);
  return st;
}

/** The parts a long reply went out in, run together, give its text (white space aside: a split may fall on it). */
export function expectPartsMakeUp(parts: Array<{ text?: string | undefined }>, text: string): void {
  const withoutSpace = (s: string) => s.replace(/\s+/g, "");
  expect(withoutSpace(parts.map((p) => p.text).join(""))).toBe(withoutSpace(text));
}

/** The calls `platform` logged while `act` ran that `which` picks (for a refusal that must not reach it). */
export async function callsDuring<C>(
  platform: { calls(): C[] },
  which: (c: C) => boolean,
  act: () => Promise<unknown>,
): Promise<C[]> {
  const from = platform.calls().length;
  await act();
  return platform.calls().slice(from).filter(which);
}
