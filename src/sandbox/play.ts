/**
 * Plays script steps against the simulators and writes a two-sided transcript as it goes:
 *
 *   TOKOPEDIA  Budi: Halo kak ...                 (what the buyer typed)
 *   KOMMO      ★ new chat: contact "Budi", incoming lead #1
 *   KOMMO      Budi: Halo kak ...                 (what the manager sees)
 *   KOMMO      Manager → Budi: Ready kak!         (what the manager typed)
 *   TOKOPEDIA  kommo-store: Ready kak!            (what the buyer sees)
 *   KOMMO      ✓ delivered
 *
 * (TIKTOKSHOP instead of TOKOPEDIA for a buyer `on tiktokshop`.)
 *
 * A message that does not arrive, a reply without a delivery status and an `expect` that does not hold are
 * failures: written as ✗ lines where they happen and collected in the outcome (summary.ts turns them into
 * TK_ERR_SANDBOX_EXPECTATION).
 */
import { TkError } from "../errors/index.js";
import { guardUnmet, isLeadExpect, pickShop, pipelineOfLead, waitMinutes } from "./play-guard.js";
import type { BuyerStep, ExpectStep, LeadExpectStep, ManagerStep, ScriptStep } from "./script.js";
import { buyerSends, kommoMessages, type SandboxSides, waitUntil } from "./world.js";

export type ReplyStatus = "delivered" | "refused" | "no status";

/** One thing that went wrong, by script line (interactive lines are numbered as typed). */
export interface PlayFailure {
  line: number;
  what: string;
}

export interface PlayOutcome {
  /** No failure so far. */
  ok: boolean;
  /** Buyer messages sent on Tokopedia / seen arriving in Kommo. */
  sent: number;
  arrived: number;
  replies: { text: string; status: ReplyStatus; reason?: string }[];
  expectations: { held: number; failed: number };
  failures: PlayFailure[];
}

const TKP = "TOKOPEDIA ";
const TTS = "TIKTOKSHOP";
const KMO = "KOMMO     ";
const NOTE = "          ";

function describeKommo(m: { type: string; text: string; media?: string }): string {
  const text = m.text.replace(/\n/g, " ⏎ ");
  if (m.type === "picture") return `[picture ${m.media ?? ""}]${text ? ` ${text}` : ""}`;
  return text;
}

function describeBuyer(step: BuyerStep): string {
  switch (step.kind) {
    case "text":
      return step.text;
    case "image":
      return `[image ${step.url}]`;
    case "product":
      return `[product card: ${step.name}]`;
    case "invoice":
      return `[invoice ${step.code}]`;
    default:
      return `[sticker ${step.name}]`;
  }
}

/** A buyer's chat: the Kommo conversation id and the marketplace room (absent `on`: Tokopedia). */
interface Chat {
  conversationId: string;
  room: string;
  on?: "tiktokshop";
}

export class SandboxPlayer {
  readonly outcome: PlayOutcome = {
    ok: true,
    sent: 0,
    arrived: 0,
    replies: [],
    expectations: { held: 0, failed: 0 },
    failures: [],
  };
  /** The chat of each buyer who wrote, by name. */
  private readonly chats = new Map<string, Chat>();
  /** The buyer of the latest `buyer` or `manager to` line: whom `manager:` answers and `expect` looks at. */
  private current: string | undefined;
  private lastStatus: ReplyStatus | undefined;
  private stopped = false;
  /** The shop buyers write to (the latest `shop` line); absent: the sandbox's first. */
  private shop: SandboxSides["shop"] | undefined;

  constructor(
    private readonly sides: SandboxSides,
    private readonly write: (line: string) => void,
  ) {}

  /** Ends any wait in progress at once (Ctrl-C): the step gives up without counting it as a failure. */
  stop(): void {
    this.stopped = true;
  }

  /** Waits as the sides allow, unless stopped. */
  private wait<T>(probe: () => T | undefined): Promise<T | undefined> {
    return waitUntil(probe, this.sides.waitMs, () => this.stopped);
  }

  async play(step: ScriptStep): Promise<void> {
    if (this.stopped) return;
    if (step.actor === "buyer") return this.buyer(step);
    if (step.actor === "manager") return this.manager(step);
    if (step.actor === "shop") {
      this.shop = pickShop(this.sides, step);
      return;
    }
    if (step.actor === "wait") return this.waitFor(step.minutes, () => waitMinutes(this.sides, step));
    return this.expect(step);
  }

