import { describe, expect, it } from 'vitest';
import { preflight } from '../../src/core/authorize';
import type { GateConfig } from '../../src/core/config';
import { buildRouteIndex } from '../../src/core/route-matcher';

const config: GateConfig = {
  bearerRealm: 'mlflow',
  resourceServer: 'mlflow-gate',
  resourceServerSecret: null,
  tokenPolicy: { issuer: 'https://sso/realms/mlflow', acceptedClients: ['mlflow-cli'], maxTokenLength: 16384 },
  allowLifetimeSeconds: 30,
  loginClient: 'mlflow-cli',
  sessionKey: null,
  cookieSecure: true,
};
const routes = buildRouteIndex([
  { method: 'POST', rule: '/api/2.0/mlflow/experiments/delete', guard: 'experiments#delete' },
  { method: 'GET', rule: '/get-artifact/<path:artifact>', guard: 'artifacts#read' },
  { method: 'POST', rule: '/ajax-api/3.0/mlflow/assistant/message', guard: 'refused' },
]);
const now = 1_800_000_000;
const claims = { exp: now + 60, iss: 'https://sso/realms/mlflow', azp: 'mlflow-cli', sub: 's', preferred_username: 'ada' };
const token = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

function run(method: string, target: string, authorization: string[] = [`Bearer ${token}`], headerNames = ['Host', 'Authorization']) {
  const headers = headerNames.map((name) => [name, ''] as const);
  return preflight({ method, target, authorization, headers, nowSeconds: now, session: null, sameOriginWrite: true }, config, routes);
}

const session = { grant: 'refresh_token', clientId: 'mlflow-cli', subject: 's', refreshToken: 'a.b.c' } as const;

describe('preflight', () => {
  it('asks Keycloak for the route permission with the checked token', () => {
    expect(run('POST', '/api/2.0/mlflow/experiments/delete?x=1')).toMatchObject({
      kind: 'ask-keycloak',
      permission: 'experiments#delete',
      upstreamTarget: '/api/2.0/mlflow/experiments/delete?x=1',
      caller: { kind: 'token', token, claims: { username: 'ada' } },
    });
  });

  it('takes a browser session when there is no Authorization header, and refuses its cross-site writes', () => {
    const withSession = (method: string, sameOriginWrite: boolean, authorization: string[] = []) =>
      preflight({ method, target: '/api/2.0/mlflow/experiments/delete', authorization, headers: [['Host', 'mlflow']], nowSeconds: now, session, sameOriginWrite }, config, routes);
    expect(withSession('POST', true)).toMatchObject({ kind: 'ask-keycloak', caller: { kind: 'credentials', credential: session } });
    expect(withSession('POST', false)).toMatchObject({ kind: 'refuse', refusal: { kind: 'cross-site' } });
    expect(withSession('POST', false, [`Bearer ${token}`])).toMatchObject({ kind: 'ask-keycloak', caller: { kind: 'token' } });
  });

  it('takes Basic credentials of an accepted client for exchange, and refuses others without asking', () => {
    const basic = (user: string, password: string) => [`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`];
    expect(run('POST', '/api/2.0/mlflow/experiments/delete', basic('mlflow-cli', 's3cret'))).toMatchObject({
      kind: 'ask-keycloak',
      caller: { kind: 'credentials', credential: { grant: 'client_credentials', clientId: 'mlflow-cli', secret: 's3cret' } },
    });
    expect(run('POST', '/api/2.0/mlflow/experiments/delete', basic('other-client', 's3cret'))).toMatchObject({
      kind: 'refuse',
      refusal: { kind: 'invalid-credentials' },
    });
  });

  it('forwards the path it matched, re-encoded, with the query as sent', () => {
    expect(run('GET', '/get-artifact/a%20b/%E2%98%83+c?path=..%2F..&x')).toMatchObject({
      kind: 'ask-keycloak',
      upstreamTarget: '/get-artifact/a%20b/%E2%98%83%2Bc?path=..%2F..&x',
    });
    expect(run('GET', '/get-artifact/%61%62c')).toMatchObject({ upstreamTarget: '/get-artifact/abc' });
  });

  it('refuses identity headers it cannot strip, before looking at the token', () => {
    const headers = (name: string) => run('POST', '/api/2.0/mlflow/experiments/delete', [], ['Host', name]);
    expect(headers('X_Forwarded_User')).toMatchObject({ refusal: { kind: 'bad-request', detail: expect.stringContaining('X_Forwarded_User') } });
    expect(headers('X-Auth-Request-Roles')).toMatchObject({ refusal: { kind: 'bad-request' } });
    expect(headers('X-Forwarded-User')).toMatchObject({ refusal: { kind: 'no-token' } });
  });

  it.each([
    ['a non-canonical path', 'POST', '/api/2.0/mlflow//experiments/delete', 'bad-request'],
    ['an unknown route', 'POST', '/api/2.0/mlflow/experiments/nuke', 'unknown-route'],
    ['an unrouted method', 'GET', '/api/2.0/mlflow/experiments/delete', 'method-not-allowed'],
    ['a route refused for everyone', 'POST', '/ajax-api/3.0/mlflow/assistant/message', 'disabled-route'],
  ])('refuses %s before looking at the token', (_name, method, target, kind) => {
    expect(run(method, target, [])).toEqual({ kind: 'refuse', refusal: expect.objectContaining({ kind }) });
  });

  it('asks for a token, then checks it', () => {
    expect(run('POST', '/api/2.0/mlflow/experiments/delete', [])).toMatchObject({ refusal: { kind: 'no-token' } });
    expect(run('POST', '/api/2.0/mlflow/experiments/delete', ['Bearer x'])).toMatchObject({ refusal: { kind: 'invalid-token' } });
  });
});
