/**
 * A project shared with a group of the realm: the owner's UMA policy on the project's resource, naming the group
 * and the project scopes its members hold. Keycloak's account API (and its Account Console) shares with users
 * only; its policy API shares with groups, but only for the resource's owner and only with a token the resource
 * server was issued for that owner. So the gate exchanges the owner's own token for one (standard token exchange,
 * with the resource server's secret) and Keycloak itself checks that the caller owns the project.
 *
 * Measured on Keycloak 26.5: a policy naming a group the realm lacks is stored without any group (so the gate
 * checks what Keycloak stored); policy names are unique per resource server (409 for a second one); a policy
 * goes with its resource when the resource is removed, so a project made again under the name inherits none.
 */
import { parseJsonArray, parseJsonObject } from './json-object';
import type { Scope } from './permissions';
import { PROJECT_SCOPES } from './projects';
import type { Refusal } from './refusals';

/** Where the gate answers a project's group shares: `<location>/<project>` (GET lists, PUT sets one group's). */
export const GROUP_SHARES_LOCATION = '/_mlflow_gate/group-shares';

export interface GroupShare {
  /** The group's path in the realm, as Keycloak writes it: `/parent/child`. */
  readonly group: string;
  /** The project scopes its members hold, by the gate's names (read, write, delete), sorted. */
  readonly scopes: readonly Scope[];
}

// Keycloak keeps policy names up to 255 characters, and the gate's name adds the resource id (36) and 18 more.
const MAX_GROUP_PATH = 200;
const GROUP_PATH = /^(?:\/[^/\x00-\x1f\x7f]+)+$/;

export function isGroupPath(text: string): boolean {
  return text.length <= MAX_GROUP_PATH && GROUP_PATH.test(text);
}

/** The project scopes by the gate's names. A function: njs 0.7.9 evaluates a bundle's top level on every request. */
function scopeNames(): Scope[] {
  return Object.keys(PROJECT_SCOPES) as Scope[];
}

function scopeOfKeycloak(name: unknown): Scope | null {
  const names = scopeNames();
  for (let i = 0; i < names.length; i++) if (PROJECT_SCOPES[names[i]] === name) return names[i];
  return null;
}

function sortedScopes(scopes: readonly Scope[]): Scope[] {
  return scopeNames().filter((scope) => scopes.indexOf(scope) >= 0);
}

export type GroupShareChange =
  | { readonly ok: true; readonly group: string; readonly scopes: readonly Scope[] }
  | { readonly ok: false; readonly refusal: Refusal };

/**
 * The body of a PUT: `{"group": "/path", "scopes": ["read", …]}`, the scopes the group is to hold from now on (none:
 * the share ends). Anything else is refused.
 */