  private fail(line: number, what: string, shown: string): void {
    this.outcome.ok = false;
    this.outcome.failures.push({ line, what });
    this.write(shown);
  }

  private missing(what: string): string {
    const s = Math.round(this.sides.waitMs / 1000);
    return `${what} within ${s} s${this.sides.missingHint ? ` (${this.sides.missingHint})` : ""}`;
  }

  /** The marketplace side of a chat: its transcript label, the shop's name, what the shop posted in the room. */
  private shopSide(chat: Pick<Chat, "on">): { label: string; name: string; posted(room: string): string[] } {
    const tts = this.sides.tiktokshop;
    if (chat.on === "tiktokshop" && tts)
      return {
        label: TTS,
        name: tts.name,
        posted: (room) => tts.sim.shopMessages(room).map((m) => m.text ?? `[${m.type.toLowerCase()}]`),
      };
    return {
      label: TKP,
      name: (this.shop ?? this.sides.shop).name,
      posted: (room) => this.sides.tokopedia.shopReplies(room),
    };
  }

  private async buyer(step: BuyerStep): Promise<void> {
    const before = this.chats.get(step.buyer);
    if (before && before.on !== step.on)
      throw new TkError(
        "TK_ERR_SANDBOX_SCRIPT",
        `script line ${step.line}: ${step.buyer} writes on ${before.on ?? "tokopedia"}`,
        {
          fix: "A buyer keeps to one marketplace here: give the other one another name (`buyer as NAME on ...:`).",
          exitCode: 2,
        },
      );
    const seen = before ? kommoMessages(this.sides, before.conversationId).length : 0;
    this.write(`${this.shopSide(step).label} ${step.buyer}: ${describeBuyer(step)}`);
    const sides = this.shop ? { ...this.sides, shop: this.shop } : this.sides;
    const chat: Chat = { ...(await buyerSends(sides, step)), ...(step.on ? { on: step.on } : {}) };
    this.chats.set(step.buyer, chat);
    this.current = step.buyer;
    this.outcome.sent++;
    // A buyer's room (and so their Kommo chat) stays the same: count on from what the chat already showed.
    const start = before?.conversationId === chat.conversationId ? seen : 0;
    const msgs = await this.wait(() => {
      const m = kommoMessages(this.sides, chat.conversationId);
      return m.length > start ? m : undefined;
    });
    if (this.stopped) return;
    if (!msgs) {
      const what = this.missing("the message did not arrive in Kommo");
      this.fail(step.line, what, `${KMO} ✗ ${what}`);
      return;
    }
    this.outcome.arrived++;
    const msg = msgs[start]!;
    if (start === 0) {
      const lead = await this.wait(() =>
        this.sides.kommo.leads().find((l) => l.chatAmojoId === msg.chatAmojoId),
      );
      const contact = lead && this.sides.kommo.contacts().find((c) => c.id === lead.contactId);
      const where = lead ? pipelineOfLead(this.sides, lead) : undefined;
      this.write(
        `${KMO} ★ new chat: contact "${contact?.name ?? step.buyer}", incoming lead #${lead?.id ?? "?"}${where && !where.isMain ? ` in pipeline "${where.name}"` : ""}`,
      );
    }
    this.write(`${KMO} ${step.buyer}: ${describeKommo(msg)}`);
  }

  /** The buyer a manager line answers; a buyer who never wrote has no chat to answer in. */
  private answered(step: ManagerStep): Chat & { buyer: string } {
    const buyer = step.to ?? this.current;
    const chat = buyer === undefined ? undefined : this.chats.get(buyer);
    if (buyer === undefined || !chat) {
      const who = step.to ? `${step.to} has not written yet` : "no buyer has written yet";
      throw new TkError(
        "TK_ERR_SANDBOX_SCRIPT",
        `script line ${step.line}: ${who}; a manager can only answer a buyer who wrote first`,
        {
          fix: `Put a \`buyer${step.to ? ` as ${step.to}` : ""}: ...\` line before this manager line.`,
          exitCode: 2,
        },
      );
    }
    return { buyer, ...chat };
  }

