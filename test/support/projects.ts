/**
 * A project's Keycloak resource made directly through the protection API, as the gate registers it (owned by
 * `owner`, with the owner's tickets), for tests whose upstream is not MLflow; and its removal.
 */
import { request } from 'undici';
import { ownerTickets, projectRegistration } from '../../src/core/projects';
import { realm, resourceServer } from './realm';

async function protection(keycloak: string, method: string, path: string, body?: string): Promise<{ status: number; json: { _id?: string } }> {
  const pat = await request(`${keycloak}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: resourceServer.clientId, client_secret: resourceServer.secret ?? '' }).toString(),
  });
  const token = ((await pat.body.json()) as { access_token: string }).access_token;
  const response = await request(`${keycloak}/realms/${realm.realm}/authz/protection${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text === '' ? {} : JSON.parse(text) };
}

/** Registers the project and returns a function that removes it again. */
export async function registerProject(keycloak: string, workspace: string, owner: string): Promise<() => Promise<void>> {
  const registered = await protection(keycloak, 'POST', '/resource_set', projectRegistration(workspace, owner));
  if (registered.status !== 201 || !registered.json._id) throw new Error(`registering project ${workspace}: ${registered.status}`);
  const id = registered.json._id;
  for (const ticket of ownerTickets(id, owner)) {
    const granted = await protection(keycloak, 'POST', '/permission/ticket', ticket);
    if (granted.status !== 200) throw new Error(`granting ${ticket}: ${granted.status}`);
  }
  return async () => {
    await protection(keycloak, 'DELETE', `/resource_set/${id}`);
  };
}

export interface GateAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** A JSON call through the gate with a Bearer token, in `workspace` (X-MLFLOW-WORKSPACE) when one is given. */
export async function callGate(gate: string, token: string, method: string, path: string, options: { workspace?: string; body?: unknown } = {}): Promise<GateAnswer> {
  const response = await request(`${gate}${path}`, {
    method: method as 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      ...(options.workspace === undefined ? {} : { 'x-mlflow-workspace': options.workspace }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.body.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: response.statusCode, json };
}
