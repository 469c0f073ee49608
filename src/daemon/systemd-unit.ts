/**
 * The one systemd unit for running `serve` in production. `init` prints it with the paths of the installation it
 * ran from; docs/operations.md shows it with the paths below (a test checks the docs show exactly this output).
 *
 * Why each part: the service runs as its own user; the config (and the env file with the secrets) sit in
 * /etc/tokokommo, readable by that user only; the state file lives in /var/lib/tokokommo, which systemd creates
 * (StateDirectory) and which is the only place the service may write (ProtectSystem=strict). ExecStart names node
 * and the installed script directly, so neither npx nor the PATH decides what runs. `systemctl reload` sends
 * SIGHUP, which makes serve reload its config. TimeoutStopSec leaves room for serve's 10 s shutdown.
 */

export interface UnitPaths {
  /** The command before `serve`: the node binary and the installed CLI script (bin/tokokommo.js). */
  exec: string;
  /** The config file the service runs with. */
  configPath: string;
}

/** The paths docs/operations.md shows: NodeSource's node and a global `npm install -g tokokommo`. */
export const DOCUMENTED_UNIT_PATHS: UnitPaths = {
  exec: "/usr/bin/node /usr/lib/node_modules/tokokommo/bin/tokokommo.js",
  configPath: "/etc/tokokommo/config.json",
};

/** Where the secrets live for the service (one `TOKOKOMMO_*` variable a line). */
export const SERVICE_ENV_FILE = "/etc/tokokommo/secrets.env";

export function systemdUnit(p: UnitPaths): string {
  return [
    "# /etc/systemd/system/tokokommo.service",
    "[Unit]",
    "Description=tokokommo: Tokopedia and TikTok Shop chats in Kommo",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    "User=tokokommo",
    "Group=tokokommo",
    `Environment=TOKOKOMMO_CONFIG=${p.configPath}`,
    "# Secrets (TOKOKOMMO_* variables, see docs/configuration.md); the leading '-' lets it be absent.",
    `EnvironmentFile=-${SERVICE_ENV_FILE}`,
    `ExecStart=${p.exec} serve`,
    "# systemctl reload: serve reads its config again (it also does when the file changes).",
    "ExecReload=/bin/kill -HUP $MAINPID",
    "Restart=on-failure",
    "RestartSec=5",
    "# serve stops within 10 s of SIGTERM.",
    "TimeoutStopSec=15",
    "StateDirectory=tokokommo",
    "StateDirectoryMode=0700",
    "UMask=0077",
    "NoNewPrivileges=true",
    "ProtectSystem=strict",
    "ProtectHome=true",
    "PrivateTmp=true",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}
