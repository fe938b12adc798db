/**
 * The coverage guard: the route table must list exactly the (method, route) pairs that the installed, pinned
 * MLflow serves, read from its own Flask url_map and FastAPI routes. A route added by an MLflow upgrade fails
 * this test until someone decides its guard.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installMlflow, mlflowPython } from '../../scripts/mlflow.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import { ROUTE_TABLE } from '../../src/core/route-table';

interface ServedRoute {
  method: string;
  rule: string;
  source: 'flask' | 'fastapi';
}

let served: ServedRoute[] = [];

beforeAll(() => {
  installMlflow();
  const dump = execFileSync(mlflowPython, [join(projectRoot, 'test', 'support', 'mlflow_routes.py')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 16 * 1024 * 1024,
  });
  served = JSON.parse(dump);
}, 600_000);

const key = (route: { method: string; rule: string }) => `${route.method} ${route.rule}`;

describe('route table coverage of the pinned MLflow', () => {
  it('reads a plausible route list from MLflow', () => {
    expect(served.length).toBeGreaterThan(300);
    expect(served.some((route) => route.source === 'fastapi')).toBe(true);
    expect(served.map(key)).toContain('POST /api/2.0/mlflow/experiments/delete');
  });

  it('maps every route MLflow serves', () => {
    const mapped = new Set(ROUTE_TABLE.map(key));
    expect([...new Set(served.map(key))].filter((route) => !mapped.has(route)).sort()).toEqual([]);
  });

  it('maps nothing MLflow does not serve', () => {
    const servedKeys = new Set(served.map(key));
    expect(ROUTE_TABLE.map(key).filter((route) => !servedKeys.has(route)).sort()).toEqual([]);
  });
});
