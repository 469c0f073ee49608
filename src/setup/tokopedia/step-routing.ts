/**
 * The `init` step after the Kommo account: where the new shop's leads go (pipeline), who owns them (responsible
 * user) and which extra tags they get, from the flags or chosen among the account's pipelines and users
 * (lead-routing.ts). Skipped for a shop that is already bound: its entry is left as it is.
 */
import { kommoRestClient } from "../../daemon/clients.js";
import { chooseRouting, type RoutingRest } from "../lead-routing.js";
import type { InitDraft, InitStep } from "./draft.js";
import { accountOf } from "./draft.js";
import { withAccountTokens } from "./step-kommo-account.js";

function alreadyBound(d: InitDraft): boolean {
  const shopId = d.shop?.shopId;
  return (d.file.config?.shops ?? []).some((s) => s.source === "tokopedia" && s.shopId === shopId);
}

/** The account's REST API as the Kommo account step verified it (the draft's tokens for a new account). */
function restOf<T>(d: InitDraft, run: (rest: RoutingRest) => Promise<T>): Promise<T> {
  const account = accountOf(d);
  const config = d.file.config;
  const known =
    account.kind === "known" ? config?.kommo.accounts.find((a) => a.name === account.name) : undefined;
  if (config && known)
    return withAccountTokens(config, known, (t) =>
      run(kommoRestClient(known, { endpoints: d.endpoints }, t)),
    );
  if (account.kind !== "new") throw new Error("init: the Kommo account is neither new nor in the config");
  return run(kommoRestClient(account, { endpoints: d.endpoints }, d.tokens));
}

export const routingStep: InitStep = {
  title: "Lead routing (pipeline, responsible user, tags)",
  enabled: (d) => d.shop !== undefined && !alreadyBound(d),
  async run(d, tools) {
    const keys = await restOf(d, (rest) => chooseRouting(tools.ask, () => rest, d.flags.routing ?? {}));
    d.routing = keys;
    const { pipelineId, responsibleUserId, leadTags } = keys;
    tools.say(
      `  leads: ${pipelineId ? `pipeline ${pipelineId}` : "default pipeline"}, ${responsibleUserId ? `user ${responsibleUserId}` : "no responsible user"}${leadTags?.length ? `, tags ${leadTags.join(", ")}` : ""}`,
    );
  },
};
