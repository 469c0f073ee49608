/**
 * Plays script steps against the sandbox world and writes a two-sided transcript as it goes:
 *
 *   TOKOPEDIA  Budi: Halo kak ...                 (what the buyer typed)
 *   KOMMO      ★ new chat: contact "Budi", incoming lead #1
 *   KOMMO      Budi: Halo kak ...                 (what the manager sees)
 *   KOMMO      Manager: Ready kak!                (what the manager typed)
 *   TOKOPEDIA  kommo-store: Ready kak!            (what the buyer sees)
 *   KOMMO      ✓ delivered
 */
import { TkError } from "../errors/index.js";
import type { ScriptStep } from "./script.js";
import { buyerSends, kommoMessages, type SandboxWorld, waitUntil } from "./world.js";

export interface PlayOutcome {
  ok: boolean;
  /** Buyer messages sent / arrived in Kommo. */
  sent: number;
  arrived: number;
  replies: { text: string; status: "delivered" | "refused" | "no status"; reason?: string }[];
}

const TKP = "TOKOPEDIA ";
const KMO = "KOMMO     ";

function describeKommo(m: { type: string; text: string; media?: string }): string {
  const text = m.text.replace(/\n/g, " ⏎ ");
  if (m.type === "picture") return `[picture ${m.media ?? ""}]${text ? ` ${text}` : ""}`;
  return text;
}

export class SandboxPlayer {
  readonly outcome: PlayOutcome = { ok: true, sent: 0, arrived: 0, replies: [] };
  private lastStatus: "delivered" | "refused" | "no status" | undefined;

  constructor(
    private readonly world: SandboxWorld,
    private readonly write: (line: string) => void,
  ) {}

  async play(step: ScriptStep): Promise<void> {
    if (step.actor === "buyer") return this.buyer(step);
    if (step.actor === "manager") return this.manager(step);
    return this.expect(step);
  }

  private async buyer(step: Extract<ScriptStep, { actor: "buyer" }>): Promise<void> {
    const before = this.world.conversations.get(step.buyer);
    const seen = before ? kommoMessages(this.world, before).length : 0;
    const shown =
      step.kind === "text"
        ? step.text
        : step.kind === "image"
          ? `[image ${step.url}]`
          : step.kind === "product"
            ? `[product card: ${step.name}]`
            : step.kind === "invoice"
              ? `[invoice ${step.code}]`
              : `[sticker ${step.name}]`;
    this.write(`${TKP} ${step.buyer}: ${shown}`);
    const conv = await buyerSends(this.world, step);
    this.outcome.sent++;
    const start = before === conv ? seen : 0;
    const msgs = await waitUntil(() => {
      const m = kommoMessages(this.world, conv);
      return m.length > start ? m : undefined;
    });
    if (!msgs) {
      this.outcome.ok = false;
      this.write(`${KMO} ✗ the message did not arrive in Kommo within 10 s`);
      return;
    }
    this.outcome.arrived++;
    const msg = msgs[start]!;
    if (start === 0) {
      const lead = await waitUntil(() =>
        this.world.bed.kommo.leads().find((l) => l.chatAmojoId === msg.chatAmojoId),
      );
      const contact = lead && this.world.bed.kommo.contacts().find((c) => c.id === lead.contactId);
      this.write(
        `${KMO} ★ new chat: contact "${contact?.name ?? step.buyer}", incoming lead #${lead?.id ?? "?"}`,
      );
    }
    this.write(`${KMO} ${step.buyer}: ${describeKommo(msg)}`);
  }

  private async manager(step: Extract<ScriptStep, { actor: "manager" }>): Promise<void> {
    const buyer = this.world.lastBuyer;
    const conv = buyer && this.world.conversations.get(buyer);
    if (!buyer || !conv) {
      throw new TkError(
        "TK_ERR_SANDBOX_SCRIPT",
        `script line ${step.line}: a manager can only answer a buyer who wrote first`,
        {
          fix: "Put a `buyer: ...` line before the first `manager: ...` line.",
          exitCode: 2,
        },
      );
    }
    const content =
      step.kind === "text"
        ? { type: "text" as const, text: step.text }
        : {
            type: "picture" as const,
            media: step.url,
            file_name: step.url.split("/").pop() ?? "picture.jpg",
          };
    this.write(`${KMO} Manager: ${step.kind === "text" ? step.text : `[picture ${step.url}]`}`);
    const room = this.world.rooms.get(buyer)!;
    const repliesBefore = this.world.bed.tokopedia.shopReplies(room).length;
    const amojoId = await this.world.bed.kommo.managerReplies(this.world.bed.scopeId, conv, content);
    const status = await waitUntil(() => this.world.bed.kommo.deliveryStatuses(amojoId)[0]);
    const shown = step.kind === "text" ? step.text : step.url;
    if (!status) {
      this.lastStatus = "no status";
      this.outcome.ok = false;
      this.outcome.replies.push({ text: shown, status: "no status" });
      this.write(`${KMO} ✗ no delivery status within 10 s`);
      return;
    }
    if (status.status === 1) {
      for (const r of this.world.bed.tokopedia.shopReplies(room).slice(repliesBefore)) {
        this.write(`${TKP} ${this.world.bed.shops[0]!.name}: ${r}`);
      }
      this.write(`${KMO} ✓ delivered`);
      this.lastStatus = "delivered";
      this.outcome.replies.push({ text: shown, status: "delivered" });
    } else {
      this.write(`${KMO} ✗ not delivered: ${status.error ?? `error ${status.errorCode}`}`);
      this.lastStatus = "refused";
      this.outcome.replies.push({
        text: shown,
        status: "refused",
        ...(status.error ? { reason: status.error } : {}),
      });
    }
  }

  private async expect(step: Extract<ScriptStep, { actor: "expect" }>): Promise<void> {
    const fail = (what: string) => {
      this.outcome.ok = false;
      this.write(`           ✗ expectation on line ${step.line} failed: ${what}`);
    };
    const buyer = this.world.lastBuyer;
    const conv = buyer ? this.world.conversations.get(buyer) : undefined;
    switch (step.what) {
      case "delivered":
      case "refused":
        if (this.lastStatus !== step.what)
          fail(`the last reply was ${this.lastStatus ?? "not sent"}, not ${step.what}`);
        return;
      case "lead": {
        const chat = conv ? kommoMessages(this.world, conv)[0]?.chatAmojoId : undefined;
        if (!chat || !this.world.bed.kommo.leads().some((l) => l.chatAmojoId === chat))
          fail("no incoming lead in Kommo");
        return;
      }
      case "messages": {
        const n = conv ? kommoMessages(this.world, conv).length : 0;
        if (n !== step.count) fail(`Kommo shows ${n} messages in the chat, expected ${step.count}`);
        return;
      }
    }
  }
}
