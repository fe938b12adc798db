/**
 * Projects: MLflow workspaces whose owners share them with others, kept as Keycloak resources.
 *
 * A request's workspace is named by one `X-MLFLOW-WORKSPACE` header (none means `default`, which keeps the
 * role-based rules). Every other workspace is a project: one resource of type PROJECT_TYPE in the resource
 * server, named `project:<workspace>`, owned by the person who created it, with the scopes of PROJECT_SCOPES.
 * A request in a project needs its route's permission (`runs#write`) and the matching project scope
 * (`project-write`) on that resource, asked of Keycloak in one request.
 *
 * Traps measured on Keycloak (the notes in the issue): resource names are unique per owner only, so the gate
 * looks projects up by name with the resource server's own token, where it alone registers them; scope
 * permissions that name no resources apply to every resource with those scope names, so projects have scopes of
 * their own; `response_mode=decision` with several permissions answers true when any one is granted, so both
 * permissions are checked in a `response_mode=permissions` answer.
 */
import { UMA_GRANT_TYPE } from './decision';
import { parseJsonArray, parseJsonObject } from './json-object';
import type { Permission, Scope } from './permissions';
import type { Refusal } from './refusals';

export const WORKSPACE_HEADER = 'X-MLFLOW-WORKSPACE';
export const DEFAULT_WORKSPACE = 'default';
/** MLflow's rule for workspace names: lower case, digits and inner hyphens, 2 to 63 characters. */
const WORKSPACE_NAME = /^[a-z0-9][-a-z0-9]{0,61}[a-z0-9]$/;

export const PROJECT_TYPE = 'urn:mlflow:project';
/** The project scope a route's scope needs: their own names, so that no role permission reaches projects. */
export const PROJECT_SCOPES: { readonly [scope in Scope]: string } = {
  read: 'project-read',
  write: 'project-write',
  delete: 'project-delete',
};
const RESOURCE_PREFIX = 'project:';
/**
 * The realm's template of every project resource (Keycloak's typed resources): its permissions apply to all
 * projects, so whoever may read it (admins) may read every workspace, also one without a resource yet.
 */
export const PROJECTS_TEMPLATE = 'all-projects';

export function isWorkspaceName(name: string): boolean {
  return WORKSPACE_NAME.test(name);
}

/** The Keycloak resource name of a project: prefixed, so it can never be taken for a role resource (`runs`). */
export function projectResourceName(workspace: string): string {
  return RESOURCE_PREFIX + workspace;
}

export function workspaceOfResource(name: string): string | null {
  if (name.indexOf(RESOURCE_PREFIX) !== 0) return null;
  const workspace = name.slice(RESOURCE_PREFIX.length);
  return isWorkspaceName(workspace) ? workspace : null;
}

export type WorkspaceHeader =
  | {
      readonly ok: true;
      /** The workspace the request is in: null for `default` (also when the client named none). */
      readonly project: string | null;
      /** The value forwarded to MLflow: exactly what was authorized; empty when the client sent none. */
      readonly forwarded: string;
    }
  | { readonly ok: false; readonly refusal: Refusal };

function badRequest(detail: string): WorkspaceHeader {
  return { ok: false, refusal: { kind: 'bad-request', detail } };
}

/**
 * The request's workspace, from its headers as sent. MLflow takes the first of several headers, trims the value
 * and ignores other spellings, while a proxy in between may pass on any of them: anything but exactly one
 * well-formed header is refused, never interpreted.
 */
export function requestWorkspace(headers: readonly (readonly [string, string])[]): WorkspaceHeader {
  const canonical = WORKSPACE_HEADER.toLowerCase();
  let value: string | null = null;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i][0].toLowerCase();
    if (name !== canonical) {
      if (name.split('_').join('-') === canonical) return badRequest(`header ${headers[i][0]} is not accepted: spell it ${WORKSPACE_HEADER}`);
      continue;
    }
    if (value !== null) return badRequest(`more than one ${WORKSPACE_HEADER} header`);
    value = headers[i][1];
  }
  // An empty value is MLflow's `default` (the UI sends one with its workspace calls); nginx trims values.
  if (value === null || value === '') return { ok: true, project: null, forwarded: '' };
  if (!isWorkspaceName(value)) {
    return badRequest(`${WORKSPACE_HEADER} must name a workspace exactly (lower-case letters, digits and inner hyphens, 2 to 63)`);
  }
  return { ok: true, project: value === DEFAULT_WORKSPACE ? null : value, forwarded: value };
}

