/** Concrete requests for the route table's rules, used to probe the gate. */
import { workspaceOperation } from '../../src/core/projects';
import type { Permission } from '../../src/core/permissions';
import { ROUTE_TABLE } from '../../src/core/route-table';
import type { RouteSpec } from '../../src/core/route-table';

/** A concrete path for a rule, with every parameter filled in. */
export function examplePath(rule: string): string {
  return rule
    .replace(/<(?:(\w+)(?:\([^)]*\))?:)?\w+>/g, (_m, converter) => (converter === 'int' ? '7' : converter === 'path' ? 'a/b.txt' : 'x1'))
    .replace(/\{\w+(?::(\w+))?\}/g, (_m, converter) => (converter === 'int' ? '7' : converter === 'path' ? 'a/b' : 'x1'));
}

/** The first route of the table guarded by `permission`, if any. */
/** A route that needs `permission` alone: not one of the workspace routes, which projects answer in part. */
export function routeGuardedBy(permission: Permission): RouteSpec | undefined {
  return ROUTE_TABLE.find((spec) => spec.guard === permission && workspaceOperation(spec.method, spec.rule) === null);
}
