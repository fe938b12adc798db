/**
 * People and service accounts in many groups carry large access tokens (12–15 KB here, made through the admin
 * API with many long realm roles). With a gate of its own (real nginx + njs, decision cache on, the real
 * Keycloak, the echo upstream): such a caller is served on every path a small-token caller is, a token above
 * max_token_bytes gets the gate's 401 and a header above nginx's buffers a 400, both in MLflow's JSON.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readConfig } from '../../src/core/config';
import type { LargeTokenFixture } from '../support/large-tokens';
import { createLargeTokenPrincipals } from '../support/large-tokens';
import { publicClient } from '../support/realm';
import { tokenAnswer, userToken } from '../support/tokens';
import { startTestGate } from '../support/test-gate';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const WRITE = '/api/2.0/mlflow/experiments/update';
const DELETE = '/api/2.0/mlflow/experiments/delete';
const MAX_TOKEN_BYTES = (() => {
  const read = readConfig((name) => (name === 'issuer' ? stack.issuer : undefined));
  if (!read.ok) throw new Error(read.problem);
  return read.config.tokenPolicy.maxTokenLength;
})();
const LARGE_TOKEN_BYTES = 12_000;

const prefix = `large-token-it-${Date.now().toString(36)}`;
const person = { username: `${prefix}-person`, password: 'large-token-person-password', roles: 48, group: '/editors' };
const oversized = { username: `${prefix}-oversized`, password: 'oversized-person-password', roles: 80, group: '/editors' };
const service = { clientId: `${prefix}-service`, secret: 'large-token-service-secret', roles: 48, group: '/editors' };
const largest: Record<string, number> = {};
const stops: (() => Promise<unknown>)[] = [];
let fixture: LargeTokenFixture;
let gate: string;

beforeAll(async () => {
  fixture = await createLargeTokenPrincipals(stack.keycloak, prefix, [person, oversized], [service]);
  const nginx = await startTestGate(stack, 'large-tokens', {
    MLFLOW_GATE_ACCEPTED_CLIENTS: `${publicClient.clientId} ${service.clientId}`,
  });
  stops.push(nginx.stop);
  gate = nginx.url;
}, 120_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await fixture?.remove();
  console.info(`largest access tokens tested (bytes): ${JSON.stringify(largest)}`);
}, 120_000);

function basic(user: string, password: string) {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function record(path: string, token: string) {
  largest[path] = Math.max(largest[path] ?? 0, token.length);
}

/** A token as large as this suite means: 12 KB or more, and small enough for the gate. */
function expectLarge(token: string) {
  expect(token.length).toBeGreaterThanOrEqual(LARGE_TOKEN_BYTES);
  expect(`Bearer ${token}`.length).toBeLessThanOrEqual(MAX_TOKEN_BYTES);
}

async function send(method: 'GET' | 'POST', path: string, headers: Record<string, string>) {
  const response = await request(`${gate}${path}`, {
    method,
    headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    body: method === 'POST' ? '{"experiment_id":"0","new_name":"x"}' : undefined,
    headersTimeout: 20_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, contentType: String(response.headers['content-type']), body: text };
}

/** Read and write allowed for an editor, delete denied, each decided by Keycloak; reads reach MLflow as the verified user. */
async function expectEditor(authorization: string, username: string) {
  const read = await send('GET', READ, { authorization });
  expect(read.status, read.body).toBe(200);
  expect(JSON.parse(read.body).headers['x-mlflow-gate-user']).toBe(encodeURIComponent(username));
  expect((await send('POST', WRITE, { authorization })).status).toBe(200);
  const denied = await send('POST', DELETE, { authorization });
  expect(denied.status).toBe(403);
  expect(JSON.parse(denied.body)).toMatchObject({ error_code: 'PERMISSION_DENIED' });
}

async function whoami(authorization: string) {
  const answer = await send('GET', '/_mlflow_gate/whoami', { authorization });
  expect([answer.status, answer.contentType]).toEqual([200, 'application/json']);
  return JSON.parse(answer.body) as { user: string; client: string; permissions: Record<string, string[]> };
}

describe('a person whose access token is large', () => {
  it('is served with the token as Bearer, and whoami answers', async () => {
    const token = await userToken(stack.keycloak, person.username, person.password);
    expectLarge(token);
    record('bearer', token);
    await expectEditor(`Bearer ${token}`, person.username);
    expect(await whoami(`Bearer ${token}`)).toMatchObject({ user: person.username, permissions: { experiments: ['read', 'write'] } });
  });

  it('is served over Basic with the offline token of a login (refresh grant through the helper server)', async () => {
    const login = await tokenAnswer(stack.keycloak, {
      grant_type: 'password',
      client_id: publicClient.clientId,
      username: person.username,
      password: person.password,
      scope: 'openid offline_access',
    });
    const offline = login.refresh_token!;
    // What the gate's exchange gets from Keycloak for this login: access, refresh and ID token.
    const exchanged = await tokenAnswer(stack.keycloak, { grant_type: 'refresh_token', client_id: publicClient.clientId, refresh_token: offline });
    expectLarge(exchanged.access_token);
    record('basic-offline-token', exchanged.access_token);
    await expectEditor(basic(person.username, offline), person.username);
    expect((await whoami(basic(person.username, offline))).user).toBe(person.username);
  });
});

describe('a service account whose service-account user holds many roles', () => {
  it('is served over Basic with its client id and secret (client-credentials grant through the helper server)', async () => {
    const { access_token: token } = await tokenAnswer(stack.keycloak, {
      grant_type: 'client_credentials',
      client_id: service.clientId,
      client_secret: service.secret,
    });
    expectLarge(token);
    record('basic-client-credentials', token);
    await expectEditor(basic(service.clientId, service.secret), `service-account-${service.clientId}`);
    expect(await whoami(basic(service.clientId, service.secret))).toMatchObject({ client: service.clientId });
  });
});

describe('larger than the gate accepts', () => {
  it('a real token above max_token_bytes gets the gate\'s 401 in MLflow\'s JSON, without reaching MLflow', async () => {
    const token = await userToken(stack.keycloak, oversized.username, oversized.password);
    expect(`Bearer ${token}`.length).toBeGreaterThan(MAX_TOKEN_BYTES);
    record('oversized-bearer (refused)', token);
    const answer = await send('GET', READ, { authorization: `Bearer ${token}` });
    expect([answer.status, answer.contentType]).toEqual([401, 'application/json']);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: 'UNAUTHENTICATED', message: expect.stringContaining('token too large') });
  });

  it('Basic credentials above max_token_bytes get 401 with a Basic challenge', async () => {
    const response = await request(`${gate}${READ}`, { headers: { authorization: basic(person.username, 'x'.repeat(MAX_TOKEN_BYTES)) } });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic /);
    expect(await response.body.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
  });

  it('a header above nginx\'s header buffers gets 400 in MLflow\'s JSON, never nginx\'s page', async () => {
    const tooLarge: Record<string, string>[] = [{ authorization: `Bearer ${'x'.repeat(4 * MAX_TOKEN_BYTES)}` }, { cookie: `other=${'x'.repeat(4 * MAX_TOKEN_BYTES)}` }];
    for (const headers of tooLarge) {
      const answer = await send('GET', READ, headers);
      expect([answer.status, answer.contentType]).toEqual([400, 'application/json']);
      expect(JSON.parse(answer.body)).toMatchObject({ error_code: 'BAD_REQUEST', message: expect.stringContaining('too large') });
    }
  });
});
