/**
 * The decision cache against the real Keycloak, each case with a gate of its own (real nginx + njs) whose
 * Keycloak traffic passes a counting proxy, so the test sees how many decisions Keycloak actually made.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startCountingProxy } from '../../scripts/counting-proxy.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
import { njsRuntime } from '../../scripts/njs-chroots.mjs';
import { decisionHash, decisionSubrequestArgs } from '../../src/core/decision';
import type { Permission } from '../../src/core/permissions';
import { RESOURCES } from '../../src/core/permissions';
import { demoUsers, resourceServer, serviceClient } from '../support/realm';
import { examplePath, routeGuardedBy } from '../support/routes';
import { adminApi, shortLivedUserToken, userToken } from '../support/tokens';
import { SHORT_TOKEN_SECONDS, sleepUntil, untilExpired } from '../support/waiting';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const READ_PERMISSION: Permission = 'experiments#read';
const DELETE = '/api/2.0/mlflow/experiments/delete';
const stops: (() => Promise<unknown>)[] = [];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const user of demoUsers) tokens[user.role] = await userToken(stack.keycloak, user.username, user.password);
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

/**
 * Lifetimes longer than any test, for tests that count Keycloak calls: the cache key changes when an allow
 * lifetime ends, and a change in the middle of a test would be one more call.
 */
const OUTLASTING_TESTS = { MLFLOW_GATE_CACHE_ALLOW_TTL: '24h', MLFLOW_GATE_CACHE_DENY_TTL: '24h' };

async function cachingGate(settings: Record<string, string> = {}) {
  const proxy = await startCountingProxy(stack.keycloak);
  stops.push(proxy.close);
  const runtimeDir = mkdtempSync(join(stack.runtimeDir, 'cache-'));
  const nginx = await startNginx({
    runtimeDir,
    settings: {
      MLFLOW_GATE_ISSUER: stack.issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${proxy.port}`,
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${new URL(stack.echo).port}`,
      ...OUTLASTING_TESTS,
      ...settings,
    },
  });
  stops.push(nginx.stop);
  return { url: nginx.url, proxy, cacheDir: join(nginx.tempDir, 'decisions'), errorLog: nginx.errorLog };
}

