import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliAsync } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tokokommo-sandbox-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A temp folder (TMPDIR) for one sandbox run alone: other processes on the machine, and the other tests of this
 * file (they run at once), make testbed folders in theirs too.
 */
function ownTmp(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  return path;
}
function testbedDirs(tmp: string): string[] {
  return readdirSync(tmp).filter((n) => n.startsWith("tokokommo-testbed-"));
}

/** At most this many sandbox processes at once: each is CPU-bound for most of its second or two. */
const AT_ONCE = 2;
let running = 0;
const queued: (() => void)[] = [];

/**
 * Runs the built binary, `input` on its stdin, once fewer than AT_ONCE runs of this file are under way: the
 * tests run their own sandboxes (own simulators, temporary state), so they run at once, a few at a time.
 */
async function runCli(args: string[], env: Record<string, string | undefined> = {}, input = "") {
  if (running >= AT_ONCE) await new Promise<void>((r) => queued.push(r));
  running++;
  try {
    return await runCliAsync(args, env, (child) => child.stdin?.end(input));
  } finally {
    running--;
    queued.shift()?.();
  }
}

describe("tokokommo sandbox (built binary)", () => {
  it.concurrent("plays a scripted conversation: lead created, messages in order, reply delivered, picture refused", async () => {
    const sandboxTmp = ownTmp("conversation-tmp");
    const script = join(dir, "conversation.txt");
    writeFileSync(
      script,
      [
        "buyer: Halo kak https://www.tokopedia.com/kommo-store/kaos",
        "buyer image: https://images.tokopedia.net/img/chat/a.jpg",
        "buyer product: Kaos | Rp59.000 | https://www.tokopedia.com/kommo-store/kaos",
        "buyer invoice: INV/1 | Rp1 | Selesai | https://www.tokopedia.com/invoice/1",
        "buyer sticker: happy",
        "expect lead",
        "expect messages 5",
        "manager: Siap kak",
        "expect delivered",
        "manager picture: https://amojo.kommo.com/attachments/p.jpg",
        "expect refused",
      ].join("\n"),
    );
    const r = await runCli(["sandbox", "--script", script], { TMPDIR: sandboxTmp });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const kommo = lines.filter((l) => l.startsWith("KOMMO "));
    expect(kommo[0]).toMatch(/★ new chat: contact "Budi", incoming lead #\d+/);
    const buyerInKommo = kommo.filter((l) => /^KOMMO\s+Budi: /.test(l));
    const shown = buyerInKommo.map((l) => l.replace(/^KOMMO\s+Budi: /, ""));
    expect(shown).toHaveLength(5);
    expect(shown[0]).toBe("Halo kak https://www.tokopedia.com/kommo-store/kaos");
    expect(shown[1]).toBe("[picture https://images.tokopedia.net/img/chat/a.jpg]");
    expect(shown[2]).toContain("Kaos");
    expect(shown[3]).toContain("INV/1");
    expect(shown[4]).toBe("[Sticker: happy]");
    expect(r.stdout).toMatch(/TOKOPEDIA\s+kommo-store: Siap kak/);
    expect(r.stdout).toContain("✓ delivered");
    expect(r.stdout).toContain("✗ not delivered: Tokopedia does not accept attachments from Kommo");
    expect(r.stdout).toMatch(/KOMMO\s+Manager → Budi: Siap kak/);
    expect(r.stdout).toContain(
      "5 of 5 buyer messages arrived in Kommo; replies: delivered, refused; 4 of 4 expectations held.",
    );
    expect(r.stdout).toContain("✓ every buyer message arrived");
    expect(testbedDirs(sandboxTmp)).toEqual([]); // temporary state removed
  });

  it.concurrent("ends a failed expectation in TK_ERR_SANDBOX_EXPECTATION (exit 1), with no ✓/✗ on counts that held", async () => {
    const r = await runCli(["sandbox", "--script", "-"], {}, "buyer: halo\nexpect messages 2\n");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      "expectation on line 2 failed: Budi's Kommo chat holds 1 buyer message, expected 2",
    );
    expect(r.stdout).toContain(
      "1 of 1 buyer message arrived in Kommo; replies: none; 0 of 1 expectation held.",
    );
    expect(r.stdout).not.toMatch(/[✓✗] \d+\/\d+/);
    expect(r.stderr).toMatch(
      /^error TK_ERR_SANDBOX_EXPECTATION: 1 failure: line 2: Budi's Kommo chat holds 1/,
    );
  });

  it.concurrent("--json: the outcome (or the error with it) on stdout, the transcript on stderr", async () => {
    const failed = await runCli(["sandbox", "--json", "--script", "-"], {}, "buyer: halo\nexpect refused\n");
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("TOKOPEDIA  Budi: halo");
    const err = JSON.parse(failed.stdout) as {
      error: { code: string; details: { outcome: { failures: unknown[]; arrived: number } } };
    };
    expect(err.error.code).toBe("TK_ERR_SANDBOX_EXPECTATION");
    expect(err.error.details.outcome.arrived).toBe(1);
    expect(err.error.details.outcome.failures).toEqual([
      { line: 2, what: "the last reply was not sent, not refused" },
    ]);
    const passed = await runCli(["sandbox", "--json", "--script", "-"], {}, "buyer: halo\nexpect lead\n");
    expect(passed.status).toBe(0);
    expect(JSON.parse(passed.stdout)).toMatchObject({
      ok: true,
      sent: 1,
      arrived: 1,
      expectations: { held: 1, failed: 0 },
      failures: [],
    });
  });

  it.concurrent("answers the buyer a manager line names; `manager:` answers the current buyer", async () => {
    const script = [
      "# two buyers write; the manager answers the first one, then goes on in that chat",
      "buyer: halo dari Budi",
      "buyer as Dewi Lestari: halo dari Dewi",
      "manager to Budi: untuk Budi",
      "manager: untuk Budi lagi",
      "expect delivered",
      "expect messages 1",
      "expect messages 1 from Dewi Lestari",
    ].join("\n");
    const r = await runCli(["sandbox", "--script", "-"], {}, script);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const first = lines.findIndex((l) => /Manager → Budi: untuk Budi$/.test(l));
    expect(lines[first + 1]).toMatch(/^TOKOPEDIA\s+kommo-store: untuk Budi$/); // read back from Budi's room
    expect(r.stdout).toMatch(/Manager → Budi: untuk Budi lagi\nTOKOPEDIA\s+kommo-store: untuk Budi lagi/);
  });

  it.concurrent("refuses a bad script before starting anything (exit 2)", async () => {
    const r = await runCli(["sandbox", "--script", "-"], {}, "shopkeeper: hi\n");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("TK_ERR_SANDBOX_SCRIPT");
    expect(r.stderr).toContain("line 1");
    const tts = await runCli(
      ["sandbox", "--script", "-"],
      {},
      "buyer: hi\nbuyer as Rina on tiktokshop: hai\n",
    );
    expect(tts.status).toBe(2);
    expect(tts.stderr).toContain("TK_ERR_SANDBOX_SCRIPT: script line 2: this sandbox has no TikTok Shop");
    expect(tts.stdout).toBe("");
  });

  // Alone, after the others: its hours pass on the bridge's clock only once the bridge is idle, and it took
  // longer than its waits under load when run beside five other sandboxes.
  it("shows the reply-time guard: a shop picked, hours passing, one task, completed by the reply", async () => {
    const r = await runCli(
      ["sandbox", "--script", "-"],
      { TMPDIR: ownTmp("guard-tmp") },
      [
        "shop kommo-store-2",
        "buyer as Sari: Kak, bisa kirim hari ini?",
        "expect pipeline kommo-store-2 leads",
        "expect no task",
        "wait 479",
        "expect no task",
        "wait 2",
        "expect task",
        "manager: Bisa kak",
        "expect no task",
      ].join("\n"),
    );
    expect(`${r.stderr}${r.stdout}`).not.toContain("error");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("⏱ 479 minutes pass");
    expect(r.stdout).toMatch(/⚑ task on lead #\d+: Sari has waited 8 h 1 min for a reply in kommo-store-2/);
    expect(r.stdout).toMatch(/TOKOPEDIA\s+kommo-store-2: Bisa kak/);
    expect(r.stdout).toContain("5 of 5 expectations held.");
  });
});
