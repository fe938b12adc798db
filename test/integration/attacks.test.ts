/**
 * The bypass classes auth proxies have fallen to, several variants each, against real nginx + njs and a real
 * Keycloak; MLflow's place is taken by the recording upstream, so each test sees what got through.
 * Identity: a viewer, who may read but never write or delete.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { STRIPPED_HEADERS } from '../../src/core/header-hygiene';
import { TEST_ID_HEADER } from '../support/echo-upstream';
import { bearer, seenUpstream, throughGate } from '../support/gate-client';
import { rawRequest } from '../support/raw-http';
import { demoUsers } from '../support/realm';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const gatePort = Number(new URL(stack.gate).port);
const viewer = demoUsers.find((user) => user.role === 'viewer')!;
let token: string;

beforeAll(async () => {
  token = await userToken(stack.keycloak, viewer.username, viewer.password);
});

/** A raw request tagged for the recording upstream; returns the answer and what (if anything) arrived. */
async function raw(requestLine: string, headers: string[] = []) {
  const testId = randomUUID();
  const response = await rawRequest(gatePort, requestLine, [`${TEST_ID_HEADER}: ${testId}`, ...headers]);
  return { ...response, upstream: await seenUpstream(testId) };
}

const READ = '/api/2.0/mlflow/experiments/get';
const DELETE = '/api/2.0/mlflow/experiments/delete';

describe('non-canonical paths are refused with 400 and never proxied', () => {
  it.each([
    ['double slash', '/api/2.0/mlflow//experiments/delete'],
    ['leading double slash', '//api/2.0/mlflow/experiments/delete'],
    ['trailing double slash', '/api/2.0/mlflow/experiments/delete//'],
    ['encoded slash', '/api/2.0/mlflow/experiments%2Fdelete'],
    ['lowercase encoded slash', '/api/2.0/mlflow/experiments%2fdelete'],
    ['encoded backslash', '/api/2.0/mlflow/experiments%5Cdelete'],
    ['raw backslash', '/api/2.0/mlflow/experiments\\delete'],
    ['encoded NUL', '/api/2.0/mlflow/experiments/get%00/../delete'],
    ['encoded CR LF', '/api/2.0/mlflow/experiments/get%0D%0AX-Injected:%201'],
    ['dot segment', '/api/2.0/mlflow/experiments/get/../delete'],
    ['single dot segment', '/api/2.0/mlflow/./experiments/delete'],
    ['encoded dot segment', '/api/2.0/mlflow/experiments/get/%2E%2E/delete'],
    ['mixed encoded dot segment', '/api/2.0/mlflow/experiments/get/.%2e/delete'],
    ['matrix parameter', '/api/2.0/mlflow/experiments/delete;jsessionid=1'],
    ['matrix parameter in a segment', '/api/2.0/mlflow;x=1/experiments/delete'],
    ['encoded semicolon', '/api/2.0/mlflow/experiments/delete%3Bx'],
    ['double-encoded slash', '/api/2.0/mlflow/experiments%252Fdelete'],
    ['double-encoded dot', '/api/2.0/mlflow/experiments/get/%252E%252E/delete'],
    ['overlong UTF-8 dot', '/api/2.0/mlflow/experiments/get/%C0%AE%C0%AE/delete'],
    ['broken escape', '/api/2.0/mlflow/experiments/get%G1'],
  ])('%s', async (_name, target) => {
    const response = await raw(`POST ${target} HTTP/1.1`, [`Authorization: Bearer ${token}`, 'Content-Length: 0']);
    expect(response.status).toBe(400);
    expect(response.upstream).toBeNull();
  });
});

