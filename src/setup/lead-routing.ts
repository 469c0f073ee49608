/**
 * The routing keys of a new shop (docs/configuration.md#routing-per-shop) for `init` and `shops add`, both
 * marketplaces: `--pipeline ID`, `--responsible-user ID`, `--lead-tag TAG` (repeatable), or, when interactive, a
 * choice among the Kommo account's pipelines and users as its REST API lists them. Users are listed to admins only:
 * for another token the operator types an id, or skips. A flag's id is checked against the same lists, so a
 * mistyped id stops the run before anything is written.
 */
import type { Shop } from "../config/index.js";
import { usageError } from "../errors/index.js";
import type { KommoPipeline, UsersAnswer } from "../kommo/index.js";
import type { Asker } from "./asker.js";

/** What the routing questions need of the account's REST API. */
export interface RoutingRest {
  pipelines(): Promise<KommoPipeline[]>;
  users(): Promise<UsersAnswer>;
}

export interface RoutingFlags {
  pipeline?: string | undefined;
  responsibleUser?: string | undefined;
  leadTag?: string | string[] | undefined;
}

export type RoutingKeys = Pick<Shop, "pipelineId" | "responsibleUserId" | "leadTags">;

const SKIP = "none";
const isId = (v: string) => /^[1-9]\d{0,15}$/.test(v);

/** The tags of repeated --lead-tag flags: non-empty, at most 100 characters each, at most 20. */
export function leadTagsOf(v: RoutingFlags["leadTag"]): string[] {
  const tags = (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((t) => t.trim());
  const bad = tags.find((t) => t === "" || t.length > 100);
  if (bad !== undefined || tags.length > 20)
    throw usageError(
      "--lead-tag takes 1 to 100 characters, at most 20 times",
      "pass each extra lead tag as its own --lead-tag",
    );
  return [...new Set(tags)];
}

function idFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (!isId(v.trim())) throw usageError(`${flag} takes a Kommo id (digits), not "${v}"`, `pass ${flag} ID`);
  return Number(v.trim());
}

async function choosePipeline(ask: Asker, rest: RoutingRest, flag: number | undefined) {
  const all = await rest.pipelines();
  const usable = all.filter((p) => !p.isArchive && p.isUnsortedOn);
  if (flag !== undefined) {
    if (!usable.some((p) => p.id === flag))
      throw usageError(
        `--pipeline ${flag} is not an open pipeline with incoming leads in this Kommo account`,
        `use one of: ${usable.map((p) => `${p.id} (${p.name})`).join(", ")}`,
      );
    return flag;
  }
  if (!ask.interactive) return undefined;
  const v = await ask.prompter.select({
    id: "routing.pipeline",
    message: "Pipeline for this shop's new leads",
    choices: [
      { value: SKIP, name: "the account's default pipeline" },
      ...usable.map((p) => ({ value: String(p.id), name: `${p.name} (${p.id})${p.isMain ? ", main" : ""}` })),
    ],
    default: SKIP,
  });
  return v === SKIP ? undefined : Number(v);
}

async function chooseUser(ask: Asker, rest: RoutingRest, flag: number | undefined) {
  const answer = await rest.users();
  const active = "users" in answer ? answer.users.filter((u) => u.isActive) : undefined;
  if (flag !== undefined) {
    if (active && !active.some((u) => u.id === flag))
      throw usageError(
        `--responsible-user ${flag} is not an active user of this Kommo account`,
        `use one of: ${active.map((u) => `${u.id} (${u.name})`).join(", ")}`,
      );
    return flag;
  }
  if (!ask.interactive) return undefined;
  if (!active) {
    ask.write(
      "  Kommo lists users to admins only; type the responsible user's id, or leave it empty for none.",
    );
    const typed = await ask.ask({
      id: "routing.responsibleUserId",
      message: "Responsible user id (empty: none)",
      optional: true,
      default: "",
      validate: (v) => (isId(v) ? true : "a Kommo user id: digits"),
    });
    return typed?.value ? Number(typed.value) : undefined;
  }
  const v = await ask.prompter.select({
    id: "routing.responsibleUser",
    message: "Responsible user of this shop's new leads",
    choices: [
      { value: SKIP, name: "none" },
      ...active.map((u) => ({ value: String(u.id), name: `${u.name} (${u.id})` })),
    ],
    default: SKIP,
  });
  return v === SKIP ? undefined : Number(v);
}

/**
 * The routing keys for a new shop from the flags, or (interactive, no flag) from the operator's choice. Asks the
 * REST API only for what a flag names or a prompt offers.
 */
export async function chooseRouting(
  ask: Asker,
  rest: () => RoutingRest,
  flags: RoutingFlags,
): Promise<RoutingKeys> {
  const pipelineFlag = idFlag("--pipeline", flags.pipeline);
  const userFlag = idFlag("--responsible-user", flags.responsibleUser);
  let tags = leadTagsOf(flags.leadTag);
  const client = pipelineFlag !== undefined || userFlag !== undefined || ask.interactive ? rest() : undefined;
  const pipelineId = client ? await choosePipeline(ask, client, pipelineFlag) : undefined;
  const responsibleUserId = client ? await chooseUser(ask, client, userFlag) : undefined;
  if (tags.length === 0 && ask.interactive) {
    const typed = await ask.ask({
      id: "routing.leadTags",
      message: "Extra tags for this shop's leads, comma-separated (empty: none)",
      optional: true,
      default: "",
    });
    tags = leadTagsOf(typed ? typed.value.split(",").filter((t) => t.trim() !== "") : []);
  }
  return {
    ...(pipelineId !== undefined ? { pipelineId } : {}),
    ...(responsibleUserId !== undefined ? { responsibleUserId } : {}),
    ...(tags.length > 0 ? { leadTags: tags } : {}),
  };
}

/** The config with the routing keys on the named shops of one marketplace (those a run just bound). */
export function withRouting<C extends { shops: Shop[] }>(
  config: C,
  source: Shop["source"],
  shopIds: string[],
  keys: RoutingKeys,
): C {
  const ids = new Set(shopIds);
  return {
    ...config,
    shops: config.shops.map((s) => (s.source === source && ids.has(s.shopId) ? { ...s, ...keys } : s)),
  };
}
