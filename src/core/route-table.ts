/**
 * Every (method, route) that the pinned MLflow server serves, and the one permission that guards it.
 *
 * Rules are written exactly as the server registers them, so the coverage guard can compare them with
 * MLflow's own route list: Flask/werkzeug syntax (`<name>`, `<path:name>`, `<int:name>`) for Flask routes,
 * Starlette syntax (`{name}`, `{name:path}`) for FastAPI routes. HEAD is never listed: it authorizes as GET.
 */
import type { Guard } from './permissions';
import { REFUSED } from './permissions';

export const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

export interface RouteSpec {
  readonly method: Method;
  readonly rule: string;
  readonly guard: Guard;
}

/** One route at one exact rule. */
function at(method: Method, rule: string, guard: Guard): RouteSpec[] {
  return [{ method, rule, guard }];
}

/** A REST endpoint that MLflow registers under both `/api/<version>/…` and its UI twin `/ajax-api/<version>/…`. */
function twins(method: Method, rule: string, guard: Guard): RouteSpec[] {
  return [
    { method, rule: `/api${rule}`, guard },
    { method, rule: `/ajax-api${rule}`, guard },
  ];
}

export const ROUTE_TABLE: readonly RouteSpec[] = ([] as RouteSpec[]).concat(
  twins('GET', '/2.0/mlflow/experiments/get', 'experiments#read'),
  twins('POST', '/2.0/mlflow/experiments/delete', 'experiments#delete'),
  at('GET', '/health', 'server#read'),
  at('POST', '/ajax-api/3.0/mlflow/assistant/message', REFUSED),
);