describe('the query string and fragments never take part in routing', () => {
  it.each([
    ['a write path in the query', `${DELETE}?redirect=${READ}`],
    ['a read path in the query of a write', `${DELETE}?${READ}`],
    ['a question mark spelled as %3F', `${DELETE}%3F/get`],
  ])('%s: a viewer stays refused', async (_name, target) => {
    const response = await raw(`POST ${target} HTTP/1.1`, [`Authorization: Bearer ${token}`, 'Content-Length: 0']);
    expect([400, 403]).toContain(response.status);
    expect(response.upstream).toBeNull();
  });

  it('a read with a write path in its query reaches MLflow as that read, query untouched', async () => {
    const target = `${READ}?experiment_id=1&next=${encodeURIComponent(DELETE)}`;
    const response = await throughGate('GET', target, bearer(token));
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ method: 'GET', target });
  });

  it('a fragment sent on the wire is refused', async () => {
    const response = await raw(`POST ${DELETE}#${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`, 'Content-Length: 0']);
    expect(response.status).toBe(400);
    expect(response.upstream).toBeNull();
  });

  it('case is significant, as in MLflow', async () => {
    for (const target of ['/API/2.0/mlflow/experiments/get', '/api/2.0/mlflow/Experiments/get', '/api/2.0/MLflow/experiments/get']) {
      const response = await throughGate('GET', target, bearer(token));
      expect([target, response.status, response.reachedUpstream]).toEqual([target, 403, false]);
    }
  });
});

describe('methods', () => {
  it.each(['get', 'Get', 'post'])('the lowercase method %s is refused by nginx with 400', async (method) => {
    const response = await raw(`${method} ${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`]);
    expect(response.status).toBe(400);
    expect(response.upstream).toBeNull();
  });

  it.each(['FOO', 'OPTIONS', 'PROPFIND', 'PURGE'])('the method %s gets 405 with Allow', async (method) => {
    const response = await raw(`${method} ${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`]);
    expect(response.status).toBe(405);
    expect(response.head).toMatch(/\r\nAllow: GET, HEAD\r\n/);
    expect(response.upstream).toBeNull();
  });

  it('TRACE is refused by nginx itself', async () => {
    const response = await raw(`TRACE ${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`]);
    expect([response.status, response.upstream]).toEqual([405, null]);
  });

  it('HEAD is authorized as GET, so a viewer cannot HEAD a write-only route', async () => {
    const response = await throughGate('HEAD', DELETE, bearer(token));
    expect(response.status).toBe(405);
    expect(response.reachedUpstream).toBe(false);
  });

  it.each(['X-HTTP-Method-Override', 'X-Method-Override', 'X-HTTP-Method', 'x-http-method-override'])(
    '%s is never honoured and never reaches MLflow',
    async (header) => {
      const write = await throughGate('POST', DELETE, { ...bearer(token), [header]: 'GET' });
      expect([write.status, write.reachedUpstream]).toEqual([403, false]);
      const read = await throughGate('GET', READ, { ...bearer(token), [header]: 'DELETE' });
      expect(read.status).toBe(200);
      const echoed = JSON.parse(read.body);
      expect(echoed.method).toBe('GET');
      expect(echoed.headers[header.toLowerCase()]).toBeUndefined();
    },
  );

  it('a _method parameter is never honoured', async () => {
    const write = await throughGate('POST', `${DELETE}?_method=GET`, bearer(token));
    expect([write.status, write.reachedUpstream]).toEqual([403, false]);
    const read = await throughGate('GET', `${READ}?_method=DELETE`, bearer(token));
    expect(JSON.parse(read.body)).toMatchObject({ method: 'GET', target: `${READ}?_method=DELETE` });
  });
});