async function send(gate: string, method: 'GET' | 'POST', path: string, token: string) {
  const response = await request(`${gate}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    body: method === 'POST' ? '{}' : undefined,
    headersTimeout: 10_000,
  });
  await response.body.dump();
  return response.statusCode;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isFile());
}

/**
 * A quarter of a second after the next allow-lifetime window of `token`'s key for `permission` begins (ms since
 * the epoch), so that no request of a burst sent then still falls in the window before: the burst has nearly
 * the whole lifetime to meet one cache entry.
 */
function nextWindowStart(token: string, permission: Permission, lifetimeSeconds: number): number {
  const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
  const hash = decisionHash(sha256Hex, token, resourceServer.clientId, permission);
  const keyAt = (seconds: number) => decisionSubrequestArgs(hash, lifetimeSeconds, seconds);
  const now = Math.floor(Date.now() / 1000);
  let start = now + 1;
  while (keyAt(start) === keyAt(now)) start++;
  return start * 1000 + 250;
}

describe('decision cache', () => {
  it('answers a repeated allow and a repeated deny from the cache', async () => {
    const gate = await cachingGate();
    for (let i = 0; i < 20; i++) expect(await send(gate.url, 'GET', READ, tokens.viewer)).toBe(200);
    expect(gate.proxy.decisions()).toBe(1);
    for (let i = 0; i < 5; i++) expect(await send(gate.url, 'POST', DELETE, tokens.viewer)).toBe(403);
    expect(gate.proxy.decisions()).toBe(2);
    // Another token for the same permission is another key.
    expect(await send(gate.url, 'GET', READ, tokens.editor)).toBe(200);
    expect(gate.proxy.decisions()).toBe(3);
  });

  it('never writes a token to disk: cache files hold hashed keys and Keycloak answers only', async () => {
    const gate = await cachingGate();
    expect(await send(gate.url, 'GET', READ, tokens.viewer)).toBe(200);
    expect(await send(gate.url, 'POST', DELETE, tokens.viewer)).toBe(403);
    const files = filesUnder(gate.cacheDir);
    expect(files.length).toBe(2);
    const [, payload, signature] = tokens.viewer.split('.');
    for (const file of files) {
      const content = readFileSync(file).toString('utf8');
      expect(content).toMatch(/KEY: mlflow-gate-decision:[0-9a-f]{64}\.\d+\n/);
      expect(content).not.toContain(payload);
      expect(content).not.toContain(signature);
    }
    expect(readFileSync(gate.errorLog, 'utf8')).not.toContain(payload);
  });

  it('keeps tokens exchanged for Basic credentials sealed: neither the secret nor a token is on disk', async () => {
    const gate = await cachingGate();
    const basic = `Basic ${Buffer.from(`${serviceClient.clientId}:${serviceClient.secret}`).toString('base64')}`;
    for (let i = 0; i < 3; i++) {
      const response = await request(`${gate.url}${READ}`, { headers: { authorization: basic } });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
    }
    // Keycloak's token endpoint saw one exchange and one decision for the three requests.
    expect(gate.proxy.decisions()).toBe(2);
    const contents = filesUnder(gate.cacheDir).map((file) => readFileSync(file).toString('utf8'));
    expect(contents.filter((content) => /KEY: mlflow-gate-token:[0-9a-f]{64}\n/.test(content))).toHaveLength(1);
    for (const content of contents) {
      expect(content).not.toContain(serviceClient.secret!);
      expect(content).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    }
  });

  it('never caches a 401: a token Keycloak rejects is asked about every time', async () => {
    const gate = await cachingGate();
    const [header, payload] = tokens.viewer.split('.');
    const badSignature = `${header}.${payload}.c2lnbmF0dXJl`;
    for (let i = 0; i < 3; i++) expect(await send(gate.url, 'GET', READ, badSignature)).toBe(401);
    expect(gate.proxy.decisions()).toBe(3);
  });

  it('collapses concurrent identical misses into one Keycloak call', async () => {
    const gate = await cachingGate();
    const statuses = await Promise.all(Array.from({ length: 50 }, () => send(gate.url, 'GET', READ, tokens.admin)));
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(gate.proxy.decisions()).toBeLessThanOrEqual(2);
  });

  it('collapses concurrent requests into one Keycloak call again after an allow lifetime ends', async () => {
    const lifetimeSeconds = 4;
    const gate = await cachingGate({ MLFLOW_GATE_CACHE_ALLOW_TTL: `${lifetimeSeconds}s` });
    const burst = async () => {
      await sleepUntil(nextWindowStart(tokens.viewer, READ_PERMISSION, lifetimeSeconds));
      return Promise.all(Array.from({ length: 30 }, () => send(gate.url, 'GET', READ, tokens.viewer)));
    };
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(gate.proxy.decisions()).toBe(1);
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(gate.proxy.decisions()).toBe(2);
  });

  it.runIf(njsRuntime().sharedDictionaries)('with shared allows, holds no request back when an allow lifetime ends: one request refreshes it early', async () => {
    // Refreshed in the last 5 s of its 15 s (refreshLeadMs in src/core/decision.ts).
    const lifetimeSeconds = 15;
    const gate = await cachingGate({ MLFLOW_GATE_CACHE_ALLOW_TTL: `${lifetimeSeconds}s` });
    const burst = () => Promise.all(Array.from({ length: 20 }, () => send(gate.url, 'GET', READ, tokens.viewer)));
    const windowStart = nextWindowStart(tokens.viewer, READ_PERMISSION, lifetimeSeconds);
    await sleepUntil(windowStart);
    expect(await send(gate.url, 'GET', READ, tokens.viewer)).toBe(200);
    expect(gate.proxy.decisions()).toBe(1);
    // The window of the decision cache, and so the shared allow, ends a lifetime after it began.
    const windowEnds = windowStart - 250 + lifetimeSeconds * 1000;
    await sleepUntil(windowEnds - 3_000);
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(gate.proxy.decisions()).toBe(2);
    // Past the end of the old window: the refreshed allow answers, Keycloak is not asked.
    await sleepUntil(windowEnds + 1_000);
    expect(new Set(await burst())).toEqual(new Set([200]));
    expect(gate.proxy.decisions()).toBe(2);
  });

  it('asks Keycloak every time when turned off', async () => {
    const gate = await cachingGate({ MLFLOW_GATE_DECISION_CACHE: 'off' });
    for (let i = 0; i < 5; i++) expect(await send(gate.url, 'GET', READ, tokens.viewer)).toBe(200);
    expect(gate.proxy.decisions()).toBe(5);
    expect(filesUnder(gate.cacheDir)).toEqual([]);
  });

  it('does not serve an expired token from the cache', async () => {
    const gate = await cachingGate({ MLFLOW_GATE_CACHE_ALLOW_TTL: '60s' });
    const editor = demoUsers.find((user) => user.role === 'editor')!;
    const shortLived = await shortLivedUserToken(stack.keycloak, editor.username, editor.password, SHORT_TOKEN_SECONDS);
    expect(await send(gate.url, 'GET', READ, shortLived)).toBe(200);
    await untilExpired(shortLived);
    expect(await send(gate.url, 'GET', READ, shortLived)).toBe(401);
    expect(gate.proxy.decisions()).toBe(1);
  });

  it('honours a logout for at most the allow lifetime', async () => {
    const lifetimeSeconds = 2;
    const gate = await cachingGate({ MLFLOW_GATE_CACHE_ALLOW_TTL: `${lifetimeSeconds}s` });
    const editor = demoUsers.find((user) => user.role === 'editor')!;
    const token = await userToken(stack.keycloak, editor.username, editor.password);
    expect(await send(gate.url, 'GET', READ, token)).toBe(200);
    const cachedBy = Date.now();
    const users = (await adminApi(stack.keycloak, 'GET', `/users?username=${editor.username}&exact=true`)).json as { id: string }[];
    await adminApi(stack.keycloak, 'POST', `/users/${users[0].id}/logout`);
    // A second past the lifetime, counted from the cached answer: nginx and the key count whole seconds.
    await sleepUntil(cachedBy + (lifetimeSeconds + 1) * 1000);
    expect(await send(gate.url, 'GET', READ, token)).toBe(401);
  });

  it('when full, evicts and asks again: a denied request stays denied', async () => {
    // A 16k zone holds a few dozen keys; up to 45 permissions × 2 tokens overflow it.
    const gate = await cachingGate({ MLFLOW_GATE_CACHE_ZONE_SIZE: '16k' });
    const probes = RESOURCES.flatMap((resource) =>
      (['read', 'write', 'delete'] as const).flatMap((scope) => {
        const route = routeGuardedBy(`${resource}#${scope}`);
        return route ? [{ scope, method: route.method, path: examplePath(route.rule) }] : [];
      }),
    );
    for (const role of ['viewer', 'none'] as const) {
      for (const probe of probes) {
        const response = await request(`${gate.url}${probe.path}`, {
          method: probe.method as 'GET',
          headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'application/json' },
          body: probe.method === 'GET' ? undefined : '{}',
        });
        await response.body.dump();
        const allowed = role === 'viewer' && probe.scope === 'read';
        expect([role, probe.path, response.statusCode === 200]).toEqual([role, probe.path, allowed]);
      }
    }
    // The zone could not hold every decision: nginx evicted the oldest (their files are gone too) ...
    const keys = probes.length * 2;
    expect(gate.proxy.decisions()).toBe(keys);
    expect(filesUnder(gate.cacheDir).length).toBeLessThan(keys);
    // ... and an evicted allow is a miss that Keycloak answers again, not an allow from nowhere; where the shared
    // allows (a zone of their own) still hold it, they answer it.
    const first = probes.find((probe) => probe.scope === 'read')!;
    const again = await request(`${gate.url}${first.path}`, { method: first.method as 'GET', headers: { authorization: `Bearer ${tokens.viewer}` } });
    await again.body.dump();
    expect(again.statusCode).toBe(200);
    expect(gate.proxy.decisions()).toBe(keys + (njsRuntime().sharedDictionaries ? 0 : 1));
  });
});
