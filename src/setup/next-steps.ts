/** What init prints at the end: how to run the bridge, a systemd unit, and where to check it. */

export function systemdUnit(o: { configPath: string; execPath: string; user?: string }): string {
  return [
    "[Unit]",
    "Description=tokokommo: Tokopedia chats in Kommo",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    `ExecStart=${o.execPath} serve --config ${o.configPath}`,
    ...(o.user ? [`User=${o.user}`] : []),
    "Restart=on-failure",
    "RestartSec=5",
    "# secrets may live in an env file instead of the config (TOKOKOMMO_* variables):",
    "# EnvironmentFile=/etc/tokokommo.env",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
}

export function nextSteps(o: {
  configPath: string;
  kommoHookUrl?: string;
  chatWebhookUrl?: string;
  execPath?: string;
}): string {
  const exec = o.execPath ?? "/usr/bin/env npx tokokommo";
  return [
    `Config written to ${o.configPath} (mode 0600).`,
    "",
    "Next steps:",
    `  1. Start the bridge:  tokokommo serve --config ${o.configPath}`,
    ...(o.kommoHookUrl
      ? [`  2. Give Kommo this channel hook URL (template): ${o.kommoHookUrl}`]
      : [
          "  2. No public URL: the bridge polls Tokopedia; Kommo replies need a public URL (re-run init with --public-url).",
        ]),
    ...(o.chatWebhookUrl ? [`     Tokopedia chat webhook registered: ${o.chatWebhookUrl}`] : []),
    `  3. Check every link:  tokokommo doctor --config ${o.configPath}`,
    "  4. Run it under systemd: save this as /etc/systemd/system/tokokommo.service, then",
    "     `systemctl daemon-reload && systemctl enable --now tokokommo`:",
    "",
    systemdUnit({ configPath: o.configPath, execPath: exec })
      .split("\n")
      .map((l) => `     ${l}`)
      .join("\n"),
  ].join("\n");
}
