/**
 * The gate's Prometheus metrics: which series a request counts, and the text format they are scraped in. The njs
 * shell (src/njs/metrics.ts) adds the counts to a shared dictionary (`js_shared_dict_zone`, njs 0.8 and later), in
 * which every series is one number under its exposition name (`mlflow_gate_decisions_total{result="allow"}`); the
 * metrics server renders the dictionary's items with renderMetrics.
 *
 * Functions, not constants: njs 0.7.9 evaluates a bundle's top level on every request.
 */
import { SHARED_ALLOW } from './decision';

/** The shared dictionary the counts live in (nginx/mlflow-uma-gate.zones.conf declares it). */
export const METRICS_ZONE = 'mlflow_gate_metrics';

/** The Keycloak lookups the gate times: a decision, a decision in a project, a token exchange. */
export type KeycloakCall = 'decision' | 'project-decision' | 'exchange';

type MetricType = 'counter' | 'histogram';

interface Family {
  readonly type: MetricType;
  /** The exposition's `# HELP` line. */
  readonly help: string;
  /** For README.md's table (npm run docs:metrics): the labels and their values, and what is counted (Markdown). */
  readonly labels: string;
  readonly counts: string;
}

/** Every metric family, in the order a scrape lists them. */
export function metricFamilies(): { readonly [name: string]: Family } {
  return {
    mlflow_gate_decisions_total: {
      type: 'counter',
      help: 'Requests the gate decided, by result (allow, deny, refuse, login) and reason (the refusal kind).',
      labels: '`result` (`allow`, `deny`, `refuse`, `login`), `reason` (the refusal kind, as in the audit log)',
      counts: "requests the gate decided; `login`: a browser sent to Keycloak's login page",
    },
    mlflow_gate_keycloak_request_duration_seconds: {
      type: 'histogram',
      help: 'Time the gate waited for Keycloak on lookups the decision cache did not answer, by call.',
      labels: '`call` (`decision`, `project-decision`, `exchange`)',
      counts: "time waiting for Keycloak on lookups the caches did not answer (an exchange's includes the helper server's rate limit)",
    },
    mlflow_gate_keycloak_errors_total: {
      type: 'counter',
      help: 'Keycloak lookups that got no usable answer (the request was refused with 503), by call.',
      labels: '`call`',
      counts: 'lookups Keycloak gave no usable answer to (the caller got 503)',
    },
    mlflow_gate_decision_cache_total: {
      type: 'counter',
      help: "Lookups in the gate's caches (decision, project, exchange) by NGINX cache status (hit, miss, expired, ...).",
      labels: "`cache` (`decision`, `project`, `exchange`), `status` (`shared`: the shared allows answered; NGINX's: `hit`, `miss`, `expired`, `updating`, …)",
      counts: "lookups in the gate's caches; none with `MLFLOW_GATE_DECISION_CACHE=off`",
    },
    mlflow_gate_token_exchanges_total: {
      type: 'counter',
      help: 'Basic credentials and browser sessions exchanged for an access token, by result (issued or the refusal kind).',
      labels: '`result` (`issued`, or the refusal kind: `invalid-credentials`, `too-many-attempts`, `keycloak-unavailable`, …)',
      counts: 'Basic credentials and browser sessions exchanged for an access token, cache hits included',
    },
    mlflow_gate_mlflow_responses_total: {
      type: 'counter',
      help: 'Responses to requests the gate allowed to MLflow, by status class (NGINX answers 502/504 when MLflow fails).',
      labels: '`code` (`2xx` … `5xx`)',
      counts: "answers to the requests the gate let through to MLflow, NGINX's 502 and 504 included when MLflow failed",
    },
  };
}

