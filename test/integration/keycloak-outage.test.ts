/**
 * Keycloak that cannot answer, or answers that the realm and the route table disagree: the gate fails closed.
 * Stops and restarts the shared test Keycloak; vitest runs integration files one at a time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { startKeycloak } from '../../scripts/keycloak.mjs';
import { stopProcessGroup } from '../../scripts/processes.mjs';
import { bearer, throughGate } from '../support/gate-client';
import { demoUsers, realmFile, resourceServer } from '../support/realm';
import { adminApi, userToken } from '../support/tokens';
import { eventually } from '../support/waiting';

const stack = inject('stack');
const admin = demoUsers.find((user) => user.role === 'admin')!;
// How long the gate may take to allow again once Keycloak answers its realm page after a restart.
const RECOVERY_MS = 60_000;
let token: string;

beforeAll(async () => {
  token = await userToken(stack.keycloak, admin.username, admin.password);
});

describe('a realm that does not know a permission', () => {
  it('refuses with 403 and logs the permission', async () => {
    const clients = (await adminApi(stack.keycloak, 'GET', `/clients?clientId=${resourceServer.clientId}`)).json as { id: string }[];
    const resources = `/clients/${clients[0].id}/authz/resource-server/resource`;
    const [webhooks] = (await adminApi(stack.keycloak, 'GET', `${resources}?name=webhooks&exactName=true`)).json as { _id: string }[];
    const representation = (await adminApi(stack.keycloak, 'GET', `${resources}/${webhooks._id}`)).json as Record<string, unknown>;
    await adminApi(stack.keycloak, 'DELETE', `${resources}/${webhooks._id}`);
    try {
      const response = await throughGate('GET', '/api/2.0/mlflow/webhooks', bearer(token));
      expect(response.status).toBe(403);
      expect(JSON.parse(response.body).message).toContain('webhooks#read');
      expect(response.reachedUpstream).toBe(false);
      expect(readFileSync(stack.nginxErrorLog, 'utf8')).toMatch(/\[error\].*Keycloak rejected permission webhooks#read/);
    } finally {
      const { _id: _dropped, ...recreated } = representation;
      await adminApi(stack.keycloak, 'POST', resources, recreated);
    }
    expect((await throughGate('GET', '/api/2.0/mlflow/webhooks', bearer(token))).status).toBe(200);
  });
});

describe('Keycloak stopped', () => {
  it('answers 503 with Retry-After, never allows, and recovers when Keycloak is back', async () => {
    await stopProcessGroup(Number(readFileSync(stack.keycloakPidFile, 'utf8')), 20_000);

    const response = await throughGate('GET', '/api/2.0/mlflow/experiments/get', bearer(token));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE' });
    expect(response.reachedUpstream).toBe(false);
    const health = await request(`${stack.gate}/_mlflow_gate/health`);
    expect(health.statusCode).toBe(503);
    expect(await health.body.json()).toMatchObject({ status: 'unavailable' });
    // Decided without Keycloak, so unaffected by the outage:
    expect((await throughGate('GET', '/api/2.0/mlflow/experiments/get')).status).toBe(401);
    expect((await throughGate('GET', '/api/2.0/mlflow/nothing-here', bearer(token))).status).toBe(403);

    const keycloak = await startKeycloak({
      port: stack.keycloakPort,
      dataDir: stack.keycloakDataDir,
      realmFile,
      logFile: stack.keycloakLog,
    });
    writeFileSync(stack.keycloakPidFile, String(keycloak.pid));
    // A Keycloak that has just started can take longer than the gate's read timeout for its first decisions on a
    // loaded machine (measured: 503 once at load 30); the gate recovers by itself, with no cached refusal.
    const recovered = async () => ((await throughGate('GET', '/api/2.0/mlflow/experiments/get', bearer(token))).status === 200 ? true : undefined);
    await eventually('the gate allows again', recovered, RECOVERY_MS, 1_000);
  }, 300_000);
});
