/**
 * The flags of `tokokommo init`: one per answer, so a scripted run (no terminal, or --no-interactive) can give
 * them all. Secrets are better given in TOKOKOMMO_* env vars than on the command line.
 */
import type { Command } from "commander";

export function withInitOptions(cmd: Command): Command {
  return cmd
    .option(
      "--no-interactive",
      "take every answer from flags and env, never prompt (also when stdin is not a terminal)",
    )
    .option(
      "--source <source>",
      "tokopedia (default), or tiktokshop to add a Tokopedia & Shop seller to an existing config",
    )
    .option("--json", "machine-readable result (progress goes to stderr)")
    .option("--public-url <url>", "https address where the platforms reach this bridge (server.publicUrl)")
    .option("--state <file>", "state file (statePath)")
    .option("--app <name>", "app name in the config (Tokopedia: default main)")
    .option("--fs-id <id>", "Tokopedia app id (fs_id)")
    .option("--client-id <id>", "Tokopedia client id")
    .option(
      "--client-secret <secret>",
      "Tokopedia client secret (env TOKOKOMMO_TOKOPEDIA_<APP>_CLIENT_SECRET)",
    )
    .option(
      "--webhook-secret <secret>",
      "Tokopedia webhook secret (env TOKOKOMMO_TOKOPEDIA_<APP>_WEBHOOK_SECRET)",
    )
    .option("--egress-ip <ip>", "the IP Tokopedia sees from this server (default: ask endpoints.ipEcho)")
    .option("--shop-domain <domain>", "the shop's Tokopedia URL or domain, e.g. tokopedia.com/kommo")
    .option("--kommo-account <name>", "Kommo account name in the config (default: the subdomain)")
    .option("--kommo-subdomain <sub>", "Kommo subdomain (acme for acme.kommo.com)")
    .option(
      "--kommo-token <token>",
      "Kommo long-lived token (env TOKOKOMMO_KOMMO_<ACCOUNT>_LONG_LIVED_TOKEN)",
    )
    .option("--kommo-client-id <id>", "Kommo OAuth integration id")
    .option(
      "--kommo-client-secret <secret>",
      "Kommo OAuth secret (env TOKOKOMMO_KOMMO_<ACCOUNT>_CLIENT_SECRET)",
    )
    .option("--kommo-redirect-uri <url>", "Kommo OAuth redirect URI")
    .option("--kommo-auth-code <code>", "Kommo OAuth authorization code (20 minutes valid)")
    .option("--pipeline <id>", "Kommo pipeline for the shop's new leads (default: the account's default)")
    .option("--responsible-user <id>", "Kommo user responsible for the shop's new leads")
    .option("--lead-tag <tag...>", "an extra tag on the shop's new leads (repeatable)")
    .option("--channel-id <id>", "Kommo chat channel id")
    .option(
      "--channel-secret <secret>",
      "Kommo chat channel secret (env TOKOKOMMO_KOMMO_<ACCOUNT>_CHANNEL_SECRET)",
    )
    .option(
      "--take-over-webhook",
      "replace a Tokopedia chat webhook URL another bridge registered for the app",
    )
    .option(
      "--app-key <key>",
      "TikTok Shop: a new app's key (secret: env TOKOKOMMO_TIKTOKSHOP_<APP>_APP_SECRET)",
    )
    .option("--service-id <id>", "TikTok Shop: a new app's service id")
    .option("--auth-code <code>", "TikTok Shop: the seller's authorization code (or the redirect URL)")
    .option("--shop <id...>", "TikTok Shop: bind only these shop ids (default: all the seller authorized)");
}
