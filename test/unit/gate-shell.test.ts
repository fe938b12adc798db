/// <reference path="../../node_modules/njs-types/ngx_http_js_module.d.ts" />
/**
 * The njs shell with a fake njs request object: what it hands nginx for an allowed request, a refusal, and
 * an exception (which must become a 500 refusal, so the request is never proxied); the handler frame around
 * every handler; and the handlers each bundle exports, which nginx/*.conf takes from it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { confDir, projectRoot } from '../../scripts/nginx.mjs';
import { MLFLOW_ROUTES } from '../../src/core/mlflow-routes';
import { confBundleHandlers, njsBundles } from '../../scripts/bundles.mjs';
import gateAuthorize from '../../src/njs/bundles/mlflow-uma-gate-authorize';
import gateHelper from '../../src/njs/bundles/mlflow-uma-gate-helper';
import gatePages from '../../src/njs/bundles/mlflow-uma-gate';

const gate = { ...gateAuthorize, ...gateHelper, ...gatePages };

/** Like nginx's js_preload_object: parsed JSON, frozen, and without prototype chains. */
function preloaded(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return Object.freeze(Object.setPrototypeOf(value.map(preloaded), null));
  const copy = Object.create(null);
  for (const [key, entry] of Object.entries(value)) copy[key] = preloaded(entry);
  return Object.freeze(copy);
}

const routesFile = join(projectRoot, 'dist', 'mlflow-uma-gate-routes.json');

beforeAll(() => {
  (globalThis as Record<string, unknown>).mlflow_gate_routes = preloaded(JSON.parse(readFileSync(routesFile, 'utf8')));
  // njs 0.7.9's ngx: no shared dictionaries (a test below gives it a metrics zone).
  (globalThis as Record<string, unknown>).ngx = {};
});