/** What the workspace routes of MLflow do, keyed by method and rule without the `/api` or `/ajax-api` prefix. */
export type WorkspaceOperation = 'list' | 'create' | 'read' | 'update' | 'delete';
export const WORKSPACE_RULES: { readonly [methodAndRule: string]: WorkspaceOperation } = {
  'GET /3.0/mlflow/workspaces': 'list',
  'POST /3.0/mlflow/workspaces': 'create',
  'GET /3.0/mlflow/workspaces/<workspace_name>': 'read',
  'PATCH /3.0/mlflow/workspaces/<workspace_name>': 'update',
  'DELETE /3.0/mlflow/workspaces/<workspace_name>': 'delete',
};
/**
 * Routes MLflow answers without resolving the request's workspace: the mlflow client asks `server-info` before
 * its first call in a workspace, so a caller outside the project meets MLflow's usual refusal on that call.
 */
const UNSCOPED_RULES: readonly string[] = ['GET /3.0/mlflow/server-info'];

export function isUnscoped(method: string, rule: string): boolean {
  return UNSCOPED_RULES.indexOf(`${method} ${rule.replace(API_PREFIX, '')}`) >= 0;
}

/** The project scope a request to a named workspace needs. */
const OPERATION_SCOPES: { readonly [operation: string]: Scope } = { read: 'read', update: 'write', delete: 'delete' };

const API_PREFIX = /^\/(?:api|ajax-api)(?=\/)/;

export function workspaceOperation(method: string, rule: string): WorkspaceOperation | null {
  const key = `${method} ${rule.replace(API_PREFIX, '')}`;
  return Object.prototype.hasOwnProperty.call(WORKSPACE_RULES, key) ? WORKSPACE_RULES[key] : null;
}

/** What a request asks of its project: which project, and which project scope. */
export interface ProjectAsk {
  readonly project: string;
  readonly scope: string;
}

export type ProjectOfRequest = { readonly ok: true; readonly ask: ProjectAsk | null } | { readonly ok: false; readonly refusal: Refusal };

function scopeOf(permission: Permission): Scope {
  return permission.slice(permission.indexOf('#') + 1) as Scope;
}

/**
 * The project a request is authorized against. Requests to one workspace by name (get, update, delete) are about
 * that workspace, whatever workspace the request is in; they may name no other project in the header. Listing
 * and creating are answered by the gate (the list filtered, the creation registered), in no project, and so are
 * `unscoped` routes (isUnscoped).
 */
export function projectOfRequest(permission: Permission, operation: WorkspaceOperation | null, header: WorkspaceHeader & { ok: true }, path: string, unscoped: boolean): ProjectOfRequest {
  if (operation === 'list' || operation === 'create' || unscoped) return { ok: true, ask: null };
  if (operation === null) return { ok: true, ask: header.project === null ? null : { project: header.project, scope: PROJECT_SCOPES[scopeOf(permission)] } };
  const named = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (!isWorkspaceName(named)) return { ok: false, refusal: { kind: 'bad-request', detail: 'the path must name a workspace exactly' } };
  if (header.project !== null && header.project !== named) {
    return { ok: false, refusal: { kind: 'bad-request', detail: `${WORKSPACE_HEADER} names another workspace than the path` } };
  }
  if (named === DEFAULT_WORKSPACE) return operation === 'delete' ? { ok: false, refusal: { kind: 'forbidden', detail: 'the default workspace cannot be deleted' } } : { ok: true, ask: null };
  return { ok: true, ask: { project: named, scope: PROJECT_SCOPES[OPERATION_SCOPES[operation]] } };
}

/** A project resource as the resource server's protection API lists it (`deep=true`). */
export interface ProjectResource {
  readonly id: string;
  readonly workspace: string;
  readonly owner: string;
  /** When the project was deleted (seconds); null while it lives. See tombstoneSeconds. */
  readonly deletedAt: number | null;
}