  private async manager(step: ManagerStep): Promise<void> {
    const { buyer, conversationId, room, ...chat } = this.answered(step);
    const side = this.shopSide(chat);
    this.current = buyer;
    const shown = step.kind === "text" ? step.text : step.url;
    const content =
      step.kind === "text"
        ? { type: "text" as const, text: step.text }
        : {
            type: "picture" as const,
            media: step.url,
            file_name: step.url.split("/").pop() || "picture.jpg",
          };
    this.write(`${KMO} Manager → ${buyer}: ${step.kind === "text" ? step.text : `[picture ${step.url}]`}`);
    const repliesBefore = side.posted(room).length;
    const amojoId = await this.sides.kommo.managerReplies(this.sides.scopeId, conversationId, content);
    const status = await this.wait(() => this.sides.kommo.deliveryStatuses(amojoId)[0]);
    if (this.stopped) return;
    if (!status) {
      this.lastStatus = "no status";
      this.outcome.replies.push({ text: shown, status: "no status" });
      const what = this.missing("no delivery status");
      this.fail(step.line, what, `${KMO} ✗ ${what}`);
      return;
    }
    if (status.status === 1) {
      for (const r of side.posted(room).slice(repliesBefore)) this.write(`${side.label} ${side.name}: ${r}`);
      this.write(`${KMO} ✓ delivered`);
      this.lastStatus = "delivered";
      this.outcome.replies.push({ text: shown, status: "delivered" });
      return;
    }
    this.write(`${KMO} ✗ not delivered: ${status.error ?? `error ${status.errorCode}`}`);
    this.lastStatus = "refused";
    this.outcome.replies.push({
      text: shown,
      status: "refused",
      ...(status.error ? { reason: status.error } : {}),
    });
  }

  /** Why the expectation does not hold, or undefined when it does. */
  private unmet(step: Exclude<ExpectStep, LeadExpectStep>): string | undefined {
    switch (step.what) {
      case "delivered":
      case "refused":
        return this.lastStatus === step.what
          ? undefined
          : `the last reply was ${this.lastStatus ?? "not sent"}, not ${step.what}`;
      case "lead": {
        const chat = this.current === undefined ? undefined : this.chats.get(this.current);
        const first = chat && kommoMessages(this.sides, chat.conversationId)[0];
        if (first && this.sides.kommo.leads().some((l) => l.chatAmojoId === first.chatAmojoId))
          return undefined;
        return this.current === undefined
          ? "no buyer has written yet"
          : `no incoming lead for ${this.current} in Kommo`;
      }
      case "messages": {
        const buyer = step.from ?? this.current;
        const chat = buyer === undefined ? undefined : this.chats.get(buyer);
        const n = chat ? kommoMessages(this.sides, chat.conversationId).length : 0;
        if (n === step.count) return undefined;
        return `${buyer ?? "no buyer"}'s Kommo chat holds ${n} buyer message${n === 1 ? "" : "s"}, expected ${step.count}`;
      }
    }
  }

  /** `wait MINUTES`: the guard's clock moves on; the tasks it made meanwhile are shown. */
  private async waitFor(minutes: number, advance: () => Promise<void>): Promise<void> {
    const before = new Set(this.sides.kommo.tasks().map((t) => t.id));
    this.write(`${NOTE} ⏱ ${minutes} minutes pass`);
    await advance();
    for (const t of this.sides.kommo.tasks().filter((x) => !before.has(x.id)))
      this.write(`${KMO} ⚑ task on lead #${t.entityId}: ${t.text}`);
  }

  private async expect(step: ExpectStep): Promise<void> {
    let why: string | undefined;
    if (isLeadExpect(step)) {
      const chat = this.current === undefined ? undefined : this.chats.get(this.current);
      const probe = () => guardUnmet(this.sides, this.current, chat?.conversationId, step);
      // The guard acts a moment after a reply: a task expectation may come true within the wait.
      why =
        step.what === "pipeline"
          ? probe()
          : (await this.wait(() => (probe() === undefined ? true : undefined)))
            ? undefined
            : probe();
    } else why = this.unmet(step);
    if (why === undefined) {
      this.outcome.expectations.held++;
      return;
    }
    this.outcome.expectations.failed++;
    this.fail(step.line, why, `${NOTE} ✗ expectation on line ${step.line} failed: ${why}`);
  }
}
