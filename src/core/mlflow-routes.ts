/**
 * The route index of the pinned MLflow: what the build writes to dist/mlflow-uma-gate-routes.json for nginx
 * to preload, and what the tests match against.
 */
import { buildRouteIndex } from './route-matcher';
import type { RouteIndex } from './route-matcher';
import { ROUTE_TABLE } from './route-table';

export const MLFLOW_ROUTES: RouteIndex = buildRouteIndex(ROUTE_TABLE);
