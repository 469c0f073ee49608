/**
 * The sandbox's interactive mode (a terminal on stdin): a prompt before each line, typed lines played like script
 * lines, a bad line reported without ending the conversation, `quit` ending it with the result.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { playSandbox } from "../../src/sandbox/play-mode.js";
import { PROMPT } from "../../src/sandbox/repl.js";
import { waitFor } from "../helpers/wait.js";

describe("tokokommo sandbox, interactive", () => {
  it("prompts, plays typed lines, reports a bad one and goes on until quit", async () => {
    const input = new PassThrough();
    let out = "";
    const io = {
      write: (t: string) => {
        out += t;
      },
      stdin: input,
      interactive: true,
    };
    const done = playSandbox({ steps: [], interactive: true, json: false }, io);
    await waitFor("the first prompt", () => out.endsWith(PROMPT), 20_000);
    input.write("b halo kak\n");
    await waitFor("the message in Kommo", () => /KOMMO\s+Budi: halo kak\n/.test(out) && out.endsWith(PROMPT));
    input.write("shopkeeper: hi\n");
    await waitFor("the error", () => out.includes("not a script step") && out.endsWith(PROMPT));
    input.write("# a comment is fine too\n");
    input.write("m siap kak\n");
    await waitFor("the delivery", () => out.includes("✓ delivered"));
    input.write("quit\n");
    const r = await done;
    expect(r.exitCode).toBe(0);
    expect(out.split(PROMPT).length - 1).toBe(5); // at the start and after each of the four lines before quit
    expect(out).toContain(
      "1 of 1 buyer message arrived in Kommo; replies: delivered; 0 of 0 expectations held.",
    );
  });
});