export function parseGroupShareChange(body: string): GroupShareChange {
  const refused = (detail: string): GroupShareChange => ({ ok: false, refusal: { kind: 'bad-request', detail } });
  const change = parseJsonObject(body);
  if (change === null) return refused('a group share is a JSON object {"group": "/path", "scopes": [...]}');
  const keys = Object.keys(change);
  if (keys.some((key) => key !== 'group' && key !== 'scopes')) return refused('a group share has only "group" and "scopes"');
  if (typeof change.group !== 'string' || !isGroupPath(change.group)) return refused(`"group" is a group's path, like /team/members, of at most ${MAX_GROUP_PATH} characters`);
  const scopes = change.scopes;
  if (!Array.isArray(scopes) || scopes.some((scope) => typeof scope !== 'string' || scopeNames().indexOf(scope as Scope) < 0)) {
    return refused(`"scopes" is a list of ${scopeNames().join(', ')}`);
  }
  return { ok: true, group: change.group, scopes: sortedScopes(scopes as Scope[]) };
}

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * The token request that turns the owner's access token into one the resource server holds for the owner
 * (Keycloak's standard token exchange: the realm enables it on the resource server, and the owner's login client
 * puts the resource server in its tokens' audience).
 */
export function ownerTokenRequestBody(resourceServer: string, secret: string, ownerToken: string): string {
  const fields: [string, string][] = [
    ['grant_type', TOKEN_EXCHANGE_GRANT],
    ['client_id', resourceServer],
    ['client_secret', secret],
    ['subject_token', ownerToken],
    ['subject_token_type', ACCESS_TOKEN_TYPE],
    ['requested_token_type', ACCESS_TOKEN_TYPE],
  ];
  return fields.map((field) => `${field[0]}=${encodeURIComponent(field[1])}`).join('&');
}

/** The name of the gate's policy for one group on one resource: unique in the resource server, as Keycloak needs. */
export function groupPolicyName(resourceId: string, group: string): string {
  return `project ${resourceId} group ${group}`;
}

/** The policy Keycloak's policy API takes (POST to the resource, or PUT with `id` to change it). */
export function groupPolicyBody(resourceId: string, group: string, scopes: readonly Scope[], id: string | null): string {
  const policy = {
    name: groupPolicyName(resourceId, group),
    description: `Members of ${group} may ${sortedScopes(scopes).join(', ')} in this project (mlflow-uma-gate share).`,
    scopes: sortedScopes(scopes).map((scope) => PROJECT_SCOPES[scope]),
    groups: [group],
  };
  return JSON.stringify(id === null ? policy : { id, ...policy });
}

export interface GroupPolicy {
  readonly id: string;
  readonly name: string;
  readonly groups: readonly string[];
  readonly scopes: readonly Scope[];
}

/** The policies on a resource that name groups, from the policy API's listing; null when the answer is not one. */
export function groupPolicies(listing: string): GroupPolicy[] | null {
  const parsed = parseJsonArray(listing);
  if (parsed === null) return null;
  const policies: GroupPolicy[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const policy = parsed[i] as { id?: unknown; name?: unknown; groups?: unknown; scopes?: unknown };
    if (policy === null || typeof policy !== 'object' || typeof policy.id !== 'string' || typeof policy.name !== 'string') return null;
    const groups = Array.isArray(policy.groups) ? policy.groups.filter((group): group is string => typeof group === 'string') : [];
    if (groups.length === 0) continue;
    const scopes = Array.isArray(policy.scopes) ? policy.scopes.map(scopeOfKeycloak).filter((scope): scope is Scope => scope !== null) : [];
    policies.push({ id: policy.id, name: policy.name, groups, scopes: sortedScopes(scopes) });
  }
  return policies;
}

/** Who holds what through groups: one entry per group, the scopes of every policy naming it together. */
export function groupSharesOf(policies: readonly GroupPolicy[]): GroupShare[] {
  const byGroup: { [group: string]: Scope[] } = {};
  policies.forEach((policy) =>
    policy.groups.forEach((group) => {
      byGroup[group] = (byGroup[group] || []).concat(policy.scopes);
    }),
  );
  return Object.keys(byGroup)
    .sort()
    .map((group) => ({ group, scopes: sortedScopes(byGroup[group]) }));
}

/** The gate's own policy for this group, among the resource's. */
export function gatePolicyFor(policies: readonly GroupPolicy[], resourceId: string, group: string): GroupPolicy | null {
  const name = groupPolicyName(resourceId, group);
  for (let i = 0; i < policies.length; i++) if (policies[i].name === name) return policies[i];
  return null;
}

/**
 * The policy Keycloak made: its id, and whether it names the group it was asked to (Keycloak drops a group the
 * realm does not have, silently, and keeps the policy).
 */
export function createdPolicy(answer: string, group: string): { readonly id: string | null; readonly namesGroup: boolean } {
  const policy = parseJsonObject(answer);
  if (policy === null) return { id: null, namesGroup: false };
  return { id: typeof policy.id === 'string' ? policy.id : null, namesGroup: Array.isArray(policy.groups) && policy.groups.indexOf(group) >= 0 };
}

export function groupSharesBody(project: string, shares: readonly GroupShare[]): string {
  return JSON.stringify({ project, group_shares: shares });
}
