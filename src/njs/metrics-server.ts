/**
 * The metrics server's handlers (nginx/mlflow-uma-gate.metrics.conf) and the log-phase count of MLflow's answers
 * (nginx/mlflow-uma-gate.metrics-count.conf).
 */
import { mlflowResponseIncrements, renderMetrics } from '../core/metrics';
import { bareHandler, send } from './frame';
import { count, metricsZone } from './metrics';

/** Every series counted so far, in Prometheus's text format; 501 where there is no metrics zone. */
export const metrics = /* @__PURE__ */ bareHandler((frame) => {
  const r = frame.r;
  if (r.uri !== '/metrics') return frame.refuse({ kind: 'not-found', detail: "this is the gate's metrics server, which serves GET /metrics" });
  if (r.method !== 'GET' && r.method !== 'HEAD') return frame.refuse({ kind: 'method-not-allowed', detail: 'GET, HEAD' });
  const zone = metricsZone();
  if (zone === null) {
    const detail = `njs ${njs.version} has no shared dictionaries (njs 0.8 and later have them)`;
    return frame.refuse({ kind: 'metrics-unavailable', detail: typeof ngx.shared === 'undefined' ? detail : 'NGINX has no js_shared_dict_zone mlflow_gate_metrics' });
  }
  send(frame, 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Cache-Control': 'no-store' }, renderMetrics(zone.items()));
});

/**
 * `js_set`, evaluated when the gate's server logs a request: counts the status of an answer to a request the gate
 * allowed (the only ones that have an upstream). Always empty, so the access_log it guards writes nothing.
 */
export function countResponse(r: NginxHTTPRequest): string {
  if (String(r.variables.upstream_status || '') !== '') count(r, () => mlflowResponseIncrements(Number(r.variables.status)));
  return '';
}
