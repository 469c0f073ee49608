import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

describe("built binary", () => {
  it("--help lists every command and exits 0", () => {
    const r = runCli(["--help"]);
    expect(r.status).toBe(0);
    for (const cmd of ["init", "serve", "doctor", "status", "shops", "retry", "sandbox"]) {
      expect(r.stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, "m"));
    }
    expect(r.stdout).toContain("--config");
    expect(r.stdout).toContain("--log-level");
  });

  it("--version prints the package version", async () => {
    const pkg = (await import("../package.json", { with: { type: "json" } })).default as { version: string };
    const r = runCli(["--version"]);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it("an unknown command exits 2 with usage", () => {
    const r = runCli(["frobnicate"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain("tokokommo --help");
  });

  it("an unknown flag exits 2 with usage", () => {
    const r = runCli(["status", "--no-such-flag"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("unknown option '--no-such-flag'");
  });

  it("subcommand help documents its flags", () => {
    const r = runCli(["shops", "add", "--help"]);
    expect(r.status).toBe(0);
    for (const flag of ["--app", "--shop-domain", "--kommo-account", "--source", "--auth-code"]) {
      expect(r.stdout).toContain(flag);
    }
  });
});
