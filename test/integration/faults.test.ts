/**
 * Faults around the gate, each with a gate of its own (real nginx + njs) whose Keycloak or MLflow upstream is
 * a misbehaving peer on 127.0.0.1. Tokens come from the real Keycloak, so only the fault differs. Every
 * request is bounded by the client's header timeout: a gate that hangs fails the test. The gate gives up on
 * Keycloak after 4 s and on MLflow after its read timeout; the bound leaves a loaded machine seconds beyond.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startNginx } from '../../scripts/nginx.mjs';
import { freePort } from '../../scripts/processes.mjs';
import { TEST_ID_HEADER } from '../support/echo-upstream';
import { seenUpstream } from '../support/gate-client';
import type { Misbehaviour, Peer } from '../support/misbehaving-peer';
import { startMisbehavingPeer } from '../support/misbehaving-peer';
import { demoUsers } from '../support/realm';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const HANGING_GATE_MS = 15_000;
const stops: (() => Promise<unknown>)[] = [];
let token: string;

beforeAll(async () => {
  const viewer = demoUsers.find((user) => user.role === 'viewer')!;
  token = await userToken(stack.keycloak, viewer.username, viewer.password);
});

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
});

async function gateWith(upstreams: { keycloak?: number; mlflow?: number }, settings: Record<string, string> = {}) {
  const nginx = await startNginx({
    runtimeDir: mkdtempSync(join(stack.runtimeDir, 'fault-')),
    settings: {
      MLFLOW_GATE_ISSUER: stack.issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${upstreams.keycloak ?? stack.keycloakPort}`,
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${upstreams.mlflow ?? new URL(stack.echo).port}`,
      ...settings,
    },
  });
  stops.push(nginx.stop);
  return nginx.url;
}

async function peer(behaviour: Misbehaviour): Promise<Peer> {
  const started = await startMisbehavingPeer(behaviour);
  stops.push(started.close);
  return started;
}

async function get(gate: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await request(`${gate}${READ}`, { headers: { authorization: `Bearer ${token}`, ...headers }, headersTimeout: HANGING_GATE_MS });
  const body = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body, seconds: (Date.now() - started) / 1000 };
}

describe('Keycloak misbehaving: 503 with Retry-After, never access', () => {
  it.each<[string, () => Promise<number>]>([
    ['refusing connections', () => freePort()],
    ['accepting and never answering', async () => (await peer({ kind: 'silent' })).port],
    ['trickling its answer a byte at a time', async () => (await peer({ kind: 'trickle', intervalMs: 200 })).port],
    ['answering 500', async () => (await peer({ kind: 'answer', status: 500, body: '{"error":"boom"}' })).port],
    ['answering 502', async () => (await peer({ kind: 'answer', status: 502, body: '' })).port],
    ['answering 429', async () => (await peer({ kind: 'answer', status: 429, body: '{"error":"slow down"}' })).port],
    ['answering 200 with a body that is not the decision', async () => (await peer({ kind: 'answer', status: 200, body: '<html>ok</html>' })).port],
    ['answering 200 with a decision that is not true', async () => (await peer({ kind: 'answer', status: 200, body: '{"result":"true"}' })).port],
  ])('%s', async (fault, keycloakPort) => {
    const gate = await gateWith({ keycloak: await keycloakPort() });
    const response = await get(gate);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('5');
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE' });
    console.log(`keycloak ${fault}: 503 after ${response.seconds.toFixed(2)} s`);
  });

  it('an unresolvable Keycloak host keeps nginx from starting at all', async () => {
    await expect(
      startNginx({
        runtimeDir: mkdtempSync(join(stack.runtimeDir, 'fault-')),
        settings: { MLFLOW_GATE_ISSUER: stack.issuer, MLFLOW_GATE_KEYCLOAK_UPSTREAM: 'keycloak.invalid:8080', MLFLOW_GATE_MLFLOW_UPSTREAM: '127.0.0.1:9' },
      }),
    ).rejects.toThrow(/host not found in upstream "keycloak\.invalid:8080"/);
  });
});

describe('MLflow misbehaving', () => {
  it('down: 502 in MLflow JSON', async () => {
    const gate = await gateWith({ mlflow: await freePort() });
    const response = await get(gate);
    expect(response.status).toBe(502);
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringContaining('unreachable') });
  });

  it('too slow: 504 in MLflow JSON after the configured read timeout', async () => {
    const silent = await peer({ kind: 'silent' });
    const gate = await gateWith({ mlflow: silent.port }, { MLFLOW_GATE_MLFLOW_READ_TIMEOUT: '2s' });
    const response = await get(gate);
    expect(response.status).toBe(504);
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE', message: expect.stringContaining('in time') });
  });
});

describe('a gate that cannot work', () => {
  it('answers 500 and proxies nothing when its configuration is broken', async () => {
    const echoPort = Number(new URL(stack.echo).port);
    const gate = await gateWith({ mlflow: echoPort }, { MLFLOW_GATE_ISSUER: '' });
    const testId = randomUUID();
    const response = await get(gate, { [TEST_ID_HEADER]: testId });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ error_code: 'INTERNAL_ERROR' });
    expect(await seenUpstream(testId)).toBeNull();
  });
});
