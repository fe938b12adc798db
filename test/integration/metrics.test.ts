/**
 * The metrics server of a gate of its own, in front of the real Keycloak: with njs 0.8 and later (shared
 * dictionaries) every decision, cache lookup, Keycloak call, token exchange and MLflow answer is counted and
 * scraped in Prometheus's text format; on njs 0.7.9 the metrics server says why it has none, and the gate
 * works as before.
 */
import { readFileSync } from 'node:fs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { njsRuntime } from '../../scripts/njs-chroots.mjs';
import { demoUsers, serviceClient } from '../support/realm';
import { startTestGate } from '../support/test-gate';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const DELETE = '/api/2.0/mlflow/experiments/delete';
const viewer = demoUsers.find((user) => user.role === 'viewer')!;
const counting = njsRuntime().sharedDictionaries;
let gate: Awaited<ReturnType<typeof startTestGate>>;

beforeAll(async () => {
  gate = await startTestGate(stack, 'metrics', {});
});

afterAll(async () => {
  await gate?.stop();
});

async function send(url: string, options: { method?: string; authorization?: string; body?: string } = {}) {
  const headers: Record<string, string> = options.authorization ? { authorization: options.authorization } : {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await request(url, { method: (options.method ?? 'GET') as 'GET', headers, body: options.body });
  return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
}

function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** `series value` lines of a scrape, by series. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    found.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return found;
}

describe('the metrics server', () => {
  it('answers only GET /metrics, in MLflow JSON with the request id otherwise', async () => {
    const other = await send(gate.metricsUrl.replace('/metrics', '/api/2.0/mlflow/experiments/list'));
    expect(other.status).toBe(404);
    expect(JSON.parse(other.text)).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND', request_id: other.headers['x-request-id'] });
    const post = await send(gate.metricsUrl, { method: 'POST', body: '{}' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);
  });

  it('is not on the public server', async () => {
    const response = await send(`${gate.url}/metrics`);
    expect([401, 403]).toContain(response.status);
    expect(response.text).not.toContain('mlflow_gate_');
  });
});

describe.runIf(!counting)('on njs without shared dictionaries', () => {
  it('the metrics server answers 501 naming the njs version, and the gate decides as before', async () => {
    const scrape = await send(gate.metricsUrl);
    expect(scrape.status).toBe(501);
    expect(JSON.parse(scrape.text)).toMatchObject({ error_code: 'NOT_IMPLEMENTED', request_id: scrape.headers['x-request-id'] });
    expect(JSON.parse(scrape.text).message).toMatch(/njs 0\.7\.\d+ has no shared dictionaries/);
    const token = await userToken(stack.keycloak, viewer.username, viewer.password);
    expect((await send(`${gate.url}${READ}`, { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});

describe.runIf(counting)('on njs with shared dictionaries', () => {
  it('counts decisions, cache lookups, Keycloak calls, token exchanges and MLflow answers', async () => {
    const token = await userToken(stack.keycloak, viewer.username, viewer.password);
    const bearer = `Bearer ${token}`;
    expect((await send(`${gate.url}${READ}`, { authorization: bearer })).status).toBe(200);
    expect((await send(`${gate.url}${READ}`, { authorization: bearer })).status).toBe(200);
    expect((await send(`${gate.url}${DELETE}`, { method: 'POST', authorization: bearer, body: '{"experiment_id":"0"}' })).status).toBe(403);
    expect((await send(`${gate.url}${READ}`)).status).toBe(401);
    expect((await send(`${gate.url}${READ}`, { authorization: basic(serviceClient.clientId, serviceClient.secret!) })).status).toBe(200);
    expect((await send(`${gate.url}${READ}`, { authorization: basic(serviceClient.clientId, 'not-the-secret') })).status).toBe(401);

    // MLflow's answers are counted when NGINX logs them, which may come a moment after the client has the answer.
    const wanted = {
      'mlflow_gate_decisions_total{result="allow"}': 3,
      'mlflow_gate_decisions_total{result="deny",reason="forbidden"}': 1,
      'mlflow_gate_decisions_total{result="refuse",reason="no-token"}': 1,
      'mlflow_gate_decisions_total{result="refuse",reason="invalid-credentials"}': 1,
      'mlflow_gate_token_exchanges_total{result="issued"}': 1,
      'mlflow_gate_token_exchanges_total{result="invalid-credentials"}': 1,
      'mlflow_gate_mlflow_responses_total{code="2xx"}': 3,
    };
    let scraped = new Map<string, number>();
    let scrape = { status: 0, headers: {} as Record<string, unknown>, text: '' };
    for (const deadline = Date.now() + 10_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) {
      scrape = await send(gate.metricsUrl);
      scraped = samples(scrape.text);
      if (Object.entries(wanted).every(([series, value]) => scraped.get(series) === value)) break;
    }
    expect(scrape.status).toBe(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Object.fromEntries(Object.keys(wanted).map((series) => [series, scraped.get(series)]))).toEqual(wanted);
    expect(scrape.text).toContain('# TYPE mlflow_gate_keycloak_request_duration_seconds histogram');

    // Four decisions (two reads of one permission, a delete, a read with Basic credentials), each looked up once;
    // Keycloak timed for each one no cache answered (the second read: the shared allows, or a refresh of them
    // when the first one's window was about to end).
    const lookups = [...scraped.entries()].filter(([series]) => series.startsWith('mlflow_gate_decision_cache_total{cache="decision",'));
    expect(lookups.reduce((sum, [, value]) => sum + value, 0)).toBe(4);
    const fromCache = lookups.filter(([series]) => /status="(shared|hit)"/.test(series)).reduce((sum, [, value]) => sum + value, 0);
    const histogram = 'mlflow_gate_keycloak_request_duration_seconds';
    const keycloakDecisions = scraped.get(`${histogram}_count{call="decision"}`)!;
    expect(keycloakDecisions).toBe(4 - fromCache);
    expect(keycloakDecisions).toBeGreaterThanOrEqual(3);
    const buckets = [...scraped.entries()].filter(([series]) => series.startsWith(`${histogram}_bucket{call="decision",`)).map(([, value]) => value);
    expect(buckets.length).toBe(11);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(buckets[buckets.length - 1]).toBe(keycloakDecisions);
    expect(scraped.get(`${histogram}_sum{call="decision"}`)).toBeGreaterThan(0);
    expect(scraped.get(`${histogram}_count{call="exchange"}`)).toBe(2);
    expect(scraped.has('mlflow_gate_keycloak_errors_total{call="decision"}')).toBe(false);
    expect(readFileSync(gate.errorLog, 'utf8')).not.toMatch(/metrics not counted|uninitialized|\[(error|alert|emerg)\]/);
  });
});
