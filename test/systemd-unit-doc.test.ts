/**
 * One production path: the systemd unit docs/operations.md shows is exactly what systemdUnit() prints for the
 * documented paths, and `init` prints the same function's output (with its own installation's paths).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DOCUMENTED_UNIT_PATHS, SERVICE_ENV_FILE, systemdUnit } from "../src/daemon/systemd-unit.js";
import { nextSteps } from "../src/setup/next-steps.js";

const doc = readFileSync("docs/operations.md", "utf8");
const section = doc.slice(
  doc.indexOf("## Running under systemd"),
  doc.indexOf("\n## ", doc.indexOf("## Running under systemd") + 1),
);

/** The one ```ini block of the section. */
function unitInDocs(): string {
  const blocks = [...section.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks).toHaveLength(1);
  return blocks[0]!.trimEnd();
}

describe("the systemd unit", () => {
  it("docs/operations.md shows exactly what systemdUnit prints for the documented paths", () => {
    expect(unitInDocs()).toBe(systemdUnit(DOCUMENTED_UNIT_PATHS));
  });

  it("init's next steps print the same unit, with the installation's node, script and config path", () => {
    const paths = {
      exec: "/opt/node/bin/node /opt/tk/bin/tokokommo.js",
      configPath: "/etc/tokokommo/config.json",
    };
    const printed = nextSteps({ configPath: paths.configPath, execPath: paths.exec });
    const indented = systemdUnit(paths)
      .split("\n")
      .map((l) => `     ${l}`)
      .join("\n");
    expect(printed).toContain(indented);
    expect(printed).toContain("docs/operations.md");
  });

  it("runs node directly as its own user, secrets from the env file, state in /var/lib/tokokommo, reload by SIGHUP", () => {
    const unit = systemdUnit(DOCUMENTED_UNIT_PATHS);
    for (const line of [
      "User=tokokommo",
      `EnvironmentFile=-${SERVICE_ENV_FILE}`,
      "Environment=TOKOKOMMO_CONFIG=/etc/tokokommo/config.json",
      "ExecStart=/usr/bin/node /usr/lib/node_modules/tokokommo/bin/tokokommo.js serve",
      "ExecReload=/bin/kill -HUP $MAINPID",
      "StateDirectory=tokokommo",
      "StateDirectoryMode=0700",
      "ProtectSystem=strict",
    ])
      expect(unit.split("\n")).toContain(line);
    expect(section).not.toMatch(/\bnpx\b/);
    expect(section).toContain(
      "install -d -m 0700 -o tokokommo -g tokokommo /etc/tokokommo /var/lib/tokokommo",
    );
    expect(section).toContain("journalctl -u tokokommo");
  });
});