export const DELETED_AT_ATTRIBUTE = 'mlflow_gate_deleted_at';

function projectResource(entry: unknown): ProjectResource | null {
  if (entry === null || typeof entry !== 'object') return null;
  const resource = entry as { _id?: unknown; name?: unknown; type?: unknown; owner?: unknown; attributes?: unknown };
  if (typeof resource._id !== 'string' || typeof resource.name !== 'string' || resource.type !== PROJECT_TYPE) return null;
  const workspace = workspaceOfResource(resource.name);
  if (workspace === null) return null;
  const owner = resource.owner !== null && typeof resource.owner === 'object' ? (resource.owner as { name?: unknown; id?: unknown }) : {};
  const attributes = resource.attributes !== null && typeof resource.attributes === 'object' ? (resource.attributes as { [name: string]: unknown }) : {};
  const deleted = attributes[DELETED_AT_ATTRIBUTE];
  const deletedAt = Array.isArray(deleted) && typeof deleted[0] === 'string' && /^\d+$/.test(deleted[0]) ? Number(deleted[0]) : null;
  return { id: resource._id, workspace, owner: typeof owner.name === 'string' ? owner.name : String(owner.id || ''), deletedAt };
}

export type ProjectLookup =
  | { readonly kind: 'found'; readonly resource: ProjectResource }
  | { readonly kind: 'none' }
  | { readonly kind: 'failed'; readonly refusal: Refusal; readonly logLine: string };

/**
 * The answer to a lookup of one project by its resource name. Only the gate registers projects, one per
 * workspace; a second resource of the name is a realm changed by hand, and nothing is allowed in it.
 */
export function interpretProjectLookup(workspace: string, status: number, body: string): ProjectLookup {
  const listed = status === 200 ? parseJsonArray(body) : null;
  if (listed === null) {
    return { kind: 'failed', refusal: { kind: 'keycloak-unavailable', detail: `status ${status}` }, logLine: `project lookup of ${workspace} answered ${status}` };
  }
  const resources = listed.map(projectResource).filter((resource): resource is ProjectResource => resource !== null && resource.workspace === workspace);
  if (resources.length === 0) return { kind: 'none' };
  if (resources.length > 1) {
    return {
      kind: 'failed',
      refusal: { kind: 'internal', detail: `project ${workspace} has several Keycloak resources` },
      logLine: `project ${workspace} has ${resources.length} Keycloak resources; run "mlflow-uma-gate reconcile"`,
    };
  }
  return { kind: 'found', resource: resources[0] };
}

/** Every project resource of a listing (resources of other types and malformed entries are skipped). */
export function projectResources(body: string): ProjectResource[] | null {
  const listed = parseJsonArray(body);
  return listed === null ? null : listed.map(projectResource).filter((resource): resource is ProjectResource => resource !== null);
}

/**
 * How long a deleted project's name stays taken. A cached allow lives at most one allow lifetime, and so does a
 * cached lookup that still shows the project alive: after both, nothing cached can let anyone into a new
 * project of the same name.
 */
export function tombstoneSeconds(allowLifetimeSeconds: number | null): number {
  return 2 * (allowLifetimeSeconds === null ? 0 : allowLifetimeSeconds) + 5;
}

/** The permissions request for a request in a project: the route's permission and the project's scope. */
export function projectPermissionsBody(resourceServer: string, permission: Permission, resourceId: string, scope: string): string {
  return [
    `grant_type=${encodeURIComponent(UMA_GRANT_TYPE)}`,
    `audience=${encodeURIComponent(resourceServer)}`,
    `permission=${encodeURIComponent(permission)}`,
    `permission=${encodeURIComponent(`${resourceId}#${scope}`)}`,
    'response_mode=permissions',
  ].join('&');
}

