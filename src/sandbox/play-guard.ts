/**
 * The sandbox lines of the reply-time guard and lead routing: `shop NAME` (which shop later buyers write to),
 * `wait MINUTES` (the guard's clock moves on; the guard looks at once) and `expect task | no task | pipeline ID`
 * about the current buyer's lead in the Kommo simulator.
 */
import { TkError } from "../errors/index.js";
import { leadStage } from "../sim/kommo/pipeline-routes.js";
import type { SimLead, SimPipeline } from "../sim/kommo/types.js";
import type { ExpectStep, LeadExpectStep, ShopStep, WaitStep } from "./script.js";
import { kommoMessages, type SandboxSides } from "./world.js";

type Shop = SandboxSides["shop"];

export function isLeadExpect(step: ExpectStep): step is LeadExpectStep {
  return step.what === "task" || step.what === "no task" || step.what === "pipeline";
}

/** The shop a `shop` line names (by name or id); a script error for one the sandbox does not have. */
export function pickShop(sides: SandboxSides, step: ShopStep): Shop {
  const shops = sides.shops ?? [sides.shop];
  const want = step.shop.toLowerCase();
  const found = shops.find((s) => s.name.toLowerCase() === want || s.shopId === step.shop);
  if (found) return found;
  throw new TkError("TK_ERR_SANDBOX_SCRIPT", `script line ${step.line}: no shop "${step.shop}" here`, {
    fix: `The sandbox's shops: ${shops.map((s) => s.name).join(", ")}.`,
    exitCode: 2,
  });
}

/** Moves the guard's clock on; a script error where the sandbox does not run the bridge itself. */
export async function waitMinutes(sides: SandboxSides, step: WaitStep): Promise<void> {
  if (!sides.guard) {
    throw new TkError(
      "TK_ERR_SANDBOX_SCRIPT",
      `script line ${step.line}: \`wait\` moves the reply-time guard's clock, which only \`tokokommo sandbox\` runs`,
      { fix: "Drop the `wait` lines when playing against your own daemon (`sandbox --serve`).", exitCode: 2 },
    );
  }
  await sides.guard.advance(step.minutes);
}

/** The Kommo lead of a conversation, once Kommo made it. */
function leadOf(sides: SandboxSides, conversationId: string) {
  const first = kommoMessages(sides, conversationId)[0];
  return first && sides.kommo.leads().find((l) => l.chatAmojoId === first.chatAmojoId);
}

/** Open tasks on a lead. */
export function openTasks(sides: SandboxSides, leadId: number) {
  return sides.kommo
    .tasks()
    .filter((t) => t.entityType === "leads" && t.entityId === leadId && !t.isCompleted);
}

/** The simulator's pipeline the lead sits in (its name for the transcript and `expect pipeline NAME`). */
export function pipelineOfLead(sides: SandboxSides, lead: SimLead): SimPipeline | undefined {
  const id = leadStage(lead).pipeline_id;
  return sides.kommo.routing.pipelines(lead.accountId).find((p) => p.id === id);
}

/**
 * Why a task or pipeline expectation does not hold for the buyer's conversation, or undefined when it does. The
 * task expectations are checked again until the sandbox's wait is over (the guard acts a moment after a reply).
 */
export function guardUnmet(
  sides: SandboxSides,
  buyer: string | undefined,
  conversationId: string | undefined,
  step: LeadExpectStep,
): string | undefined {
  const lead = conversationId ? leadOf(sides, conversationId) : undefined;
  if (!lead) return buyer === undefined ? "no buyer has written yet" : `no lead for ${buyer} in Kommo`;
  if (step.what === "pipeline") {
    const id = leadStage(lead).pipeline_id;
    const name = pipelineOfLead(sides, lead)?.name ?? "";
    const wanted = "pipelineId" in step ? String(step.pipelineId) : step.pipelineName;
    const held = "pipelineId" in step ? id === step.pipelineId : name.toLowerCase() === wanted.toLowerCase();
    return held ? undefined : `lead #${lead.id} is in pipeline ${id} (${name}), not ${wanted}`;
  }
  const open = openTasks(sides, lead.id).length;
  if (step.what === "task")
    return open === 1 ? undefined : `lead #${lead.id} has ${open} open tasks, expected 1`;
  return open === 0
    ? undefined
    : `lead #${lead.id} has ${open} open task${open === 1 ? "" : "s"}, expected none`;
}
