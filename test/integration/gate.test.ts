/**
 * The built bundle in real nginx + Debian's njs 0.7.9, asking a real Keycloak with the shipped realm.
 * MLflow's place is taken by a recording upstream, so every test can check what got through.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer as bearerHeader, throughGate } from '../support/gate-client';
import { demoUsers } from '../support/realm';
import { describeRoleChecks, identityTokens } from '../support/role-checks';
import type { Identity } from '../support/role-checks';

const stack = inject('stack');

const tokens = {} as Record<Identity, string>;

function bearer(identity: Identity) {
  return bearerHeader(tokens[identity]);
}

beforeAll(async () => {
  Object.assign(tokens, await identityTokens(stack.keycloak));
});

describeRoleChecks(() => stack.gate, tokens);

describe('what reaches MLflow', () => {
  it('is the authorized method and target, with the verified user and without the token', async () => {
    const target = '/api/2.0/mlflow/experiments/get?experiment_id=1&x=%2F';
    const response = await throughGate('GET', target, bearer('viewer'));
    const echoed = JSON.parse(response.body);
    const viewer = demoUsers.find((user) => user.role === 'viewer')!;
    expect(echoed).toMatchObject({ method: 'GET', target });
    expect(echoed.headers['x-mlflow-gate-user']).toBe(viewer.username);
    expect(echoed.headers.authorization).toBeUndefined();
  });

  it('answers an attributed request with all MLflow answered, also beyond nginx\'s default subrequest buffer', async () => {
    // The recording upstream answers with the request's headers, as MLflow answers runs/create with its tags.
    const padding = 'x'.repeat(10_000);
    const response = await throughGate('POST', '/api/2.0/mlflow/runs/create', { ...bearer('editor'), 'x-padding': padding });
    expect(response.status).toBe(200);
    const echoed = JSON.parse(response.body);
    expect(echoed.target).toBe('/api/2.0/mlflow/runs/create');
    expect(echoed.headers['x-padding']).toBe(padding);
  });

  it('authorizes HEAD as GET', async () => {
    expect((await throughGate('HEAD', '/api/2.0/mlflow/experiments/get', bearer('viewer'))).status).toBe(200);
    expect((await throughGate('HEAD', '/api/2.0/mlflow/experiments/get', bearer('none'))).status).toBe(403);
  });
});

describe('refusals', () => {
  it('asks for a token with 401 and WWW-Authenticate when there is none', async () => {
    const response = await throughGate('GET', '/api/2.0/mlflow/experiments/get');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="mlflow"');
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    expect(response.reachedUpstream).toBe(false);
  });

  it.each([
    ['a malformed token', 'Bearer not-a-jwt'],
    ['another scheme', 'Digest username="demo"'],
    ['a forged payload', 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjk5OTk5OTk5OTl9.c2ln'],
  ])('refuses %s with 401', async (_name, authorization) => {
    const response = await throughGate('GET', '/api/2.0/mlflow/experiments/get', { authorization });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(response.reachedUpstream).toBe(false);
  });

  it('refuses a token whose signature Keycloak rejects, with 401', async () => {
    const [header, payload] = tokens.admin.split('.');
    const response = await throughGate('GET', '/api/2.0/mlflow/experiments/get', { authorization: `Bearer ${header}.${payload}.c2lnbmF0dXJl` });
    expect(response.status).toBe(401);
    expect(response.reachedUpstream).toBe(false);
  });

  it.each([
    ['an unknown path', 'GET', '/api/2.0/mlflow/experiments/drop', 403],
    ['an unrouted method', 'PUT', '/api/2.0/mlflow/experiments/get', 405],
    ['an encoded slash', 'GET', '/api/2.0/mlflow/experiments%2Fget', 400],
    ['a dot segment', 'GET', '/api/2.0/mlflow/runs/../experiments/get', 400],
  ])('refuses %s even for an admin', async (_name, method, target, status) => {
    const response = await throughGate(method, target, bearer('admin'));
    expect(response.status).toBe(status);
    expect(response.reachedUpstream).toBe(false);
  });

  it('serves its health endpoint without a token', async () => {
    const response = await request(`${stack.gate}/_mlflow_gate/health`);
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toMatchObject({ status: 'ok', keycloak: 'reachable' });
  });

  it('logs nothing secret', () => {
    const log = readFileSync(stack.nginxErrorLog, 'utf8');
    Object.values(tokens).forEach((token) => expect(log).not.toContain(token.split('.')[1]));
  });
});
