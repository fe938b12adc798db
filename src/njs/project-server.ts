/**
 * The helper server's project handlers (the rules: src/core/projects.ts): the decisions the gate's project cache
 * missed, and the workspace routes the gate answers itself (list, create, delete). Projects' Keycloak resources
 * are managed with the resource server's own token.
 */
import { PROJECTS_LOCATION } from '../core/attribution';
import type { Permission } from '../core/permissions';
import type { ProjectLookup, ProjectResource } from '../core/projects';
import {
  checkCreation,
  DEFAULT_WORKSPACE,
  filterWorkspaceList,
  interpretProjectLookup,
  isWorkspaceName,
  markedResource,
  nameAvailability,
  ownerTickets,
  projectAnswer,
  projectPermissionsBody,
  projectRegistration,
  projectResourceName,
  projectResources,
  PROJECT_SCOPES,
  PROJECT_TYPE,
  readablePermissionsBody,
  readableWorkspaces,
  registeredId,
  ticketIds,
} from '../core/projects';
import { interpretTokenResponse, tokenRequestBody } from '../core/credentials';
import {
  gatePolicyFor,
  GROUP_SHARES_LOCATION,
  groupPolicies,
  groupPolicyBody,
  groupSharesBody,
  groupSharesOf,
  ownerTokenRequestBody,
  parseGroupShareChange,
  createdPolicy,
} from '../core/group-shares';
import type { GroupPolicy } from '../core/group-shares';
import type { Refusal } from '../core/refusals';
import type { Frame } from './frame';
import { helperHandler, JSON_HEADERS, send } from './frame';
import { KEYCLOAK_LOCATIONS, postToKeycloak, presentToken } from './keycloak';

/** In the helper server (nginx/mlflow-uma-gate.helper.conf). */
const PROJECT_LOOKUP_LOCATION = '/_mlflow_gate/keycloak/project';
const PROTECTION_LOCATION = '/_mlflow_gate/keycloak/protection';
const HELPER_MLFLOW_LOCATION = '/_mlflow_gate/mlflow';

function bodyOf(reply: NginxHTTPRequest): string {
  return reply.responseText ? String(reply.responseText) : '';
}

type Token = { readonly ok: true; readonly token: string } | { readonly ok: false; readonly refusal: Refusal };

/** The resource server's own token (a PAT, in UMA's words), for the protection API. */
async function resourceServerToken(frame: Frame): Promise<Token> {
  const config = frame.config;
  if (config.resourceServerSecret === null) return { ok: false, refusal: { kind: 'internal', detail: 'projects are not enabled' } };
  const body = tokenRequestBody({ grant: 'client_credentials', clientId: config.resourceServer, secret: config.resourceServerSecret });
  const reply = await postToKeycloak(frame, KEYCLOAK_LOCATIONS.token, body);
  const exchanged = interpretTokenResponse(reply.status, reply.body);
  if (!exchanged.ok) {
    frame.r.error(`mlflow-uma-gate: the resource server's token: ${exchanged.reason} (check $mlflow_gate_resource_server_secret)`);
    return { ok: false, refusal: { kind: 'keycloak-unavailable', detail: 'projects' } };
  }
  return { ok: true, token: exchanged.accessToken };
}

/**
 * One project's resource, through the lookup cache (nginx, key = workspace and allow-lifetime window). `fresh`
 * asks Keycloak and stores its answer for the window, as creating and deleting do.
 */
async function lookupProject(frame: Frame, workspace: string, fresh: boolean): Promise<ProjectLookup> {
  const window = frame.config.allowLifetimeSeconds;
  const key = window === null ? workspace : `${workspace}.${Math.floor(Date.now() / 1000 / window)}`;
  const reply = await frame.r.subrequest(PROJECT_LOOKUP_LOCATION, {
    method: 'GET',
    args: `key=${key}&workspace=${workspace}${fresh || window === null ? '&bypass=1' : ''}`,
  });
  return interpretProjectLookup(workspace, reply.status, bodyOf(reply));
}

