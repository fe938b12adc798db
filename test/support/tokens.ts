/** Real tokens from the real Keycloak, the way clients of the gate get them. */
import { request } from 'undici';
import { KEYCLOAK_ADMIN } from '../../scripts/keycloak.mjs';
import { publicClient, realm, serviceClient } from './realm';

export interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  id_token?: string;
}

/** The token endpoint's whole answer: what the gate receives when it asks with the same form. */
export async function tokenAnswer(keycloak: string, form: Record<string, string>): Promise<TokenAnswer> {
  const response = await request(`${keycloak}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.body.json()) as Partial<TokenAnswer>;
  if (response.statusCode !== 200 || !body.access_token) {
    throw new Error(`token request failed: ${response.statusCode} ${JSON.stringify(body)}`);
  }
  return body as TokenAnswer;
}

async function tokenRequest(keycloak: string, form: Record<string, string>): Promise<string> {
  return (await tokenAnswer(keycloak, form)).access_token;
}

/** Password grant on the public client: enabled in the shipped dev realm only. */
export function userToken(keycloak: string, username: string, password: string, clientId = publicClient.clientId) {
  return tokenRequest(keycloak, { grant_type: 'password', client_id: clientId, username, password, scope: 'openid' });
}

export function serviceToken(keycloak: string) {
  return tokenRequest(keycloak, {
    grant_type: 'client_credentials',
    client_id: serviceClient.clientId,
    client_secret: serviceClient.secret ?? '',
  });
}

/** An admin-API token for the bootstrap admin of the test Keycloak (scripts/keycloak.mjs). */
async function adminToken(keycloak: string, username: string, password: string): Promise<string> {
  const response = await request(`${keycloak}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username, password }).toString(),
  });
  const body = (await response.body.json()) as { access_token: string };
  return body.access_token;
}

/** Calls the Keycloak admin REST API of the test realm as `admin` (the test Keycloak's bootstrap admin). */
export async function adminApi(
  keycloak: string,
  method: string,
  path: string,
  body?: unknown,
  admin: { username: string; password: string } = KEYCLOAK_ADMIN,
): Promise<{ status: number; json: unknown }> {
  const token = await adminToken(keycloak, admin.username, admin.password);
  const response = await request(`${keycloak}/admin/realms/${realm.realm}${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`admin API ${method} ${path}: ${response.statusCode} ${text}`);
  return { status: response.statusCode, json: text ? JSON.parse(text) : null };
}

/**
 * Makes the public client's access tokens live `seconds`, and returns what restores its lifespan. Keycloak
 * merges client attributes on update, so restoring means writing the old value back (empty: the realm's
 * default), not leaving the attribute out.
 */
export async function shortenAccessTokens(keycloak: string, seconds: number): Promise<() => Promise<void>> {
  const found = (await adminApi(keycloak, 'GET', `/clients?clientId=${publicClient.clientId}`)).json as { id: string; attributes?: Record<string, string> }[];
  const client = found[0];
  const lifespan = (value: string) => ({ ...client, attributes: { ...client.attributes, 'access.token.lifespan': value } });
  await adminApi(keycloak, 'PUT', `/clients/${client.id}`, lifespan(String(seconds)));
  return async () => {
    await adminApi(keycloak, 'PUT', `/clients/${client.id}`, lifespan(client.attributes?.['access.token.lifespan'] ?? ''));
  };
}

/** A user token from the public client whose access tokens live `seconds` only. */
export async function shortLivedUserToken(keycloak: string, username: string, password: string, seconds: number): Promise<string> {
  const restore = await shortenAccessTokens(keycloak, seconds);
  try {
    return await userToken(keycloak, username, password);
  } finally {
    await restore();
  }
}