describe('identity and forwarding headers from the client never reach MLflow', () => {
  it('strips every listed header, in any letter case, and sets the verified user', async () => {
    const spoofed: Record<string, string> = {};
    STRIPPED_HEADERS.forEach((name, i) => {
      spoofed[i % 2 === 0 ? name : name.toUpperCase()] = i % 3 === 0 ? '/api/2.0/mlflow/experiments/delete' : 'demo-admin';
    });
    const response = await throughGate('GET', READ, { ...bearer(token), ...spoofed });
    expect(response.status).toBe(200);
    const received = JSON.parse(response.body).headers as Record<string, string>;
    STRIPPED_HEADERS.forEach((name) => expect([name, received[name]]).toEqual([name, undefined]));
    expect(received['x-mlflow-gate-user']).toBe(viewer.username);
    // Of the gate's own headers MLflow gets the verified user only: the settings are for the helper server.
    expect(Object.keys(received).filter((name) => name.startsWith('x-mlflow-gate-'))).toEqual(['x-mlflow-gate-user']);
  });

  it.each(['X-Mlflow-Gate-User', 'x-mlflow-gate-secret', 'X-Mlflow-Gate-Bearer', 'X-MLFLOW-GATE-ISSUER'])(
    "refuses the gate's own header %s from a client",
    async (name) => {
      const response = await throughGate('GET', READ, { ...bearer(token), [name]: 'demo-admin' });
      expect([response.status, response.reachedUpstream]).toEqual([400, false]);
    },
  );

  it('replaces a spoofed X-Forwarded-For with the peer address', async () => {
    const response = await throughGate('GET', READ, { ...bearer(token), 'X-Forwarded-For': '10.9.8.7' });
    expect(JSON.parse(response.body).headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it.each(['X_Forwarded_User', 'Remote_User', 'X_Auth_Request_User', 'X_Original_URL'])(
    'the underscore spelling %s never arrives (nginx drops it; the gate refuses it where nginx would not)',
    async (name) => {
      const response = await raw(`GET ${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`, `${name}: demo-admin`]);
      expect([200, 400]).toContain(response.status);
      const received = response.upstream?.headers ?? {};
      expect(Object.keys(received).filter((key) => key.replace(/_/g, '-') === name.toLowerCase().replace(/_/g, '-'))).toEqual([]);
    },
  );

  it('refuses an X-Auth-Request-* header it has no rule to strip', async () => {
    const response = await throughGate('GET', READ, { ...bearer(token), 'X-Auth-Request-Roles': 'mlflow-admin' });
    expect([response.status, response.reachedUpstream]).toEqual([400, false]);
    expect(JSON.parse(response.body).message).toContain('X-Auth-Request-Roles');
  });
});

describe('the workspace header (projects; this gate has them off)', () => {
  it.each([
    ['a second header', ['X-MLFLOW-WORKSPACE: default', 'X-MLFLOW-WORKSPACE: team-b']],
    ['upper case', ['X-MLFLOW-WORKSPACE: TEAM-B']],
    ['inner whitespace', ['X-MLFLOW-WORKSPACE: team b']],
    ['a list', ['X-MLFLOW-WORKSPACE: default,team-b']],
    ['percent-encoding', ['X-MLFLOW-WORKSPACE: team%2Db']],
    ['a control character', ['X-MLFLOW-WORKSPACE: team-b\x01']],
  ])('is refused with 400 before Keycloak is asked: %s', async (_case, headers) => {
    const response = await raw(`GET ${READ}?experiment_id=1 HTTP/1.1`, [`Authorization: Bearer ${token}`, ...headers]);
    expect([response.status, response.upstream]).toEqual([400, null]);
  });

  it('in any letter case of its name, names the workspace MLflow receives, exactly as authorized', async () => {
    const response = await raw(`GET ${READ}?experiment_id=1 HTTP/1.1`, [`Authorization: Bearer ${token}`, 'x-MlFlOw-WoRkSpAcE: default']);
    expect(response.status).toBe(200);
    expect(response.upstream?.headers['x-mlflow-workspace']).toBe('default');
    const none = await raw(`GET ${READ}?experiment_id=1 HTTP/1.1`, [`Authorization: Bearer ${token}`]);
    expect(none.upstream?.headers['x-mlflow-workspace']).toBeUndefined();
  });

  it('naming a project gets 403 while projects are off, and never reaches MLflow', async () => {
    const response = await raw(`GET ${READ}?experiment_id=1 HTTP/1.1`, [`Authorization: Bearer ${token}`, 'X-MLFLOW-WORKSPACE: team-b']);
    expect([response.status, response.upstream]).toEqual([403, null]);
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringContaining('projects are not enabled') });
  });

  it('underscore spellings never select a workspace: nginx drops them, the gate refuses them where nginx would not', async () => {
    const response = await raw(`GET ${READ}?experiment_id=1 HTTP/1.1`, [`Authorization: Bearer ${token}`, 'X_MLFLOW_WORKSPACE: team-b']);
    expect([200, 400]).toContain(response.status);
    expect(response.upstream?.headers['x-mlflow-workspace']).toBeUndefined();
    expect(Object.keys(response.upstream?.headers ?? {}).filter((key) => key.includes('workspace'))).toEqual([]);
  });
});