/** Behind the lookup cache: the protection API's listing of the resources named like the project. */
export const projectLookup = /* @__PURE__ */ helperHandler(async (frame) => {
  const workspace = decodeURIComponent(String(frame.r.args.workspace || ''));
  if (!isWorkspaceName(workspace)) return frame.refuse({ kind: 'internal', detail: 'a project lookup without a workspace' });
  const pat = await resourceServerToken(frame);
  if (!pat.ok) return frame.refuse(pat.refusal);
  presentToken(frame, pat.token);
  const query = `name=${encodeURIComponent(projectResourceName(workspace))}&exactName=true&type=${encodeURIComponent(PROJECT_TYPE)}&deep=true`;
  const listed = await protection(frame, 'GET', `/resource_set?${query}`);
  relay(frame, listed);
});

/** Behind the project decision cache: Keycloak's answer for (token, permission, project scope), as a decision. */
export const projectDecision = /* @__PURE__ */ helperHandler(async (frame) => {
  const r = frame.r;
  const project = decodeURIComponent(String(r.args.project || ''));
  const permission = decodeURIComponent(String(r.args.permission || '')) as Permission;
  const scope = decodeURIComponent(String(r.args.scope || ''));
  const callerAuthorization = String(r.headersIn.Authorization || '');
  const scopes = [PROJECT_SCOPES.read, PROJECT_SCOPES.write, PROJECT_SCOPES.delete];
  if (!isWorkspaceName(project) || scopes.indexOf(scope) < 0 || permission.indexOf('#') < 0 || callerAuthorization === '') {
    frame.refuse({ kind: 'internal', detail: 'a project decision without project, permission, scope or token' });
    return;
  }
  const lookup = await lookupProject(frame, project, false);
  if (lookup.kind === 'failed') {
    r.error(`mlflow-uma-gate: ${lookup.logLine}`);
    send(frame, 503, JSON_HEADERS, '{}');
    return;
  }
  let status = 403;
  let body = '';
  if (lookup.kind === 'found' && lookup.resource.deletedAt === null) {
    r.variables.mlflow_gate_bearer = callerAuthorization;
    const reply = await r.subrequest(KEYCLOAK_LOCATIONS.permissions, {
      method: 'POST',
      body: projectPermissionsBody(frame.config.resourceServer, permission, lookup.resource.id, scope),
    });
    status = reply.status;
    body = bodyOf(reply);
  }
  const answer = projectAnswer(lookup, permission, scope, status, body);
  send(frame, answer.status, JSON_HEADERS, answer.body);
});

