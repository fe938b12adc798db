import { describe, expect, it } from 'vitest';
import { REFUSED } from '../../src/core/permissions';
import { MLFLOW_ROUTES } from '../../src/core/mlflow-routes';
import { buildRouteIndex, compileRule, matchRoute } from '../../src/core/route-matcher';
import { workspaceOperation } from '../../src/core/projects';
import { ROUTE_TABLE } from '../../src/core/route-table';
import type { RouteSpec } from '../../src/core/route-table';
import { examplePath } from '../support/routes';

const sample: RouteSpec[] = [
  { method: 'GET', rule: '/api/2.0/mlflow/experiments/get', guard: 'experiments#read' },
  { method: 'POST', rule: '/api/2.0/mlflow/experiments/delete', guard: 'experiments#delete' },
  { method: 'GET', rule: '/mlflow-artifacts/artifacts/<path:artifact_path>', guard: 'artifacts#read' },
  { method: 'DELETE', rule: '/mlflow-artifacts/artifacts/<path:artifact_path>', guard: 'artifacts#delete' },
  { method: 'GET', rule: '/ajax-api/3.0/jobs/{job_id}', guard: 'jobs#read' },
  { method: 'POST', rule: '/ajax-api/3.0/jobs/search', guard: 'jobs#read' },
  { method: 'GET', rule: '/items/<item>', guard: 'runs#read' },
  { method: 'GET', rule: '/items/special', guard: 'runs#write' },
  { method: 'POST', rule: '/ajax-api/3.0/mlflow/assistant/message', guard: REFUSED },
];
const index = buildRouteIndex(sample);

describe('matchRoute', () => {
  it('finds literal routes', () => {
    expect(matchRoute(index, 'POST', '/api/2.0/mlflow/experiments/delete')).toMatchObject({
      kind: 'guarded',
      guard: 'experiments#delete',
    });
  });

  it('authorizes HEAD as GET', () => {
    expect(matchRoute(index, 'HEAD', '/api/2.0/mlflow/experiments/get')).toMatchObject({ guard: 'experiments#read' });
  });

  it('picks the guard by method on one rule', () => {
    const path = '/mlflow-artifacts/artifacts/1/run/artifacts/model.pkl';
    expect(matchRoute(index, 'GET', path)).toMatchObject({ guard: 'artifacts#read' });
    expect(matchRoute(index, 'DELETE', path)).toMatchObject({ guard: 'artifacts#delete' });
  });

  it('refuses unknown paths, unrouted and unknown methods', () => {
    expect(matchRoute(index, 'GET', '/api/2.0/mlflow/experiments/gett')).toEqual({ kind: 'unknown-route' });
    expect(matchRoute(index, 'GET', '/api/2.0/mlflow/experiments/get/')).toEqual({ kind: 'unknown-route' });
    expect(matchRoute(index, 'GET', '/API/2.0/mlflow/experiments/get')).toEqual({ kind: 'unknown-route' });
    expect(matchRoute(index, 'DELETE', '/api/2.0/mlflow/experiments/get')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'HEAD'],
    });
    expect(matchRoute(index, 'get', '/api/2.0/mlflow/experiments/get').kind).toBe('method-not-allowed');
    expect(matchRoute(index, 'TRACE', '/api/2.0/mlflow/experiments/get').kind).toBe('method-not-allowed');
    expect(matchRoute(index, 'PUT', '/mlflow-artifacts/artifacts/x').kind).toBe('method-not-allowed');
  });

  it('does not match an empty <path:> parameter or a slash in a plain parameter', () => {
    expect(matchRoute(index, 'GET', '/mlflow-artifacts/artifacts/')).toEqual({ kind: 'unknown-route' });
    expect(matchRoute(index, 'GET', '/ajax-api/3.0/jobs/a/b')).toEqual({ kind: 'unknown-route' });
  });

  it('lets a literal and a parameterised rule serve different methods on one path', () => {
    expect(matchRoute(index, 'POST', '/ajax-api/3.0/jobs/search')).toMatchObject({ guard: 'jobs#read' });
    expect(matchRoute(index, 'GET', '/ajax-api/3.0/jobs/search')).toMatchObject({ guard: 'jobs#read', rule: '/ajax-api/3.0/jobs/{job_id}' });
  });

  it('refuses a path whose matching rules disagree on the guard', () => {
    expect(matchRoute(index, 'GET', '/items/special')).toMatchObject({ kind: 'ambiguous' });
    expect(matchRoute(index, 'GET', '/items/other')).toMatchObject({ guard: 'runs#read' });
  });

  it('reports routes refused for everyone', () => {
    expect(matchRoute(index, 'POST', '/ajax-api/3.0/mlflow/assistant/message')).toMatchObject({ guard: REFUSED });
  });

  it('rejects a table that lists one route twice', () => {
    expect(() => buildRouteIndex([sample[0], sample[0]])).toThrow(/listed twice/);
  });

  it('compiles werkzeug and Starlette converters', () => {
    expect(compileRule('/a/<int:id>/b').test('/a/12/b')).toBe(true);
    expect(compileRule('/a/<int:id>/b').test('/a/x/b')).toBe(false);
    expect(compileRule('/gateway/{name:path}').test('/gateway/x/y')).toBe(true);
    expect(compileRule('/m/{endpoint_name}:generateContent').test('/m/e1:generateContent')).toBe(true);
    expect(compileRule('/m/{endpoint_name}:generateContent').test('/m/e1:other')).toBe(false);
    expect(() => compileRule('/a/<weird:id>')).toThrow(/unknown path converter/);
  });
});

describe('the pinned MLflow route table', () => {
  it.each(ROUTE_TABLE.map((spec) => [spec.method, spec.rule, spec.guard] as const))(
    '%s %s resolves to its own guard %s',
    (method, rule, guard) => {
      expect(matchRoute(MLFLOW_ROUTES, method, examplePath(rule))).toMatchObject({ kind: 'guarded', guard });
    },
  );

  it('guards every destructive endpoint with delete, whatever its method', () => {
    const destructive = ROUTE_TABLE.filter(
      (spec) => spec.method === 'DELETE' || spec.rule.split('/').some((segment) => /delete|abort|purge/i.test(segment)),
    );
    expect(destructive.length).toBeGreaterThan(10);
    // Deleting a project needs its delete scope (owners and admins) instead: src/core/projects.ts.
    const offenders = destructive.filter((spec) => !/#delete$/.test(spec.guard) && spec.guard !== REFUSED && workspaceOperation(spec.method, spec.rule) !== 'delete');
    expect(offenders).toEqual([]);
  });
});
