// The route index nginx preloads from dist/mlflow-uma-gate-routes.json (`js_preload_object`, see
// nginx/nginx.conf.template); immutable and shared by all requests.
declare const mlflow_gate_routes: import('./core/route-matcher').RouteIndex;
