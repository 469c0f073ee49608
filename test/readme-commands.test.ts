/**
 * README.md's command lines are true: every `tokokommo` line in its `sh` code blocks names a command and flags
 * that exist (checked against `--help`), the Quick start's `sandbox` runs, and the whole "Rehearse the real setup"
 * section runs as written against the simulators: its `sh` blocks in order (the env file sourced, `serve` left
 * running) and its plain block typed into the sandbox. The one liberty: 8787 is replaced by a free port (and the
 * sandbox told with --bridge-port), since another process on a test machine may hold 8787.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN } from "./helpers/cli.js";
import { freePort } from "./helpers/daemon-process.js";
import { waitFor } from "./helpers/wait.js";

interface Block {
  section: string;
  lang: string;
  lines: string[];
}

/** The fenced code blocks of a markdown text, with the `##` section each is in; `\` continuations joined. */
function codeBlocks(md: string): Block[] {
  const blocks: Block[] = [];
  let section = "";
  let open: Block | undefined;
  for (const line of md.split("\n")) {
    if (open) {
      if (line.startsWith("```")) {
        blocks.push(open);
        open = undefined;
      } else {
        const last = open.lines.length - 1;
        if (last >= 0 && open.lines[last]!.endsWith("\\"))
          open.lines[last] = `${open.lines[last]!.slice(0, -1).trimEnd()} ${line.trim()}`;
        else open.lines.push(line);
      }
    } else if (line.startsWith("```")) open = { section, lang: line.slice(3).trim(), lines: [] };
    else if (line.startsWith("## ")) section = line.slice(3).trim();
  }
  return blocks;
}

/** The `tokokommo` commands of one shell line, as argument lists (comments cut, `&&` chains split). */
function tokokommoCommands(line: string): string[][] {
  const code = line.replace(/\s#.*$/, "");
  return code
    .split("&&")
    .map((part) => part.trim().split(/\s+/))
    .map((words) => (words[0] === "npx" ? words.slice(1) : words))
    .filter((words) => words[0] === "tokokommo")
    .map((words) => words.slice(1));
}

const README = readFileSync("README.md", "utf8");
const BLOCKS = codeBlocks(README);
const root = mkdtempSync(join(tmpdir(), "tokokommo-readme-"));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined, ...env },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `run` without blocking this process (so several can run at once). */
async function runAsync(args: string[]): Promise<ReturnType<typeof run>> {
  const started = start(args);
  const status = await started.exited;
  return { status, stdout: started.stdout(), stderr: started.stderr() };
}

/** A long-running command, its output collected (both streams in `out`, and each alone). */
function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", TOKOKOMMO_CONFIG: undefined, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    stdout += d.toString("utf8");
  });
  child.stderr?.on("data", (d: Buffer) => {
    out += d.toString("utf8");
    stderr += d.toString("utf8");
  });
  // "close": the process ended and its output was read to the end.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, out: () => out, stdout: () => stdout, stderr: () => stderr, exited };
}

describe("README.md command lines", () => {
  const commands = BLOCKS.filter((b) => b.lang === "sh").flatMap((b) => b.lines.flatMap(tokokommoCommands));

  it("finds the commands (quick start, rehearsal, real setup)", () => {
    const names = commands.map((c) => c[0]);
    for (const name of ["sandbox", "init", "doctor", "serve", "status", "shops"])
      expect(names).toContain(name);
  });

  it("names only commands and flags that exist", async () => {
    const commandWords = (args: string[]) => {
      const firstFlag = args.findIndex((a) => a.startsWith("-"));
      return firstFlag < 0 ? args : args.slice(0, firstFlag);
    };
    // One `--help` run per command named (the README names most of them several times): its text does not change.
    // The runs are independent, so they run at once.
    const keys = [...new Set(commands.map((args) => commandWords(args).slice(0, 2).join(" ")))];
    const [globalHelp, ...outputs] = await Promise.all(
      [[], ...keys.map((key) => (key ? key.split(" ") : []))].map((command) =>
        runAsync([...command, "--help"]),
      ),
    );
    const helps = new Map(keys.map((key, i) => [key, outputs[i]!]));
    const unknown: string[] = [];
    for (const args of commands) {
      const words = commandWords(args);
      const help = helps.get(words.slice(0, 2).join(" "))!;
      if (help.status !== 0) unknown.push(`tokokommo ${words.join(" ")}: no such command`);
      for (const flag of args.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]!)) {
        const known = new RegExp(`${flag}(?![\\w-])`).test(`${help.stdout}\n${globalHelp!.stdout}`);
        if (!known) unknown.push(`tokokommo ${args.join(" ")}: ${flag}`);
      }
    }
    expect(unknown).toEqual([]);
  }, 120_000);

  it("runs the quick start's sandbox", () => {
    const quick = BLOCKS.find((b) => b.section === "Quick start" && b.lang === "sh");
    const sandbox = quick?.lines.flatMap(tokokommoCommands).find((c) => c[0] === "sandbox");
    expect(sandbox).toEqual(["sandbox"]);
    const r = run(sandbox!);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("✓ every buyer message arrived");
  });

  it("runs the rehearsal as written", async () => {
    const port = String(await freePort());
    const section = BLOCKS.filter((b) => b.section === "Rehearse the real setup");
    expect(section.length).toBeGreaterThanOrEqual(4);
    let env: Record<string, string> = {};
    let sandbox: ReturnType<typeof start> | undefined;
    let serve: ReturnType<typeof start> | undefined;
    try {
      for (const block of section) {
        if (block.lang !== "sh") {
          // Typed into the sandbox: a buyer message and the manager's reply, both carried by `serve`.
          for (const line of block.lines) sandbox?.child.stdin?.write(`${line}\n`);
          await waitFor("the reply delivered", () => sandbox?.out().includes("✓ delivered"), 30_000);
          continue;
        }
        for (const raw of block.lines) {
          const line = raw.replaceAll("8787", port);
          const sourced = /^set -a; \. (\S+); set \+a$/.exec(line);
          if (sourced) {
            env = Object.fromEntries(
              readFileSync(join(root, sourced[1]!), "utf8")
                .split("\n")
                .filter((l) => /^[A-Z0-9_]+=/.test(l))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
            );
            continue;
          }
          for (const args of tokokommoCommands(line)) {
            if (args.join(" ") === "sandbox --serve") {
              sandbox = start([...args, "--bridge-port", port]);
              await waitFor("the sandbox's guide", () => sandbox?.out().includes("lists everything"), 20_000);
            } else if (args.join(" ") === "serve") {
              serve = start(args, env);
              await waitFor("serve", () => serve?.out().includes("is serving"), 20_000);
            } else {
              const r = run(args, env);
              expect({ line, status: r.status, stderr: r.stderr }).toEqual({ line, status: 0, stderr: "" });
            }
          }
        }
      }
      expect(sandbox?.out()).toMatch(/KOMMO\s+Budi: halo kak, ready\?/);
      expect(run(["shops", "list"], env).stdout).toContain("kommo-store-2");
    } finally {
      serve?.child.kill("SIGTERM");
      await serve?.exited;
      sandbox?.child.kill("SIGINT");
      expect(await sandbox?.exited).toBe(0);
    }
  }, 120_000);
});