/** Which of the asked `id#scope` pairs a `response_mode=permissions` answer grants. */
export function grantedPairs(body: string): string[] | null {
  const listed = parseJsonArray(body);
  if (listed === null) return null;
  const granted: string[] = [];
  listed.forEach((entry) => {
    const permission = entry !== null && typeof entry === 'object' ? (entry as { rsid?: unknown; rsname?: unknown; scopes?: unknown }) : {};
    const scopes = Array.isArray(permission.scopes) ? permission.scopes : [];
    scopes.forEach((scope) => {
      if (typeof scope !== 'string') return;
      if (typeof permission.rsid === 'string') granted.push(`${permission.rsid}#${scope}`);
      if (typeof permission.rsname === 'string') granted.push(`${permission.rsname}#${scope}`);
    });
  });
  return granted;
}

/** The decision for a request in a project, in the shape of Keycloak's decision answer (interpretDecision). */
export interface ProjectAnswer {
  readonly status: number;
  readonly body: string;
}

const GRANTED: ProjectAnswer = { status: 200, body: '{"result":true}' };
const DENIED: ProjectAnswer = { status: 403, body: '{"error":"access_denied","error_description":"not_authorized"}' };

/**
 * Keycloak's answer to projectPermissionsBody, as a decision: granted only when both the route's permission (by
 * name) and the project's scope (by id) are in it. A missing, deleted or ambiguous project is denied.
 */
export function projectAnswer(lookup: ProjectLookup, permission: Permission, scope: string, status: number, body: string): ProjectAnswer {
  if (lookup.kind !== 'found' || lookup.resource.deletedAt !== null) return DENIED;
  if (status === 403) return DENIED;
  if (status === 400 || status === 401) return { status, body };
  const granted = status === 200 ? grantedPairs(body) : null;
  if (granted === null) return { status: 503, body: parseJsonObject(body) === null ? '{}' : body };
  return granted.indexOf(permission) >= 0 && granted.indexOf(`${lookup.resource.id}#${scope}`) >= 0 ? GRANTED : DENIED;
}

/** The protection API's representation of a new project, owned by the person who creates it. */
export function projectRegistration(workspace: string, owner: string): string {
  return JSON.stringify({
    name: projectResourceName(workspace),
    type: PROJECT_TYPE,
    owner,
    ownerManagedAccess: true,
    resource_scopes: [PROJECT_SCOPES.read, PROJECT_SCOPES.write, PROJECT_SCOPES.delete],
  });
}

/**
 * The owner's own access: Keycloak gives a resource's owner nothing by itself, so the owner holds a granted ticket
 * for each scope, as anyone the owner shares with does.
 */
export function ownerTickets(resourceId: string, owner: string): string[] {
  return [PROJECT_SCOPES.read, PROJECT_SCOPES.write, PROJECT_SCOPES.delete].map((scopeName) =>
    JSON.stringify({ resource: resourceId, requesterName: owner, granted: true, scopeName }),
  );
}

export type CreationRequest = { readonly ok: true; readonly workspace: string } | { readonly ok: false; readonly refusal: Refusal };

/**
 * The body of a workspace creation, as far as the gate lets it through. An artifact root chosen by the creator
 * could point into another project's artifacts, so only an administrator sets one (PATCH).
 */
export function checkCreation(body: string): CreationRequest {
  const request = parseJsonObject(body);
  if (request === null) return { ok: false, refusal: { kind: 'bad-request', detail: 'the body must be a JSON object' } };
  const name = request.name;
  if (typeof name !== 'string' || !isWorkspaceName(name)) return { ok: false, refusal: { kind: 'bad-request', detail: 'the workspace name must be lower-case letters, digits and inner hyphens, 2 to 63' } };
  if (name === DEFAULT_WORKSPACE) return { ok: false, refusal: { kind: 'bad-request', detail: 'the default workspace exists already' } };
  if ((request.default_artifact_root !== undefined && request.default_artifact_root !== '') || request.trace_archival_config !== undefined) {
    return { ok: false, refusal: { kind: 'bad-request', detail: "a project's default_artifact_root and trace_archival_config are set by an administrator (PATCH)" } };
  }
  return { ok: true, workspace: name };
}

export type TakenName = { readonly taken: false; readonly tombstone: ProjectResource | null } | { readonly taken: true; readonly refusal: Refusal };

