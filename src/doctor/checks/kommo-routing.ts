/**
 * Routing per shop (docs/configuration.md#routing-per-shop), per shop with a `pipelineId` or `responsibleUserId`:
 * the pipeline exists in the Kommo account, is not archived and has its incoming step on; the responsible user
 * exists and is active (the users list is admin-only: for another token this says so and judges nothing); and which
 * way the shop's leads reach their pipeline: through the shop's Kommo lead source, or moved after Kommo made them,
 * and why. Pipelines and users are read once per account.
 */
import { sourceExternalId } from "../../bridge/lead-sources.js";
import type { Shop } from "../../config/index.js";
import { isTkError } from "../../errors/index.js";
import type { KommoPipeline, UsersAnswer } from "../../kommo/index.js";
import type { DoctorContext } from "../context.js";
import type { Check, CheckGroup, Outcome } from "../types.js";
import { fail, pass, warn } from "../types.js";

const label = (shop: Shop) => shop.name ?? shop.shopId;

const pipelinesOf = (c: DoctorContext, account: string) =>
  c.once(`kommo-pipelines:${account}`, () => c.kommoRest(account).pipelines());
const usersOf = (c: DoctorContext, account: string) =>
  c.once(`kommo-users:${account}`, (): Promise<UsersAnswer> => c.kommoRest(account).users());

const failed = (what: string, err: unknown): Outcome =>
  fail(
    `${what}: ${err instanceof Error ? err.message : String(err)}${isTkError(err) ? ` (${err.code})` : ""}`,
    isTkError(err) ? (err.fix ?? "see docs/errors.md for the code") : "run doctor again",
  );

function judgePipeline(shop: Shop, p: KommoPipeline | undefined, all: KommoPipeline[]): Outcome {
  const list = all.map((x) => `${x.id} ${x.name}`).join(", ");
  if (!p)
    return fail(
      `pipeline ${shop.pipelineId} of shop ${label(shop)} is not in the Kommo account (it has: ${list})`,
      `set shops[].pipelineId to one of the account's pipelines (tokokommo shops add lists them)`,
    );
  if (p.isArchive)
    return fail(`pipeline ${p.id} "${p.name}" is archived`, "choose a pipeline that is not archived");
  if (!p.isUnsortedOn || p.incomingStageId === undefined)
    return fail(
      `pipeline ${p.id} "${p.name}" has its incoming leads stage off: chats cannot land there`,
      "turn on Incoming leads in the pipeline's settings in Kommo, or choose another pipeline",
    );
  return pass(`pipeline ${p.id} "${p.name}" exists, with its incoming stage`);
}

const pipeline = (shop: Shop): Check => ({
  id: "kommo.pipeline",
  subject: shop.shopId,
  title: `Shop ${label(shop)}: its Kommo pipeline exists`,
  needs: [`kommo.token:${shop.kommoAccount}`],
  async run(c) {
    try {
      const all = await pipelinesOf(c, shop.kommoAccount);
      return judgePipeline(
        shop,
        all.find((p) => p.id === shop.pipelineId),
        all,
      );
    } catch (err) {
      return failed("cannot list the account's pipelines", err);
    }
  },
});

const responsibleUser = (shop: Shop): Check => ({
  id: "kommo.responsible-user",
  subject: shop.shopId,
  title: `Shop ${label(shop)}: its responsible Kommo user exists and is active`,
  needs: [`kommo.token:${shop.kommoAccount}`],
  async run(c) {
    let answer: UsersAnswer;
    try {
      answer = await usersOf(c, shop.kommoAccount);
    } catch (err) {
      return failed("cannot list the account's users", err);
    }
    if ("refused" in answer)
      return warn(
        `not checked: Kommo lists users to admins only, and this token's user is not one (user ${shop.responsibleUserId} is assumed right)`,
        "authorize the integration with an admin user to have doctor check it",
      );
    const u = answer.users.find((x) => x.id === shop.responsibleUserId);
    if (!u)
      return fail(
        `user ${shop.responsibleUserId} is not in the Kommo account`,
        "set shops[].responsibleUserId to one of the account's users (tokokommo shops add lists them)",
      );
    if (!u.isActive)
      return fail(`user ${u.id} "${u.name}" is deactivated`, "choose an active user as responsibleUserId");
    return pass(`user ${u.id} "${u.name}" is active`);
  },
});

const MOVED_FIX =
  'nothing is lost; for leads that land in their pipeline at once, authorize the integration with an admin user and upload a widget archive declaring "locations": ["lead_sources"], then reload the daemon';

const routing = (shop: Shop): Check => ({
  id: "kommo.routing",
  subject: shop.shopId,
  title: `Shop ${label(shop)}: how its leads reach pipeline ${shop.pipelineId}`,
  needs: [`kommo.token:${shop.kommoAccount}`],
  async run(c) {
    const externalId = sourceExternalId(shop.source, shop.shopId);
    const name = `routing for shop ${label(shop)}`;
    try {
      const [source] = await c.kommoRest(shop.kommoAccount).sources([externalId]);
      if (!source)
        return pass(
          `${name}: via Kommo sources (the daemon creates source "${externalId}" at its next start)`,
        );
      if (source.pipelineId !== shop.pipelineId)
        return warn(
          `${name}: via Kommo sources (source id ${source.id}), still pointing at pipeline ${source.pipelineId}`,
          "reload or restart the daemon: it points the source at the configured pipeline (new leads only)",
        );
      return pass(`${name}: via Kommo sources (source id ${source.id})`);
    } catch (err) {
      const why =
        isTkError(err) && err.code === "TK_ERR_KOMMO_SOURCES_REFUSED"
          ? "Kommo refused its Sources API (HTTP 403: the token's user is not an admin, or the integration's widget lacks the lead_sources location)"
          : `the Sources API call failed (${err instanceof Error ? err.message : String(err)})`;
      return warn(`${name}: moved after acceptance, because ${why}`, MOVED_FIX);
    }
  },
});

export const kommoRoutingChecks: CheckGroup = {
  name: "kommo-routing",
  checks(ctx) {
    if (!ctx.configState.ok) return [];
    return ctx
      .shops()
      .flatMap((shop) => [
        ...(shop.pipelineId !== undefined ? [pipeline(shop)] : []),
        ...(shop.responsibleUserId !== undefined ? [responsibleUser(shop)] : []),
        ...(shop.pipelineId !== undefined ? [routing(shop)] : []),
      ]);
  },
};
