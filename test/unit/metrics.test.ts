import { describe, expect, it } from 'vitest';
import type { Increment } from '../../src/core/metrics';
import {
  decisionIncrements,
  exchangeIncrements,
  keycloakSecondsBuckets,
  lookupIncrements,
  metricFamilies,
  mlflowResponseIncrements,
  renderMetrics,
  seriesKey,
} from '../../src/core/metrics';

/** What a shared dictionary holds after these increments. */
function counted(...increments: Increment[][]): [string, number][] {
  const counts = new Map<string, number>();
  for (const increment of increments.flat()) counts.set(increment.key, (counts.get(increment.key) ?? 0) + increment.delta);
  return [...counts.entries()];
}

const HISTOGRAM = 'mlflow_gate_keycloak_request_duration_seconds';

describe('series', () => {
  it('are named by their labels in order, leaving out empty ones and escaping values', () => {
    expect(seriesKey('m_total', { result: 'allow', reason: '' })).toBe('m_total{result="allow"}');
    expect(seriesKey('m_total', {})).toBe('m_total');
    expect(seriesKey('m_total', { a: 'x"y\\z\nw' })).toBe('m_total{a="x\\"y\\\\z\\nw"}');
  });

  it('count a decision by result, and by reason unless it allowed', () => {
    expect(decisionIncrements('allow', 'ignored')).toEqual([{ key: 'mlflow_gate_decisions_total{result="allow"}', delta: 1 }]);
    expect(decisionIncrements('deny', 'forbidden')).toEqual([{ key: 'mlflow_gate_decisions_total{result="deny",reason="forbidden"}', delta: 1 }]);
    expect(exchangeIncrements('issued')).toEqual([{ key: 'mlflow_gate_token_exchanges_total{result="issued"}', delta: 1 }]);
    expect(mlflowResponseIncrements(204)).toEqual([{ key: 'mlflow_gate_mlflow_responses_total{code="2xx"}', delta: 1 }]);
    expect(mlflowResponseIncrements(502)[0].key).toBe('mlflow_gate_mlflow_responses_total{code="5xx"}');
  });

  it('time a lookup only when Keycloak answered it, in the first bucket that holds it', () => {
    expect(lookupIncrements('decision', 'HIT', 3, false)).toEqual([{ key: 'mlflow_gate_decision_cache_total{cache="decision",status="hit"}', delta: 1 }]);
    expect(lookupIncrements('project-decision', 'MISS', 30, false)).toEqual([
      { key: 'mlflow_gate_decision_cache_total{cache="project",status="miss"}', delta: 1 },
      { key: `${HISTOGRAM}_bucket{call="project-decision",le="0.05"}`, delta: 1 },
      { key: `${HISTOGRAM}_sum{call="project-decision"}`, delta: 0.03 },
      { key: `${HISTOGRAM}_count{call="project-decision"}`, delta: 1 },
    ]);
    // The decision cache turned off: no cache status, Keycloak asked every time.
    expect(lookupIncrements('exchange', '', 6000, true).map((increment) => increment.key)).toEqual([
      'mlflow_gate_keycloak_errors_total{call="exchange"}',
      `${HISTOGRAM}_bucket{call="exchange",le="+Inf"}`,
      `${HISTOGRAM}_sum{call="exchange"}`,
      `${HISTOGRAM}_count{call="exchange"}`,
    ]);
    expect(lookupIncrements('decision', 'MISS', 5000, false)[1].key).toBe(`${HISTOGRAM}_bucket{call="decision",le="5"}`);
  });
});

describe('the text format', () => {
  it('lists every family with HELP and TYPE, even before anything was counted', () => {
    const text = renderMetrics([]);
    for (const [name, family] of Object.entries(metricFamilies())) {
      expect(text).toContain(`# HELP ${name} `);
      expect(text).toContain(`# TYPE ${name} ${family.type}\n`);
    }
    expect(text.endsWith('\n')).toBe(true);
  });

  it('renders counters as counted and makes histogram buckets cumulative, +Inf equal to the count', () => {
    const text = renderMetrics(
      counted(
        decisionIncrements('allow', ''),
        decisionIncrements('allow', ''),
        lookupIncrements('decision', 'MISS', 4, false),
        lookupIncrements('decision', 'MISS', 40, false),
        lookupIncrements('decision', 'EXPIRED', 7000, false),
        [{ key: 'something_else_total', delta: 1 }],
      ),
    );
    expect(text).toContain('mlflow_gate_decisions_total{result="allow"} 2\n');
    expect(text).toContain('mlflow_gate_decision_cache_total{cache="decision",status="expired"} 1\n');
    const buckets = keycloakSecondsBuckets().map((le) => `${HISTOGRAM}_bucket{call="decision",le="${le}"} ${le < 0.005 ? 0 : le < 0.05 ? 1 : 2}`);
    expect(text).toContain(`${buckets.join('\n')}\n${HISTOGRAM}_bucket{call="decision",le="+Inf"} 3\n`);
    expect(text).toContain(`${HISTOGRAM}_sum{call="decision"} 7.044\n${HISTOGRAM}_count{call="decision"} 3\n`);
    expect(text).not.toContain('something_else_total');
  });
});