interface Reply {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A protection API call; `path` may carry a query (a subrequest's URI may not: njs takes it as part of the path). */
async function protection(frame: Frame, method: Method, path: string, body?: string): Promise<Reply> {
  const queryStart = path.indexOf('?');
  const uri = `${PROTECTION_LOCATION}${queryStart < 0 ? path : path.slice(0, queryStart)}`;
  const args = queryStart < 0 ? '' : path.slice(queryStart + 1);
  const reply = await frame.r.subrequest(uri, body === undefined ? { method, args } : { method, args, body });
  return { status: reply.status, body: bodyOf(reply), contentType: String(reply.headersOut['Content-Type'] || '') };
}

async function mlflow(frame: Frame, method: Method, path: string, body?: string, args?: string): Promise<Reply> {
  const reply = await frame.r.subrequest(`${HELPER_MLFLOW_LOCATION}${path}`, body === undefined ? { method, args: args || '' } : { method, args: args || '', body });
  return { status: reply.status, body: bodyOf(reply), contentType: String(reply.headersOut['Content-Type'] || 'application/json') };
}

function relay(frame: Frame, reply: Reply): void {
  if (reply.status === 502 || reply.status === 504) {
    frame.refuse({ kind: reply.status === 502 ? 'mlflow-unreachable' : 'mlflow-timeout', detail: '' });
    return;
  }
  send(frame, reply.status, { 'Content-Type': reply.contentType }, reply.body);
}

const unavailable: Refusal = { kind: 'keycloak-unavailable', detail: 'projects' };

/** Only the projects the caller may read, and `default`. */
async function listProjects(frame: Frame, path: string): Promise<void> {
  const r = frame.r;
  const listed = await mlflow(frame, 'GET', path, undefined, String(r.variables.args || ''));
  if (listed.status !== 200) return relay(frame, listed);
  // Projects off: every workspace but default is refused, so none is listed.
  if (frame.config.resourceServerSecret === null) {
    const onlyDefault = filterWorkspaceList(listed.body, []);
    if (onlyDefault === null) return frame.refuse({ kind: 'mlflow-unreachable', detail: '' });
    return send(frame, 200, JSON_HEADERS, onlyDefault);
  }
  const pat = await resourceServerToken(frame);
  if (!pat.ok) return frame.refuse(pat.refusal);
  presentToken(frame, pat.token);
  const resources = await protection(frame, 'GET', `/resource_set?type=${encodeURIComponent(PROJECT_TYPE)}&deep=true&first=0&max=10000`);
  const projects = resources.status === 200 ? projectResources(resources.body) : null;
  if (projects === null) return frame.refuse(unavailable);
  const live = projects.filter((project) => project.deletedAt === null);
  r.variables.mlflow_gate_bearer = String(r.headersIn['X-Mlflow-Gate-Bearer'] || '');
  const reply = await r.subrequest(KEYCLOAK_LOCATIONS.permissions, { method: 'POST', body: readablePermissionsBody(frame.config.resourceServer, live) });
  const readable = readableWorkspaces(live, reply.status, bodyOf(reply));
  const filtered = readable === null ? null : filterWorkspaceList(listed.body, readable);
  if (filtered === null) return frame.refuse(unavailable);
  send(frame, 200, JSON_HEADERS, filtered);
}

/** Removes a project's resource and everything granted on it (tickets go with it). */
async function removeResource(frame: Frame, resource: ProjectResource): Promise<boolean> {
  const removed = await protection(frame, 'DELETE', `/resource_set/${resource.id}`);
  return removed.status === 204 || removed.status === 404;
}

/**
 * The MLflow workspace and its Keycloak resource, owned by the caller, as one step: when a part fails, what was
 * made is removed again. MLflow creates first: it refuses a second workspace of one name, so of two people
 * creating the same name at once only one registers a resource.
 */
async function createProject(frame: Frame, path: string): Promise<void> {
  const r = frame.r;
  const owner = decodeURIComponent(String(r.headersIn['X-Mlflow-Gate-User'] || ''));
  const body = r.requestText ? String(r.requestText) : '';
  const creation = checkCreation(body);
  if (!creation.ok) return frame.refuse(creation.refusal);
  if (owner === '') return frame.refuse({ kind: 'internal', detail: 'a project without a verified owner' });
  const workspace = creation.workspace;
  const lookup = await lookupProject(frame, workspace, true);
  const pat = await resourceServerToken(frame);
  if (!pat.ok) return frame.refuse(pat.refusal);
  presentToken(frame, pat.token);
  if (lookup.kind === 'failed') {
    r.error(`mlflow-uma-gate: ${lookup.logLine}`);
    return frame.refuse(lookup.refusal);
  }
  const availability = nameAvailability(lookup, frame.config.allowLifetimeSeconds, Math.floor(Date.now() / 1000), owner);
  if (availability.taken) return frame.refuse(availability.refusal);
  if (availability.tombstone !== null) {
    const removed = await removeResource(frame, availability.tombstone);
    if (!removed) return frame.refuse(unavailable);
  }
  const created = await mlflow(frame, 'POST', path, body);
  if (created.status < 200 || created.status > 299) return relay(frame, created);
  const registered = await protection(frame, 'POST', '/resource_set', projectRegistration(workspace, owner));
  const id = registered.status === 201 ? registeredId(registered.body) : null;
  let granted = id !== null;
  if (id !== null) {
    const tickets = ownerTickets(id, owner);
    for (let i = 0; i < tickets.length && granted; i++) {
      const ticket = await protection(frame, 'POST', '/permission/ticket', tickets[i]);
      granted = ticket.status === 200;
    }
  }
  if (!granted) {
    r.error(`mlflow-uma-gate: registering project ${workspace} for ${owner} failed (${registered.status}); removing the workspace again`);
    if (id !== null) await protection(frame, 'DELETE', `/resource_set/${id}`);
    const undone = await mlflow(frame, 'DELETE', `${path}/${workspace}`);
    if (undone.status < 200 || undone.status > 299) r.error(`mlflow-uma-gate: workspace ${workspace} left without a resource (${undone.status}); run "mlflow-uma-gate reconcile"`);
    return frame.refuse(unavailable);
  }
  await lookupProject(frame, workspace, true);
  relay(frame, created);
}

/**
 * The workspace and its resource. The resource is marked deleted first (every decision about it is then a deny),
 * the workspace deleted, then the resource removed; if MLflow refuses, the mark is taken off again. The marked
 * resource keeps the name taken for tombstoneSeconds, so nothing cached reaches a new project of that name.
 */
async function deleteProject(frame: Frame, path: string, workspace: string): Promise<void> {
  const r = frame.r;
  const lookup = await lookupProject(frame, workspace, true);
  if (lookup.kind === 'failed') {
    r.error(`mlflow-uma-gate: ${lookup.logLine}`);
    return frame.refuse(lookup.refusal);
  }
  const pat = await resourceServerToken(frame);
  if (!pat.ok) return frame.refuse(pat.refusal);
  presentToken(frame, pat.token);
  const resource = lookup.kind === 'found' ? lookup.resource : null;
  const representation = resource === null ? null : await protection(frame, 'GET', `/resource_set/${resource.id}`);
  if (resource !== null && (representation === null || representation.status !== 200)) return frame.refuse(unavailable);
  const now = Math.floor(Date.now() / 1000);
  const marked = representation === null ? null : markedResource(representation.body, resource!.deletedAt === null ? now : resource!.deletedAt);
  if (resource !== null) {
    const stored = marked === null ? null : await protection(frame, 'PUT', `/resource_set/${resource.id}`, marked);
    if (stored === null || stored.status !== 204) return frame.refuse(unavailable);
  }
  const deleted = await mlflow(frame, 'DELETE', path);
  if (deleted.status < 200 || deleted.status > 299) {
    const unmarked = representation === null ? null : markedResource(representation.body, null);
    if (resource !== null && unmarked !== null && resource.deletedAt === null) await protection(frame, 'PUT', `/resource_set/${resource.id}`, unmarked);
    return relay(frame, deleted);
  }
  if (resource !== null) {
    const tickets = await protection(frame, 'GET', `/permission/ticket?resourceId=${resource.id}&max=10000`);
    const ids = tickets.status === 200 ? ticketIds(tickets.body) : [];
    for (let i = 0; i < ids.length; i++) await protection(frame, 'DELETE', `/permission/ticket/${ids[i]}`);
  }
  await lookupProject(frame, workspace, true);
  relay(frame, deleted);
}

/**
 * The workspace routes the gate answers itself, arriving from the gate's server once authorized (listing: server
 * read; creating: projects#create; deleting: the project's delete scope).
 */
export const projects = /* @__PURE__ */ helperHandler(async (frame) => {
  const r = frame.r;
  const uri = String(r.variables.uri);
  const path = uri.indexOf(`${PROJECTS_LOCATION}/`) === 0 ? uri.slice(PROJECTS_LOCATION.length) : '';
  const named = /^\/(?:api|ajax-api)\/3\.0\/mlflow\/workspaces\/([^/]+)$/.exec(path);
  const collection = /^\/(?:api|ajax-api)\/3\.0\/mlflow\/workspaces$/.test(path);
  if (collection && r.method === 'GET') return listProjects(frame, path);
  if (collection && r.method === 'POST') return createProject(frame, path);
  if (named !== null && r.method === 'DELETE' && isWorkspaceName(named[1]) && named[1] !== DEFAULT_WORKSPACE) return deleteProject(frame, path, named[1]);
  frame.refuse({ kind: 'internal', detail: `no project operation ${r.method} ${path}` });
});

/**
 * The resource server's token for the owner, for Keycloak's policy API, which serves a resource's owner only and
 * only through a resource server (src/core/group-shares.ts). `bearer` is the owner's Authorization value.
 */
async function ownerPolicyToken(frame: Frame, bearer: string): Promise<Token> {
  const config = frame.config;
  if (config.resourceServerSecret === null || bearer.indexOf('Bearer ') !== 0) return { ok: false, refusal: { kind: 'internal', detail: 'projects are not enabled' } };
  const reply = await postToKeycloak(frame, KEYCLOAK_LOCATIONS.token, ownerTokenRequestBody(config.resourceServer, config.resourceServerSecret, bearer.slice('Bearer '.length)));
  const exchanged = interpretTokenResponse(reply.status, reply.body);
  if (!exchanged.ok) {
    frame.r.error(
      `mlflow-uma-gate: exchanging the owner's token for the resource server's failed (${reply.status} ${reply.body.slice(0, 200)}); the realm must enable standard token exchange on ${config.resourceServer} and put it in the login client's audience (README, "Projects")`,
    );
    return { ok: false, refusal: { kind: 'internal', detail: 'Keycloak does not let the gate act for the owner; see the NGINX error log' } };
  }
  return { ok: true, token: exchanged.accessToken };
}

async function listGroupPolicies(frame: Frame, resourceId: string): Promise<GroupPolicy[] | null> {
  const listed = await protection(frame, 'GET', `/uma-policy?resource=${resourceId}&first=0&max=1000`);
  return listed.status === 200 ? groupPolicies(listed.body) : null;
}

/**
 * A project's group shares, for its owner: GET lists them, PUT sets the scopes of one group (none: the share ends).
 * Arrives from the gate's server (src/njs/group-shares.ts) with the caller's verified name and token.
 */
export const groupShares = /* @__PURE__ */ helperHandler(async (frame) => {
  const r = frame.r;
  const uri = String(r.variables.uri);
  const workspace = uri.indexOf(`${GROUP_SHARES_LOCATION}/`) === 0 ? uri.slice(GROUP_SHARES_LOCATION.length + 1) : '';
  const user = decodeURIComponent(String(r.headersIn['X-Mlflow-Gate-User'] || ''));
  const bearer = String(r.headersIn['X-Mlflow-Gate-Bearer'] || '');
  if (!isWorkspaceName(workspace) || workspace === DEFAULT_WORKSPACE || user === '' || (r.method !== 'GET' && r.method !== 'PUT')) {
    return frame.refuse({ kind: 'internal', detail: 'a group share request without project, user or method' });
  }
  const change = r.method === 'PUT' ? parseGroupShareChange(r.requestText ? String(r.requestText) : '') : null;
  if (change !== null && !change.ok) return frame.refuse(change.refusal);
  const lookup = await lookupProject(frame, workspace, false);
  if (lookup.kind === 'failed') {
    r.error(`mlflow-uma-gate: ${lookup.logLine}`);
    return frame.refuse(lookup.refusal);
  }
  if (lookup.kind !== 'found' || lookup.resource.deletedAt !== null) return frame.refuse({ kind: 'no-project', detail: workspace });
  const resource = lookup.resource;
  if (resource.owner !== user) return frame.refuse({ kind: 'not-project-owner', detail: workspace });
  const owner = await ownerPolicyToken(frame, bearer);
  if (!owner.ok) return frame.refuse(owner.refusal);
  presentToken(frame, owner.token);
  let policies = await listGroupPolicies(frame, resource.id);
  if (policies === null) return frame.refuse(unavailable);
  if (change !== null && change.ok) {
    const existing = gatePolicyFor(policies, resource.id, change.group);
    let changed: Reply;
    if (change.scopes.length === 0) {
      changed = existing === null ? { status: 204, body: '', contentType: '' } : await protection(frame, 'DELETE', `/uma-policy/${existing.id}`);
    } else if (existing !== null) {
      changed = await protection(frame, 'PUT', `/uma-policy/${existing.id}`, groupPolicyBody(resource.id, change.group, change.scopes, existing.id));
    } else {
      changed = await protection(frame, 'POST', `/uma-policy/${resource.id}`, groupPolicyBody(resource.id, change.group, change.scopes, null));
      const made = changed.status === 200 ? createdPolicy(changed.body, change.group) : null;
      if (made !== null && !made.namesGroup) {
        if (made.id !== null) await protection(frame, 'DELETE', `/uma-policy/${made.id}`);
        return frame.refuse({ kind: 'unknown-group', detail: change.group });
      }
    }
    if (changed.status < 200 || changed.status > 299) {
      r.error(`mlflow-uma-gate: changing the share of ${workspace} with ${change.group} failed (${changed.status} ${changed.body.slice(0, 200)})`);
      return frame.refuse(unavailable);
    }
    policies = await listGroupPolicies(frame, resource.id);
    if (policies === null) return frame.refuse(unavailable);
  }
  send(frame, 200, JSON_HEADERS, groupSharesBody(workspace, groupSharesOf(policies)));
});