describe('dist/mlflow-uma-gate-routes.json', () => {
  it('is the route index of src/core/route-table.ts (npm run build writes it)', () => {
    expect(JSON.parse(readFileSync(routesFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(MLFLOW_ROUTES)));
  });
});

const now = Math.floor(Date.now() / 1000);
const issuer = 'https://sso.example/realms/mlflow';
const claims = { exp: now + 300, iss: issuer, azp: 'mlflow-cli', sub: 's', preferred_username: 'ada lovelace' };
const token = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

function fakeRequest(target: string, subrequest: () => Promise<{ status: number; responseText: string }>) {
  return {
    variables: {
      request_method: 'GET',
      request_uri: target,
      request_id: 'f00d',
      mlflow_gate_issuer: issuer,
      scheme: 'https',
      http_host: 'gate',
    } as Record<string, string>,
    headersIn: {} as Record<string, string>,
    uri: target,
    args: {} as Record<string, string>,
    rawHeadersIn: [
      ['Host', 'gate'],
      ['Authorization', `Bearer ${token}`],
    ],
    headersOut: {} as Record<string, string>,
    return: vi.fn(),
    error: vi.fn(),
    warn: vi.fn(),
    subrequest: vi.fn(async () => ({ ...(await subrequest()), variables: { upstream_cache_status: 'MISS' } })),
  };
}

async function authorize(r: ReturnType<typeof fakeRequest>) {
  await gate.authorize(r as unknown as NginxHTTPRequest);
  return r;
}

describe('authorize (njs shell)', () => {
  it('allows with the verified user and the canonical target for MLflow', async () => {
    const r = await authorize(fakeRequest('/api/2.0/mlflow/experiments/get?experiment_id=1', async () => ({ status: 200, responseText: '{"result":true}' })));
    expect(r.return).toHaveBeenCalledWith(204);
    expect(r.headersOut['X-Mlflow-Gate-User']).toBe('ada%20lovelace');
    expect(r.headersOut['X-Mlflow-Gate-Target']).toBe('/api/2.0/mlflow/experiments/get?experiment_id=1');
    expect(r.headersOut['X-Mlflow-Gate-Upstream']).toBe('mlflow_gate_mlflow');
    expect(JSON.parse(`{${r.headersOut['X-Mlflow-Gate-Audit']}}`)).toMatchObject({ decision: 'allow', cache: 'MISS', user: 'ada lovelace' });
  });

  it('sends requests whose body names the user through the attribution helper', async () => {
    const r = fakeRequest('/api/2.0/mlflow/runs/create', async () => ({ status: 200, responseText: '{"result":true}' }));
    r.variables.request_method = 'POST';
    await authorize(r);
    expect(r.return).toHaveBeenCalledWith(204);
    expect(r.headersOut['X-Mlflow-Gate-Upstream']).toBe('mlflow_gate_helper');
    expect(r.headersOut['X-Mlflow-Gate-Target']).toBe('/_mlflow_gate/attribute/api/2.0/mlflow/runs/create');
  });

  it('matches parameterised routes from the preloaded index', async () => {
    const target = '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model.pkl';
    const r = await authorize(fakeRequest(target, async () => ({ status: 200, responseText: '{"result":true}' })));
    expect(r.return).toHaveBeenCalledWith(204);
    expect(r.subrequest).toHaveBeenCalledWith(
      '/_mlflow_gate/keycloak/decision',
      expect.objectContaining({ body: expect.stringContaining('permission=artifacts%23read') }),
    );
  });

  it('under QuickJS, where nothing is preloaded, routes with the copy of the index the build puts in the bundle', async () => {
    const globals = globalThis as Record<string, unknown>;
    const preloadedRoutes = globals.mlflow_gate_routes;
    delete globals.mlflow_gate_routes;
    globals.MLFLOW_GATE_ROUTE_INDEX_JSON = JSON.stringify(MLFLOW_ROUTES);
    try {
      const r = await authorize(fakeRequest('/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model.pkl', async () => ({ status: 200, responseText: '{"result":true}' })));
      expect(r.return).toHaveBeenCalledWith(204);
    } finally {
      globals.mlflow_gate_routes = preloadedRoutes;
      delete globals.MLFLOW_GATE_ROUTE_INDEX_JSON;
    }
  });

  it('signals a refusal with its real status, body and headers', async () => {
    const r = await authorize(fakeRequest('/api/2.0/mlflow/experiments/get', async () => ({ status: 403, responseText: '{"error":"access_denied"}' })));
    expect(r.return).toHaveBeenCalledWith(403);
    expect(r.headersOut['X-Mlflow-Gate-Status']).toBe('403');
    expect(JSON.parse(r.headersOut['X-Mlflow-Gate-Body'])).toMatchObject({ error_code: 'PERMISSION_DENIED', request_id: 'f00d' });
    expect(r.headersOut['X-Mlflow-Gate-Target']).toBeUndefined();
  });

  it('turns an exception into a 500 refusal and logs it', async () => {
    const r = await authorize(
      fakeRequest('/api/2.0/mlflow/experiments/get', async () => {
        throw new Error('subrequest failed');
      }),
    );
    expect(r.return).toHaveBeenCalledWith(403);
    expect(r.return).not.toHaveBeenCalledWith(204);
    expect(r.headersOut['X-Mlflow-Gate-Status']).toBe('500');
    expect(r.error).toHaveBeenCalledWith(expect.stringContaining('subrequest failed'));
  });
});

describe('the handler frame', () => {
  it('renders an exception in any content handler as MLflow JSON with the request id', async () => {
    const r = fakeRequest('/_mlflow_gate/whoami', async () => {
      throw new Error('subrequest failed');
    });
    await gate.whoami(r as unknown as NginxHTTPRequest);
    expect(r.return).toHaveBeenCalledTimes(1);
    const [status, body] = r.return.mock.calls[0] as unknown as [number, string];
    expect(status).toBe(500);
    expect(JSON.parse(body)).toMatchObject({ error_code: 'INTERNAL_ERROR', request_id: 'f00d' });
    expect(r.headersOut['X-Request-Id']).toBe('f00d');
    expect(r.headersOut['Content-Type']).toBe('application/json');
    expect(r.error).toHaveBeenCalledWith(expect.stringContaining('subrequest failed'));
  });

  it('refuses with 500 JSON when the settings are broken, for every content handler', async () => {
    const contentHandlers = ['attribute', 'callback', 'exchange', 'health', 'loginSettings', 'logout', 'whoami'] as const;
    for (const name of contentHandlers) {
      const r = fakeRequest('/x', async () => ({ status: 200, responseText: '{}' }));
      r.variables.mlflow_gate_issuer = 'not a realm';
      await gate[name](r as unknown as NginxHTTPRequest);
      expect(r.return, name).toHaveBeenCalledWith(500, expect.stringContaining('"request_id":"f00d"'));
      expect(r.subrequest, name).not.toHaveBeenCalled();
    }
  });

  it('answers the gate\'s own information with the request id', async () => {
    const r = fakeRequest('/_mlflow_gate/login', async () => ({ status: 200, responseText: '{}' }));
    await gate.loginSettings(r as unknown as NginxHTTPRequest);
    expect(r.return).toHaveBeenCalledWith(200, JSON.stringify({ issuer, client_id: 'mlflow-cli', resource_server: 'mlflow-gate' }));
    expect(r.headersOut['X-Request-Id']).toBe('f00d');
  });
});

describe('metrics (njs shell)', () => {
  const ngx = () => (globalThis as unknown as { ngx: { shared?: unknown } }).ngx;
  const allow = () => fakeRequest('/api/2.0/mlflow/experiments/get?experiment_id=1', async () => ({ status: 200, responseText: '{"result":true}' }));

  afterEach(() => {
    delete ngx().shared;
  });

  it('counts a decision and its Keycloak lookup where njs has the metrics zone', async () => {
    const incr = vi.fn();
    ngx().shared = { mlflow_gate_metrics: { incr, items: () => [] } };
    const r = await authorize(allow());
    expect(r.return).toHaveBeenCalledWith(204);
    const keys = incr.mock.calls.map((call) => call[0]);
    expect(keys).toContain('mlflow_gate_decisions_total{result="allow"}');
    expect(keys).toContain('mlflow_gate_decision_cache_total{cache="decision",status="miss"}');
    expect(keys).toContain('mlflow_gate_keycloak_request_duration_seconds_count{call="decision"}');
  });

  it('never changes an answer: a zone that fails is logged, and the request goes on', async () => {
    ngx().shared = {
      mlflow_gate_metrics: {
        incr: () => {
          throw new Error('SharedMemoryError: no memory');
        },
        items: () => [],
      },
    };
    const r = await authorize(allow());
    expect(r.return).toHaveBeenCalledWith(204);
    expect(r.warn).toHaveBeenCalledWith(expect.stringContaining('metrics not counted'));
  });
});

describe('bundles', () => {
  it('export exactly the handlers nginx/*.conf takes from each', async () => {
    const exported: Record<string, string[]> = {};
    for (const { file, entry } of njsBundles(projectRoot)) exported[file] = Object.keys((await import(entry)).default).sort();
    expect(exported).toEqual(confBundleHandlers(confDir));
  });
});