describe('tokens', () => {
  it('two Authorization headers are refused (nginx 1.22 itself answers 400)', async () => {
    const response = await raw(`GET ${READ} HTTP/1.1`, [`Authorization: Bearer ${token}`, `Authorization: Bearer ${token}`]);
    expect([400, 401]).toContain(response.status);
    expect(response.upstream).toBeNull();
  });

  it.each([
    ['an unknown scheme', () => `Token ${token}`],
    ['a token without scheme', () => token],
    ['an empty bearer', () => 'Bearer '],
    ['an unsigned token (alg none)', () => `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`],
    ['a token from another realm', () => `Bearer ${forged({ iss: stack.issuer.replace(/mlflow$/, 'master') })}`],
    ['a token for another audience', () => `Bearer ${forged({ azp: 'some-other-app', aud: 'some-other-app' })}`],
    ['an expired token', () => `Bearer ${forged({ exp: 1_600_000_000 })}`],
  ])('%s gets 401', async (_name, authorization) => {
    const response = await throughGate('GET', READ, { authorization: authorization() });
    expect([response.status, response.reachedUpstream]).toEqual([401, false]);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="mlflow"/);
  });

  it("a person's user name and password over Basic get 401: only clients' secrets and logins are exchanged", async () => {
    const response = await throughGate('GET', READ, { authorization: `Basic ${Buffer.from('demo-admin:demo-admin-password').toString('base64')}` });
    expect([response.status, response.reachedUpstream]).toEqual([401, false]);
    expect(response.headers['www-authenticate']).toMatch(/^Basic realm="mlflow"/);
  });

  it('an oversized token is refused (nginx answers 400 past its header buffers, the gate 401 past its cap)', async () => {
    for (const length of [7_000, 20_000]) {
      const response = await throughGate('GET', READ, { authorization: `Bearer ${'a'.repeat(length)}.${'b'.repeat(10)}.c` });
      expect([400, 401]).toContain(response.status);
      expect(response.reachedUpstream).toBe(false);
    }
  });

  it('a token in the query string is ignored', async () => {
    const response = await throughGate('GET', `${READ}?access_token=${token}`);
    expect([response.status, response.reachedUpstream]).toEqual([401, false]);
  });
});

/** The viewer's token with some claims replaced: the signature no longer matches, so only Keycloak could tell. */
function forged(claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const changed = { ...JSON.parse(Buffer.from(payload, 'base64url').toString()), ...claims };
  return `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`;
}

describe('an unauthenticated upload', () => {
  it('is refused before its body is read', async () => {
    const testId = randomUUID();
    const bodyBytes = 50 * 1024 * 1024;
    const response = await rawRequest(gatePort, 'PUT /api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/big.bin HTTP/1.1', [
      `${TEST_ID_HEADER}: ${testId}`,
      `Content-Length: ${bodyBytes}`,
      'Content-Type: application/octet-stream',
    ]);
    // Not one body byte was sent: the refusal came back anyway, and the upstream saw nothing.
    expect(response.status).toBe(401);
    expect(await seenUpstream(testId)).toBeNull();
  });
});
