/// <reference path="../../node_modules/njs-types/ngx_http_js_module.d.ts" />
/**
 * Counting into the metrics zone (src/core/metrics.ts says what is counted). The zone is a `js_shared_dict_zone`,
 * which njs has from 0.8 on: without one (njs 0.7.9, or an installation that leaves
 * nginx/mlflow-uma-gate.metrics-zone.conf out) nothing is counted and nothing else is done.
 */
import type { Increment } from '../core/metrics';
import { METRICS_ZONE } from '../core/metrics';

/** What the gate uses of njs's shared dictionary (njs-types 0.7 describes njs 0.7.9, which has none). */
export interface CountingZone {
  incr(key: string, delta: number, init: number): number;
  items(): Array<[string, number]>;
}

declare global {
  interface NgxObject {
    /** njs 0.8 and later: the `js_shared_dict_zone`s by name. */
    readonly shared?: { readonly [zone: string]: CountingZone | undefined };
  }
}

/** The metrics zone, or null where there is none. */
export function metricsZone(): CountingZone | null {
  if (typeof ngx.shared === 'undefined') return null;
  return ngx.shared[METRICS_ZONE] || null;
}

/**
 * Adds what `increments` lists, computed only where there is a zone. Counting never changes an answer: a zone
 * that is full or fails is logged, and the request goes on.
 */
export function count(r: NginxHTTPRequest, increments: () => Increment[]): void {
  const zone = metricsZone();
  if (zone === null) return;
  try {
    increments().forEach((increment) => {
      zone.incr(increment.key, increment.delta, 0);
    });
  } catch (e) {
    r.warn(`mlflow-uma-gate: metrics not counted: ${e}`);
  }
}
