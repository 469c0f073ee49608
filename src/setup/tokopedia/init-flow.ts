/**
 * `tokokommo init`: the guided setup (README, Real setup) as a list of titled steps over one typed draft, each
 * verified live before the next: public URL → Tokopedia app → its chat webhook owner → IP whitelist → shop →
 * Kommo account → channel → webhooks; then the config is written once, atomically (saveConfig), so Ctrl-C at any
 * point leaves the previous file byte-identical.
 *
 * Re-running on an existing config adds to it: a known app or Kommo account is reused (and re-verified), a new
 * shop is appended. A config file that is not complete yet (e.g. only `endpoints`) is a seed the wizard fills.
 */
import { resolve } from "node:path";
import { MemoryTokenStore } from "../../auth/token-store.js";
import { Asker } from "../asker.js";
import { endpointsOf, readConfigFile } from "../config-file.js";
import { throwIfInterrupted } from "../interrupted.js";
import { missingFlagsError } from "../missing-flags.js";
import { nextSteps } from "../next-steps.js";
import {
  accountOf,
  appOf,
  type InitDeps,
  type InitDraft,
  type InitFlags,
  type InitResult,
  type InitStep,
  type InitTools,
} from "./draft.js";
import { missingInitFlags } from "./required-flags.js";
import { draftedFile, saveDraft } from "./save.js";
import { appStep, publicUrlStep } from "./step-app.js";
import { shopStep, webhookOwnerStep, whitelistStep } from "./step-checks.js";
import { channelStep, scopeIdOf, webhooksStep } from "./step-finish.js";
import { kommoAccountStep } from "./step-kommo-account.js";
import { routingStep } from "./step-routing.js";

export type { InitDeps, InitFlags, InitResult } from "./draft.js";

export const INIT_STEPS: readonly InitStep[] = [
  publicUrlStep,
  appStep,
  webhookOwnerStep,
  whitelistStep,
  shopStep,
  kommoAccountStep,
  routingStep,
  channelStep,
  webhooksStep,
];

/** Said before the first question, so nobody is sent off to find a secret halfway through. */
const NEEDS = [
  "You will need:",
  "  - the Tokopedia app's fs_id, client ID and client secret (Developer Console), with this server's IP whitelisted",
  "  - the shop's address (tokopedia.com/yourshop), added to the app and approved by the shop owner",
  "  - the Kommo subdomain (acme for acme.kommo.com) and a long-lived token, or an OAuth integration's id,",
  "    secret, redirect URI and a fresh authorization code",
  "  - the Kommo chat channel's id and secret, and the public https URL of this bridge (or none: polling only)",
];

export async function runInit(flags: InitFlags, deps: InitDeps): Promise<InitResult> {
  const configPath = resolve(deps.configPath);
  const file = readConfigFile(configPath, deps.env);
  const draft: InitDraft = {
    flags,
    configPath,
    file,
    endpoints: endpointsOf(file.raw),
    tokens: new MemoryTokenStore(),
    publicUrl: undefined,
  };
  const interactive = flags.interactive !== false;
  if (!interactive) {
    const missing = missingInitFlags(draft, deps.env);
    if (missing.length > 0) throw missingFlagsError("init --no-interactive", missing);
  }
  const tools: InitTools = {
    ask: new Asker(interactive, deps.prompter, deps.env, deps.write),
    say: deps.write,
    env: deps.env,
  };
  deps.write(file.config ? `Adding to ${configPath}` : `Setting up ${configPath}`);
  if (interactive && !file.config) for (const line of NEEDS) deps.write(line);
  await runSteps(INIT_STEPS, draft, tools, deps.signal);
  throwIfInterrupted(deps.signal);
  return finish(draft, deps);
}

/** Runs the steps in order, numbered; a step that does not apply to this run is listed as skipped. */
async function runSteps(
  steps: readonly InitStep[],
  draft: InitDraft,
  tools: InitTools,
  signal?: AbortSignal,
) {
  for (const [i, step] of steps.entries()) {
    throwIfInterrupted(signal);
    const enabled = step.enabled ? step.enabled(draft) : true;
    tools.say(`Step ${i + 1}/${steps.length}: ${step.title}${enabled ? "" : " (skipped)"}`);
    if (enabled) await step.run(draft, tools);
  }
}

/** Writes the config and says what comes next. */
function finish(draft: InitDraft, deps: InitDeps): InitResult {
  const { raw, shop } = draftedFile(draft);
  const account = accountOf(draft);
  if (shop && !shop.added) deps.write(`  shop ${shop.shopId} is already bound; left as it is`);
  const config = saveDraft(draft, raw, deps.env);
  // The running daemon's answer to the new config (did it take the change?) belongs here, after the write.
  const kommoHookUrl = draft.publicUrl ? `${draft.publicUrl}/webhooks/kommo/:scope_id` : undefined;
  const text = nextSteps({
    configPath: draft.configPath,
    ...(kommoHookUrl ? { kommoHookUrl } : {}),
    ...(draft.chatWebhookUrl ? { chatWebhookUrl: draft.chatWebhookUrl } : {}),
    ...(deps.execPath ? { execPath: deps.execPath } : {}),
  });
  return {
    configPath: draft.configPath,
    config,
    app: appOf(draft).app.name,
    ...(shop ? { shop } : {}),
    kommoAccount: account.name,
    scopeId: scopeIdOf(draft) ?? "",
    ...(draft.chatWebhookUrl ? { chatWebhookUrl: draft.chatWebhookUrl } : {}),
    ...(kommoHookUrl ? { kommoHookUrl } : {}),
    text,
  };
}
