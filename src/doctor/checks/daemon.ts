/** The running daemon: GET /healthz answers. */
import { request } from "undici";
import type { CheckGroup } from "../types.js";
import { fail, pass } from "../types.js";

export const daemonChecks: CheckGroup = {
  name: "daemon",
  checks: () => [
    {
      id: "daemon.healthz",
      title: "Daemon is running (/healthz)",
      needs: ["config.valid"],
      calls: (c) => c.daemonUrl(),
      async run(c) {
        const url = `${c.daemonUrl()}/healthz`;
        const fix = `start it: \`tokokommo serve\` (under systemd: \`systemctl status tokokommo\` and \`journalctl -u tokokommo\`); it should listen on ${c.daemonUrl()}`;
        try {
          const res = await request(url, { method: "GET", headersTimeout: 5000, bodyTimeout: 5000 });
          const body = await res.body.text();
          if (res.statusCode === 200) return pass(`${url} answered 200`);
          return fail(`${url} answered HTTP ${res.statusCode} ${body.slice(0, 80)}`, fix);
        } catch (err) {
          const code = (err as { code?: string }).code;
          return fail(`${url} is not reachable (${code ?? (err as Error).message})`, fix);
        }
      },
    },
  ],
};