/**
 * Whether `creator` may give a name to a new project now: not while it lives; after its deletion, only its former
 * owner (MLflow leaves a deleted workspace's artifacts in place, and a new workspace of the name reads them), and
 * only after tombstoneSeconds. An administrator releases a name by removing its resource in Keycloak.
 */
export function nameAvailability(lookup: ProjectLookup & { kind: 'found' | 'none' }, allowLifetimeSeconds: number | null, nowSeconds: number, creator: string): TakenName {
  if (lookup.kind === 'none') return { taken: false, tombstone: null };
  const resource = lookup.resource;
  if (resource.deletedAt === null) return { taken: true, refusal: { kind: 'project-exists', detail: resource.workspace } };
  if (resource.owner !== creator) return { taken: true, refusal: { kind: 'project-name-held', detail: resource.workspace } };
  const free = resource.deletedAt + tombstoneSeconds(allowLifetimeSeconds);
  if (nowSeconds < free) return { taken: true, refusal: { kind: 'project-name-resting', detail: `${resource.workspace} (free again in ${free - nowSeconds} s)` } };
  return { taken: false, tombstone: resource };
}

/** MLflow's workspace list, reduced to `default` and the projects in `readable` (all of them for 'all'). */
export function filterWorkspaceList(body: string, readable: readonly string[] | 'all'): string | null {
  const listed = parseJsonObject(body);
  if (listed === null || !Array.isArray(listed.workspaces)) return null;
  const workspaces = listed.workspaces.filter((entry: unknown) => {
    const name = entry !== null && typeof entry === 'object' ? (entry as { name?: unknown }).name : undefined;
    return typeof name === 'string' && (readable === 'all' || name === DEFAULT_WORKSPACE || readable.indexOf(name) >= 0);
  });
  return JSON.stringify({ ...listed, workspaces });
}

/** The permissions request asking which of these projects the caller may read, and whether all of them. */
export function readablePermissionsBody(resourceServer: string, resources: readonly ProjectResource[]): string {
  return [`grant_type=${encodeURIComponent(UMA_GRANT_TYPE)}`, `audience=${encodeURIComponent(resourceServer)}`]
    .concat([`permission=${encodeURIComponent(`${PROJECTS_TEMPLATE}#${PROJECT_SCOPES.read}`)}`])
    .concat(resources.map((resource) => `permission=${encodeURIComponent(`${resource.id}#${PROJECT_SCOPES.read}`)}`))
    .concat(['response_mode=permissions'])
    .join('&');
}

/** The workspaces of `resources` that a permissions answer (status, body) lets the caller read; 'all' for admins. */
export function readableWorkspaces(resources: readonly ProjectResource[], status: number, body: string): string[] | 'all' | null {
  if (status === 403) return [];
  const granted = status === 200 ? grantedPairs(body) : null;
  if (granted === null) return null;
  if (granted.indexOf(`${PROJECTS_TEMPLATE}#${PROJECT_SCOPES.read}`) >= 0) return 'all';
  return resources.filter((resource) => resource.deletedAt === null && granted.indexOf(`${resource.id}#${PROJECT_SCOPES.read}`) >= 0).map((resource) => resource.workspace);
}

/** The resource with the deletion mark set (a number of seconds) or removed (null), for the protection API's PUT. */
export function markedResource(representation: string, deletedAt: number | null): string | null {
  const resource = parseJsonObject(representation);
  if (resource === null) return null;
  const attributes: { [name: string]: unknown } =
    resource.attributes !== null && typeof resource.attributes === 'object' ? { ...(resource.attributes as object) } : {};
  if (deletedAt === null) delete attributes[DELETED_AT_ATTRIBUTE];
  else attributes[DELETED_AT_ATTRIBUTE] = [String(deletedAt)];
  return JSON.stringify({ ...resource, attributes });
}

/** The id of a resource the protection API has just registered (its 201 answer). */
export function registeredId(body: string): string | null {
  const registered = parseJsonObject(body);
  return registered !== null && typeof registered._id === 'string' ? registered._id : null;
}

/** The ids of the tickets in a protection API listing. */
export function ticketIds(body: string): string[] {
  const listed = parseJsonArray(body) || [];
  return listed
    .map((ticket) => (ticket !== null && typeof ticket === 'object' ? (ticket as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string');
}
