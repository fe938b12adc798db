/**
 * Counting into the metrics zone (src/core/metrics.ts says what is counted), a shared dictionary
 * (./shared-dictionaries.ts): without one nothing is counted and nothing else is done.
 */
import type { Increment } from '../core/metrics';
import { METRICS_ZONE } from '../core/metrics';
import type { SharedNumbers } from './shared-dictionaries';
import { sharedDictionary } from './shared-dictionaries';

/** The metrics zone, or null where there is none. */
export function metricsZone(): SharedNumbers | null {
  return sharedDictionary(METRICS_ZONE);
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
