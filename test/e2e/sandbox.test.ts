import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "tokokommo-sandbox-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function testbedDirs(): string[] {
  return readdirSync(tmpdir()).filter((n) => n.startsWith("tokokommo-testbed-"));
}

describe("tokokommo sandbox (built binary)", () => {
  it("plays a scripted conversation: lead created, messages in order, reply delivered, picture refused", () => {
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
    const before = testbedDirs().length;
    const r = runCli(["sandbox", "--script", script]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    const kommo = lines.filter((l) => l.startsWith("KOMMO "));
    expect(kommo[0]).toMatch(/★ new chat: contact "Budi", incoming lead #\d+/);
    const buyerInKommo = kommo.filter((l) => l.includes(" Budi: "));
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
    expect(r.stdout).toContain("✓ 5/5 buyer messages arrived in Kommo; replies: delivered, refused.");
    expect(testbedDirs().length).toBe(before); // temporary state removed
  });

  it("reads the script from stdin and exits 1 when an expectation fails", () => {
    const r = runCli(["sandbox", "--script", "-"], {}, "buyer: halo\nexpect messages 2\n");
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      "expectation on line 2 failed: Kommo shows 1 messages in the chat, expected 2",
    );
  });

  it("refuses a bad script before starting anything (exit 2)", () => {
    const r = runCli(["sandbox", "--script", "-"], {}, "shopkeeper: hi\n");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("TK_ERR_SANDBOX_SCRIPT");
    expect(r.stderr).toContain("line 1");
  });
});
