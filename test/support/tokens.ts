/** Real tokens from the real Keycloak, the way clients of the gate get them. */
import { request } from 'undici';
import { publicClient, realm, serviceClient } from './realm';

async function tokenRequest(keycloak: string, form: Record<string, string>): Promise<string> {
  const response = await request(`${keycloak}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await response.body.json()) as { access_token?: string };
  if (response.statusCode !== 200 || !body.access_token) {
    throw new Error(`token request failed: ${response.statusCode} ${JSON.stringify(body)}`);
  }
  return body.access_token;
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

/** An admin-API token for the bootstrap admin of the test Keycloak (see scripts/keycloak.mjs). */
export async function adminToken(keycloak: string, username: string, password: string): Promise<string> {
  const response = await request(`${keycloak}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username, password }).toString(),
  });
  const body = (await response.body.json()) as { access_token: string };
  return body.access_token;
}
