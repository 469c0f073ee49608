/** What init prints at the end: how to run the bridge, a systemd unit, and where to check it. */
import { DOCUMENTED_UNIT_PATHS, systemdUnit } from "../daemon/systemd-unit.js";

export function nextSteps(o: {
  configPath: string;
  kommoHookUrl?: string;
  chatWebhookUrl?: string;
  execPath?: string;
}): string {
  const exec = o.execPath ?? DOCUMENTED_UNIT_PATHS.exec;
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
    "  4. Run it under systemd (service user, directories, env file for secrets, logs: docs/operations.md,",
    '     "Running under systemd"): save this as /etc/systemd/system/tokokommo.service, then',
    "     `systemctl daemon-reload && systemctl enable --now tokokommo`:",
    ...(/^\/(home|root)\//.test(o.configPath)
      ? ["     (the service cannot read home directories: move the config to /etc/tokokommo first)"]
      : []),
    "",
    systemdUnit({ configPath: o.configPath, exec })
      .split("\n")
      .map((l) => `     ${l}`)
      .join("\n"),
  ].join("\n");
}
