import type { RouteIndex } from '../core/route-matcher';

// Built once per QuickJS context; the njs engine never gets here while nginx preloads the index.
let builtIn: RouteIndex | undefined;

/**
 * The route index of the pinned MLflow. The njs engine evaluates a bundle's top level on every request, so
 * there nginx preloads the index once (`js_preload_object`, nginx/nginx.conf.template) and every request shares
 * it. QuickJS (`js_engine qjs`) has no preloaded objects; it keeps a context, and this module's variables with it,
 * for many requests (`js_context_reuse`), so there the copy the build writes into the bundle as a string is parsed
 * once per context. The string stays inside this function: on the njs engine it costs nothing per request.
 */
export function routeIndex(): RouteIndex {
  if (typeof mlflow_gate_routes !== 'undefined') return mlflow_gate_routes;
  if (builtIn === undefined) builtIn = JSON.parse(MLFLOW_GATE_ROUTE_INDEX_JSON) as RouteIndex;
  return builtIn;
}
