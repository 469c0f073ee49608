/**
 * Users of the simulated account (docs/platforms/kommo.md#users): `GET /api/v4/users` and `/api/v4/users/{id}`,
 * admin rights only (403 for any other token). The account's current user (the token's owner) is always there, an
 * active admin; tests add more with KommoSimulator.addUser and take rights away with setRights.
 */
import { empty, hal, problem, type SimReply } from "./reply.js";
import type { RestCall, RestHandler } from "./rest-routes.js";
import type { SimState } from "./state.js";
import type { SimRights, SimUser } from "./types.js";

/** The token's rights in its account; by default an admin whose integration has the lead_sources location. */
export function rightsOf(state: SimState, accountId: number): SimRights {
  return state.rights.get(accountId) ?? { admin: true, leadSources: true };
}

/** Every user of the account, the current user first. */
export function usersOf(state: SimState, accountId: number): SimUser[] {
  const account = state.accounts.get(accountId);
  const current: SimUser[] = account
    ? [
        {
          id: account.currentUserId,
          accountId,
          name: "Account owner",
          email: `owner@${account.subdomain}.example`,
          isAdmin: true,
          isActive: true,
          isFree: false,
        },
      ]
    : [];
  return [...current, ...[...state.users.values()].filter((u) => u.accountId === accountId)];
}

const notAdmin = () => problem(403, "Forbidden", "Access denied: the user is not an account administrator");

function userView(c: RestCall, u: SimUser): Record<string, unknown> {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    lang: "en",
    rights: {
      leads: { view: "A", edit: "A", add: "A", delete: "A", export: "A" },
      is_admin: u.isAdmin,
      is_free: u.isFree,
      is_active: u.isActive,
      group_id: null,
      role_id: null,
      status_rights: [],
    },
    _links: { self: { href: `${c.origin}/api/v4/users/${u.id}` } },
  };
}

function listUsers(c: RestCall): SimReply {
  if (!rightsOf(c.state, c.account.id).admin) return notAdmin();
  const limit = c.q.has("limit") ? Number(c.q.get("limit")) : 50;
  const page = Number(c.q.get("page") ?? "1");
  if (!Number.isInteger(page) || page < 1) return problem(400, "Bad Request", "Invalid page");
  const all = usersOf(c.state, c.account.id);
  const slice = all.slice((page - 1) * limit, page * limit);
  if (slice.length === 0) return empty(204);
  return hal({
    _total_items: all.length,
    _page: page,
    _page_count: Math.ceil(all.length / limit),
    _links: { self: { href: `${c.origin}/api/v4/users` } },
    _embedded: { users: slice.map((u) => userView(c, u)) },
  });
}

function readUser(c: RestCall): SimReply {
  if (!rightsOf(c.state, c.account.id).admin) return notAdmin();
  const u = usersOf(c.state, c.account.id).find((x) => String(x.id) === c.params.id);
  if (!u) return problem(404, "Not Found", `Cannot GET ${c.origin}${c.path}`);
  return hal(userView(c, u));
}

export const USER_ROUTES: Array<{ method: "GET"; path: string; handler: RestHandler }> = [
  { method: "GET", path: "/api/v4/users", handler: listUsers },
  { method: "GET", path: "/api/v4/users/{id}", handler: readUser },
];
