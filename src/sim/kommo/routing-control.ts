/**
 * The simulator's control API for routing (KommoSimulator.routing): more pipelines and users per account, the
 * token's rights (admin, the widget's lead_sources location), and what the integration did to its sources.
 */
import { addedPipelineId, MAX_PIPELINES, pipelinesOf } from "./pipeline-routes.js";
import type { SimState } from "./state.js";
import type { SimPipeline, SimRights, SimSource, SimUser } from "./types.js";
import { rightsOf } from "./user-routes.js";

export class KommoRoutingControl {
  private nextUserId = 9_120_001;

  constructor(private readonly state: SimState) {}

  /** Another pipeline of the account (incoming step on, not archived unless said). */
  addPipeline(
    accountId: number,
    input: { name?: string; archived?: boolean; incomingOn?: boolean } = {},
  ): SimPipeline {
    const n = pipelinesOf(this.state, this.account(accountId)).length - 1;
    if (n + 1 >= MAX_PIPELINES) throw new Error(`sim: at most ${MAX_PIPELINES} pipelines per account`);
    const p: SimPipeline = {
      id: addedPipelineId(accountId, n),
      accountId,
      name: input.name ?? `Pipeline ${n + 2}`,
      isMain: false,
      isArchive: input.archived ?? false,
      isUnsortedOn: input.incomingOn ?? true,
    };
    this.state.pipelines.set(p.id, p);
    return { ...p };
  }

  /** Every pipeline of the account, the main one first. */
  pipelines(accountId: number): SimPipeline[] {
    return pipelinesOf(this.state, this.account(accountId)).map((p) => ({ ...p }));
  }

  /** Another user of the account (active, not an admin unless said). */
  addUser(accountId: number, input: { name?: string; active?: boolean; admin?: boolean } = {}): SimUser {
    this.account(accountId);
    const id = this.nextUserId++;
    const u: SimUser = {
      id,
      accountId,
      name: input.name ?? `Manager ${id}`,
      email: `user${id}@example.com`,
      isAdmin: input.admin ?? false,
      isActive: input.active ?? true,
      isFree: false,
    };
    this.state.users.set(id, u);
    return { ...u };
  }

  /**
   * The account's token rights: `admin: false` refuses /api/v4/users and /api/v4/sources (403), `leadSources:
   * false` (the widget lacks the lead_sources location) refuses /api/v4/sources only.
   */
  setRights(accountId: number, rights: Partial<SimRights>): void {
    this.state.rights.set(accountId, { ...rightsOf(this.state, this.account(accountId)), ...rights });
  }

  /** The integration's sources in the account. */
  sources(accountId: number): SimSource[] {
    return [...this.state.sources.values()].filter((s) => s.accountId === accountId).map((s) => ({ ...s }));
  }

  private account(accountId: number): number {
    if (!this.state.accounts.has(accountId)) throw new Error(`unknown account ${accountId}`);
    return accountId;
  }
}
