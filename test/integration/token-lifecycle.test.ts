/**
 * Tokens that Keycloak issued but the gate must not honour: expired, revoked, issued for another client.
 * Uses the Keycloak admin API of the test instance to produce each case for real.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bearer, throughGate } from '../support/gate-client';
import { demoUsers } from '../support/realm';
import { adminApi, shortLivedUserToken, userToken } from '../support/tokens';
import { SHORT_TOKEN_SECONDS, untilExpired } from '../support/waiting';

const stack = inject('stack');
const editor = demoUsers.find((user) => user.role === 'editor')!;
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';

async function clientRepresentation(clientId: string) {
  const found = (await adminApi(stack.keycloak, 'GET', `/clients?clientId=${clientId}`)).json as { id: string; attributes?: Record<string, string> }[];
  return found[0];
}

describe('token lifecycle', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('refuses an expired token with 401', async () => {
    const token = await shortLivedUserToken(stack.keycloak, editor.username, editor.password, SHORT_TOKEN_SECONDS);
    expect((await throughGate('GET', READ, bearer(token))).status).toBe(200);
    await untilExpired(token);
    const response = await throughGate('GET', READ, bearer(token));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).message).toContain('expired');
    expect(response.reachedUpstream).toBe(false);
  });

  it('refuses a token whose session was ended in Keycloak with 401', async () => {
    const token = await userToken(stack.keycloak, editor.username, editor.password);
    expect((await throughGate('GET', READ, bearer(token))).status).toBe(200);
    const users = (await adminApi(stack.keycloak, 'GET', `/users?username=${editor.username}&exact=true`)).json as { id: string }[];
    await adminApi(stack.keycloak, 'POST', `/users/${users[0].id}/logout`);
    const response = await throughGate('GET', READ, bearer(token));
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('invalid_token');
    expect(response.reachedUpstream).toBe(false);
  });

  it('refuses a valid token issued for another client of the realm with 401', async () => {
    await adminApi(stack.keycloak, 'POST', '/clients', { clientId: 'other-app', publicClient: true, directAccessGrantsEnabled: true });
    cleanups.push(async () => adminApi(stack.keycloak, 'DELETE', `/clients/${(await clientRepresentation('other-app')).id}`));
    const admin = demoUsers.find((user) => user.role === 'admin')!;
    const token = await userToken(stack.keycloak, admin.username, admin.password, 'other-app');
    const response = await throughGate('GET', READ, bearer(token));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).message).toContain('accepted client');
    expect(response.reachedUpstream).toBe(false);
  });
});
