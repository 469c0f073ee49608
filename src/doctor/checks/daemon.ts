/**
 * The running daemon: GET /healthz answers. Where it listens comes from its runtime card next to the state file
 * (daemon/runtime-file.ts) when one runs, since `serve --port` or `--host` may differ from the config's
 * server.port; otherwise from the config. The card also tells whether the daemon runs the config file as it is.
 */
import { readFileSync } from "node:fs";
import { request } from "undici";
import { configFileHash, type DaemonRuntime, readRuntime } from "../../daemon/runtime-file.js";
import type { CheckGroup } from "../types.js";
import { fail, pass, warn } from "../types.js";

export const daemonChecks: CheckGroup = {
  name: "daemon",
  checks: () => [
    {
      id: "daemon.healthz",
      title: "Daemon is running (/healthz)",
      needs: ["config.valid"],
      calls: (c) => c.daemonUrl(),
      async run(c) {
        const card = c.options.daemonUrl ? undefined : readRuntime(c.config.statePath);
        const base = card?.url ?? c.daemonUrl();
        const url = `${base}/healthz`;
        const fix = `start it: \`tokokommo serve\` (under systemd: \`systemctl status tokokommo\` and \`journalctl -u tokokommo\`); it should listen on ${base}`;
        try {
          const res = await request(url, { method: "GET", headersTimeout: 5000, bodyTimeout: 5000 });
          const body = await res.body.text();
          if (res.statusCode !== 200)
            return fail(`${url} answered HTTP ${res.statusCode} ${body.slice(0, 80)}`, fix);
        } catch (err) {
          const code = (err as { code?: string }).code;
          return fail(`${url} is not reachable (${code ?? (err as Error).message})`, fix);
        }
        if (!card) return pass(`${url} answered 200`);
        const running = `${url} answered 200 (pid ${card.pid}, config generation ${card.generation})`;
        return runsFileAsItIs(card, c.configPath) ? pass(running) : stale(card, running, c.configPath);
      },
    },
  ],
};

function runsFileAsItIs(card: DaemonRuntime, configPath: string): boolean {
  try {
    return configFileHash(readFileSync(configPath)) === card.configHash;
  } catch {
    return true; // the config check reports an unreadable file
  }
}

function stale(card: DaemonRuntime, running: string, configPath: string) {
  const refused = card.lastReload && !card.lastReload.ok ? card.lastReload : undefined;
  const why = refused
    ? `it refused the file at its last reload (${refused.code}${refused.problems?.length ? `: ${refused.problems.map((p) => p.path).join(", ")}` : ""})`
    : "it has not reloaded it yet";
  return warn(
    `${running}, but it runs an older version of ${configPath}: ${why}`,
    `reload it: \`systemctl reload tokokommo\` (or \`kill -HUP ${card.pid}\`); its log says whether it took the file`,
  );
}
