/**
 * What `sandbox --serve` prints: where everything runs, the files it wrote, and what to type into `init` (as one
 * non-interactive command and as the answers to its prompts), then the commands of a first day.
 */
import type { RehearsalValues } from "./rehearsal.js";
import type { RehearsalFiles } from "./rehearsal-files.js";

/** `init` without prompts; the secrets come from rehearsal.env. */
export function initCommand(v: RehearsalValues): string {
  return [
    "tokokommo init --no-interactive",
    `--public-url ${v.bridgeUrl}`,
    `--app ${v.tokopedia.app}`,
    `--fs-id ${v.tokopedia.fsId}`,
    `--client-id ${v.tokopedia.clientId}`,
    `--shop-domain ${v.tokopedia.shopDomain}`,
    `--kommo-subdomain ${v.kommo.subdomain}`,
    `--kommo-account ${v.kommo.account}`,
    `--channel-id ${v.kommo.channelId}`,
  ].join(" ");
}

/** Adding the TikTok Shop seller; its app secret comes from rehearsal.env. */
export function tiktokshopInitCommand(v: RehearsalValues): string {
  const t = v.tiktokshop;
  return `tokokommo init --source tiktokshop --no-interactive --app ${t.app} --app-key ${t.appKey} --service-id ${t.serviceId} --auth-code ${t.authCode} --kommo-account ${v.kommo.account}`;
}

export function shopsAddCommand(v: RehearsalValues): string {
  return `tokokommo shops add --app ${v.tokopedia.app} --shop-domain ${v.tokopedia.otherShopDomain} --kommo-account ${v.kommo.account}`;
}

function port(url: string): string {
  return new URL(url).port;
}

export function rehearsalGuide(v: RehearsalValues, files: RehearsalFiles): string {
  const e = v.endpoints;
  return `tokokommo sandbox --serve: the Tokopedia, TikTok Shop and Kommo simulators on 127.0.0.1, up until Ctrl-C.

  Tokopedia     port ${port(e.tokopediaApi)}   app fs_id ${v.tokopedia.fsId}; shops ${v.tokopedia.shopDomain} and ${v.tokopedia.otherShopDomain}; whitelist 127.0.0.1
  TikTok Shop   port ${port(e.tiktokshopApi)}   app key ${v.tiktokshop.appKey}; seller toko-tts, ready to authorize the app
  Kommo         port ${port(e.kommoApi)}   account "Acme Agency" (subdomain ${v.kommo.subdomain}); chat channel ${v.kommo.channelId}
  IP echo       port ${port(e.ipEcho)}   endpoints.ipEcho: tells init and doctor this machine's IP (127.0.0.1)
  the bridge    ${v.bridgeUrl}   not run here: your own \`tokokommo serve\`; the simulators send their webhooks there

Wrote ${files.configPath} (a starter config: the simulators' endpoints)
  and ${files.envPath} (TOKOKOMMO_CONFIG and the secrets, as a real setup keeps them).

In another terminal (\`npx tokokommo\` in a clone):
  set -a; . ${files.envPath}; set +a
  ${initCommand(v)}
  tokokommo doctor
  tokokommo serve          # leave it running; the rest in a third terminal (source the env file there too)
  tokokommo status
  ${shopsAddCommand(v)}
  tokokommo shops list

Or answer \`tokokommo init\`'s prompts:
  public URL ${v.bridgeUrl} · app name ${v.tokopedia.app} · fs_id ${v.tokopedia.fsId} · client id ${v.tokopedia.clientId} · client secret ${v.tokopedia.clientSecret}
  shop ${v.tokopedia.shopDomain} · Kommo subdomain ${v.kommo.subdomain} · account name ${v.kommo.account} · sign-in: a long-lived token
  long-lived token ${v.kommo.token}
  channel id ${v.kommo.channelId} · channel secret ${v.kommo.channelSecret}

TikTok Shop (Tokopedia & Shop), added to the config \`init\` wrote:
  app ${v.tiktokshop.app} · app key ${v.tiktokshop.appKey} · app secret ${v.tiktokshop.appSecret} · service id ${v.tiktokshop.serviceId}
  authorization code ${v.tiktokshop.authCode} (single use, 30 minutes; type \`code\` here for a fresh one)
  ${tiktokshopInitCommand(v)}
  then, here: \`buyer as Rina on tiktokshop: halo\` (TikTok Shop takes the manager's pictures too)

Here, once \`serve\` runs, write as the buyer and answer as the manager (\`help\` lists everything):
  buyer: halo kak          manager: siap kak          quit (or Ctrl-C)
`;
}
