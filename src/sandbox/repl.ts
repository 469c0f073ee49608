/**
 * The sandbox's typed conversation: one script line at a time (docs/sandbox.md), plus a few commands. On a
 * terminal each answer ends with a `sandbox> ` prompt; piped input is read the same way, without prompts.
 */
import { createInterface } from "node:readline";
import { isTkError } from "../errors/index.js";
import type { SandboxPlayer } from "./play.js";
import { parseStep } from "./script.js";

export const PROMPT = "sandbox> ";

export const SCRIPT_HELP = `  buyer: TEXT                  the buyer writes on Tokopedia (short: b TEXT)
  buyer as NAME: TEXT          another buyer writes (a second chat)
  buyer as NAME on tiktokshop: TEXT   a buyer writes on TikTok Shop (sandbox --serve, once the seller is set up)
  buyer image|product|invoice|sticker: ...   other kinds, as in scripts
  manager: TEXT                a manager answers the current buyer in Kommo (short: m TEXT)
  manager to NAME: TEXT        a manager answers NAME (NAME becomes the current buyer)
  manager picture: URL         a manager sends a picture
  expect delivered|refused|lead|messages N [from NAME]
  # ...                        a comment`;

export interface ReplOptions {
  input: NodeJS.ReadableStream;
  write: (line: string) => void;
  /** Show the prompt (a person is typing). */
  prompt: boolean;
  player: SandboxPlayer;
  help: string;
  /** Commands beyond script lines, `help` and `quit`: name → the text to print. */
  commands: Record<string, () => string>;
  /** Ends the loop early (e.g. on SIGINT). */
  stop: Promise<unknown>;
}

/** Expands the short forms `b TEXT` and `m TEXT`. */
function expand(raw: string): string {
  return raw.trim().replace(/^b\s+/i, "buyer: ").replace(/^m\s+/i, "manager: ");
}

/**
 * Reads lines until `quit`, the end of input or `stop`. Returns why it ended. A bad line is reported and the
 * loop goes on: a typo must not end a conversation.
 */
export async function runRepl(o: ReplOptions): Promise<"quit" | "end" | "stopped"> {
  const rl = createInterface({ input: o.input, terminal: false });
  const prompt = () => {
    if (o.prompt) o.write(PROMPT);
  };
  const loop = (async (): Promise<"quit" | "end"> => {
    let n = 0;
    prompt();
    for await (const raw of rl) {
      n++;
      const text = expand(raw);
      if (text === "quit" || text === "exit") return "quit";
      const command = o.commands[text];
      if (text === "help") o.write(`${o.help}\n`);
      else if (command) o.write(`${command()}\n`);
      else if (text) await playLine(o, text, n);
      prompt();
    }
    return "end";
  })();
  try {
    return await Promise.race([loop, o.stop.then(() => "stopped" as const)]);
  } finally {
    rl.close();
  }
}

async function playLine(o: ReplOptions, text: string, n: number): Promise<void> {
  try {
    const step = parseStep(text, n);
    if (step) await o.player.play(step);
  } catch (err) {
    o.write(`${isTkError(err) ? `${err.message}\n  ${err.fix ?? ""}` : String(err)}\n`);
  }
}
