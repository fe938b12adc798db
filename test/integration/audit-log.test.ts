/**
 * The audit log of a real gate (nginx + njs, the real Keycloak, the echo upstream): one JSON line per decision,
 * with the fields README.md documents, for allowed, denied, refused and faulted requests, and never a token.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNginx } from '../../scripts/nginx.mjs';
import { freePort } from '../../scripts/processes.mjs';
import { demoUsers, serviceClient } from '../support/realm';
import { userToken } from '../support/tokens';
import { eventually } from '../support/waiting';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get';
const DELETE = '/api/2.0/mlflow/experiments/delete';
const FIELDS = ['time', 'request_id', 'user', 'client', 'method', 'path', 'permission', 'decision', 'reason', 'cache', 'keycloak_ms', 'status', 'upstream_status'];
const stops: (() => Promise<unknown>)[] = [];
let viewerToken: string;

beforeAll(async () => {
  const viewer = demoUsers.find((user) => user.role === 'viewer')!;
  viewerToken = await userToken(stack.keycloak, viewer.username, viewer.password);
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function gate(keycloakPort = stack.keycloakPort) {
  const nginx = await startNginx({
    runtimeDir: mkdtempSync(join(stack.runtimeDir, 'audit-')),
    settings: {
      MLFLOW_GATE_ISSUER: stack.issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${keycloakPort}`,
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${new URL(stack.echo).port}`,
      // The cache key changes when an allow lifetime ends; within a test it must not, or a HIT becomes a MISS.
      MLFLOW_GATE_CACHE_ALLOW_TTL: '24h',
    },
  });
  stops.push(nginx.stop);
  return nginx;
}

async function send(url: string, method: 'GET' | 'POST', path: string, authorization?: string) {
  const response = await request(`${url}${path}`, {
    method,
    headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
    body: method === 'POST' ? '{}' : undefined,
    headersTimeout: 10_000,
  });
  await response.body.dump();
  return { status: response.statusCode, requestId: response.headers['x-request-id'] };
}

/** The audit lines written so far; nginx writes a request's line when the request ends. */
function auditLines(file: string, count: number): Promise<Record<string, unknown>[]> {
  return eventually(`${count} audit lines in ${file}`, () => {
    const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    return lines.length >= count ? lines.map((line) => JSON.parse(line) as Record<string, unknown>) : undefined;
  });
}

describe('audit log', () => {
  it('writes one JSON line per decision: allowed, denied and refused, with the documented fields', async () => {
    const nginx = await gate();
    const bearer = `Bearer ${viewerToken}`;
    expect((await send(nginx.url, 'GET', `${READ}?experiment_id=0&secret=q`, bearer)).status).toBe(200);
    expect((await send(nginx.url, 'GET', `${READ}?experiment_id=0`, bearer)).status).toBe(200);
    expect((await send(nginx.url, 'POST', DELETE, bearer)).status).toBe(403);
    expect((await send(nginx.url, 'GET', READ)).status).toBe(401);
    const basic = `Basic ${Buffer.from(`${serviceClient.clientId}:${serviceClient.secret}`).toString('base64')}`;
    expect((await send(nginx.url, 'GET', `${READ}?experiment_id=0`, basic)).status).toBe(200);
    const [first, cached, denied, anonymous, service] = await auditLines(nginx.auditLog, 5);
    for (const line of [first, cached, denied, anonymous, service]) expect(Object.keys(line).sort()).toEqual([...FIELDS].sort());
    expect(first).toMatchObject({
      user: 'demo-viewer',
      client: 'mlflow-cli',
      method: 'GET',
      path: READ,
      permission: 'experiments#read',
      decision: 'allow',
      reason: '',
      cache: 'MISS',
      status: 200,
      upstream_status: '200',
    });
    expect(first.request_id).toMatch(/^[0-9a-f]{32}$/);
    expect(first.keycloak_ms).toEqual(expect.any(Number));
    expect(cached).toMatchObject({ decision: 'allow', cache: 'HIT' });
    expect(denied).toMatchObject({ decision: 'deny', reason: 'forbidden', permission: 'experiments#delete', status: 403, upstream_status: '' });
    expect(anonymous).toMatchObject({ decision: 'refuse', reason: 'no-token', user: '', keycloak_ms: null, cache: '', status: 401 });
    expect(service).toMatchObject({ decision: 'allow', user: 'service-account-mlflow-automation', client: 'mlflow-automation' });
    const log = readFileSync(nginx.auditLog, 'utf8');
    expect(log).not.toContain(viewerToken.split('.')[1]);
    expect(log).not.toContain(serviceClient.secret!);
    expect(log).not.toContain('secret=q');
  });

  it('records a faulted decision: Keycloak unreachable is a refusal with its reason and a 503', async () => {
    const nginx = await gate(await freePort());
    expect((await send(nginx.url, 'GET', `${READ}?experiment_id=0`, `Bearer ${viewerToken}`)).status).toBe(503);
    const [faulted] = await auditLines(nginx.auditLog, 1);
    expect(faulted).toMatchObject({ user: 'demo-viewer', decision: 'refuse', reason: 'keycloak-unavailable', status: 503 });
  });

  it('passes its request id on to MLflow', async () => {
    const nginx = await gate();
    const response = await request(`${nginx.url}${READ}?experiment_id=0`, { headers: { authorization: `Bearer ${viewerToken}` } });
    const seen = (await response.body.json()) as { headers: Record<string, string> };
    const [line] = await auditLines(nginx.auditLog, 1);
    expect(seen.headers['x-request-id']).toBe(line.request_id);
  });
});
