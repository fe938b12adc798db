// njs 0.7.9 provides TextDecoder (WHATWG Encoding) but njs-types 0.7.12 does not declare it.
declare class TextDecoder {
  constructor(encoding?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array): string;
}

// The route index nginx preloads from dist/mlflow-uma-gate-routes.json (`js_preload_object`, see
// nginx/nginx.conf.template); immutable and shared by all requests.
declare const mlflow_gate_routes: import('./core/route-matcher').RouteIndex;
