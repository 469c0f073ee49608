import { expect, it } from "vitest";
import { progressLine, progressReporter, summaryText } from "../../src/importer/display.js";
import type { ImportProgress } from "../../src/importer/walk.js";

const at = (roomsDone: number, extra: Partial<ImportProgress> = {}): ImportProgress => ({
  shopId: "42",
  source: "tokopedia",
  roomsTotal: 20,
  roomsDone,
  messagesSent: roomsDone * 3,
  messagesSkipped: 1,
  calls: roomsDone + 1,
  elapsedMs: roomsDone * 1000,
  ...(roomsDone > 0 ? { etaMs: (20 - roomsDone) * 1000 } : {}),
  ...extra,
});

it("a progress line names conversations done/total, messages, calls and the time left", () => {
  expect(progressLine(at(5), false)).toBe(
    "conversations 5/20, messages sent 15 (1 already there), calls 6, ~15s left",
  );
  expect(progressLine(at(20), true)).toBe(
    "conversations 20/20, messages to send 60 (1 already there), calls 21",
  );
});

it("on a terminal the line is rewritten in place and ended before the summary", () => {
  const out: string[] = [];
  const r = progressReporter((t) => out.push(t), true, false);
  r.update(at(1));
  r.update(at(2));
  r.end();
  expect(out).toHaveLength(3);
  expect(out[0]!.startsWith("\r\x1b[2Kconversations 1/20")).toBe(true);
  expect(out[2]).toBe("\n");
});

it("elsewhere it writes a plain line per tenth of the conversations", () => {
  const out: string[] = [];
  const r = progressReporter((t) => out.push(t), false, false);
  for (let i = 0; i <= 20; i++) r.update(at(i));
  r.end();
  expect(out).toHaveLength(11);
  expect(out.every((l) => l.endsWith("\n") && !l.includes("\r"))).toBe(true);
});

it("the summary says what was sent, from how many conversations, and what it cost", () => {
  expect(summaryText(at(20, { elapsedMs: 125_000 }), 30, false)).toBe(
    "shop 42 (tokopedia), last 30 days: sent 60 message(s) from 20/20 conversation(s) as silent history\n" +
      "1 already in Kommo or not shown; 21 marketplace call(s); took 2m05s",
  );
  expect(summaryText(at(20), 7, true)).toMatch(/^dry run: .*would send 60/);
});