/** The histogram's upper bounds, in seconds. */
export function keycloakSecondsBuckets(): number[] {
  return [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
}

/** The exposition name of one series: `name{label="value",...}` (labels in the given order; empty ones left out). */
export function seriesKey(name: string, labels: { readonly [label: string]: string }): string {
  const pairs = Object.keys(labels)
    .filter((label) => labels[label] !== '')
    .map((label) => `${label}="${escapeLabelValue(labels[label])}"`);
  return withLabels(name, pairs.join(','));
}

function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** One count to add: the series and how much. */
export interface Increment {
  readonly key: string;
  readonly delta: number;
}

/** What a decision counts: its result as the audit log records it, and the refusal kind for others. */
export function decisionIncrements(result: string, reason: string): Increment[] {
  return [{ key: seriesKey('mlflow_gate_decisions_total', { result, reason: result === 'allow' ? '' : reason }), delta: 1 }];
}

// The cache statuses in which the answer came from a cache, not from Keycloak: NGINX's, and the shared allows'.
function answeredByCache(cacheStatus: string): boolean {
  return cacheStatus === SHARED_ALLOW || cacheStatus === 'HIT' || cacheStatus === 'STALE' || cacheStatus === 'UPDATING' || cacheStatus === 'REVALIDATED';
}

/**
 * What one lookup counts: its cache status (empty when no cache was asked: decision cache off), and, when Keycloak
 * answered it, the time it took into the histogram, or an error when Keycloak gave no usable answer.
 */
export function lookupIncrements(call: KeycloakCall, cacheStatus: string, milliseconds: number, keycloakFailed: boolean): Increment[] {
  const increments: Increment[] = [];
  const cache = call === 'decision' ? 'decision' : call === 'project-decision' ? 'project' : 'exchange';
  if (cacheStatus !== '') {
    increments.push({ key: seriesKey('mlflow_gate_decision_cache_total', { cache, status: cacheStatus.toLowerCase() }), delta: 1 });
  }
  if (answeredByCache(cacheStatus)) return increments;
  if (keycloakFailed) increments.push({ key: seriesKey('mlflow_gate_keycloak_errors_total', { call }), delta: 1 });
  const seconds = milliseconds / 1000;
  const name = 'mlflow_gate_keycloak_request_duration_seconds';
  const bound = keycloakSecondsBuckets().filter((le) => seconds <= le)[0];
  increments.push(
    // Each observation counts in the first bucket that holds it; renderMetrics makes the buckets cumulative.
    { key: seriesKey(`${name}_bucket`, { call, le: bound === undefined ? '+Inf' : String(bound) }), delta: 1 },
    { key: seriesKey(`${name}_sum`, { call }), delta: seconds },
    { key: seriesKey(`${name}_count`, { call }), delta: 1 },
  );
  return increments;
}

/** What a token exchange counts: `issued`, or the refusal kind. */
export function exchangeIncrements(result: string): Increment[] {
  return [{ key: seriesKey('mlflow_gate_token_exchanges_total', { result }), delta: 1 }];
}

/** What a response to an allowed request counts: its status class (`2xx` … `5xx`). */
export function mlflowResponseIncrements(status: number): Increment[] {
  return [{ key: seriesKey('mlflow_gate_mlflow_responses_total', { code: `${Math.floor(status / 100)}xx` }), delta: 1 }];
}

function familyOf(key: string): string {
  const brace = key.indexOf('{');
  const name = brace < 0 ? key : key.slice(0, brace);
  return name.replace(/_(bucket|sum|count)$/, '');
}

function labelsOf(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? '' : key.slice(brace + 1, -1);
}

function formatNumber(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}

function withLabels(name: string, labels: string): string {
  return labels === '' ? name : `${name}{${labels}}`;
}

/** The histogram's series for one label set (`labels` without `le`), its buckets cumulative. */
function histogramLines(name: string, labels: string, counts: { readonly [key: string]: number }): string[] {
  const bucket = (le: string) => withLabels(`${name}_bucket`, labels === '' ? `le="${le}"` : `${labels},le="${le}"`);
  const lines: string[] = [];
  let cumulative = 0;
  keycloakSecondsBuckets().forEach((le) => {
    cumulative += counts[bucket(String(le))] || 0;
    lines.push(`${bucket(String(le))} ${cumulative}`);
  });
  const count = counts[withLabels(`${name}_count`, labels)] || 0;
  lines.push(`${bucket('+Inf')} ${count}`);
  lines.push(`${withLabels(`${name}_sum`, labels)} ${formatNumber(counts[withLabels(`${name}_sum`, labels)] || 0)}`);
  lines.push(`${withLabels(`${name}_count`, labels)} ${count}`);
  return lines;
}

/** The Prometheus text format (0.0.4) of the shared dictionary's items (`[series, value]`), unknown keys left out. */
export function renderMetrics(items: ReadonlyArray<readonly [string, number]>): string {
  const families = metricFamilies();
  const counts: { [key: string]: number } = {};
  items.forEach((item) => {
    counts[item[0]] = item[1];
  });
  const keys = Object.keys(counts).sort();
  const lines: string[] = [];
  Object.keys(families).forEach((name) => {
    const family = families[name];
    lines.push(`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`);
    const own = keys.filter((key) => familyOf(key) === name);
    if (family.type === 'counter') {
      own.forEach((key) => lines.push(`${key} ${formatNumber(counts[key])}`));
      return;
    }
    own
      .filter((key) => key.indexOf(`${name}_count`) === 0)
      .forEach((key) => {
        histogramLines(name, labelsOf(key), counts).forEach((line) => lines.push(line));
      });
  });
  return `${lines.join('\n')}\n`;
}
