// The route index nginx preloads from dist/mlflow-uma-gate-routes.json (`js_preload_object`, see
// nginx/nginx.conf.template); immutable and shared by all requests. Absent under QuickJS.
declare const mlflow_gate_routes: import('./core/route-matcher').RouteIndex | undefined;
// The same index as JSON text, which the build writes in place of this name (see src/njs/route-index.ts).
declare const MLFLOW_GATE_ROUTE_INDEX_JSON: string;
