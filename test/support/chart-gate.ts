/**
 * The gate as the Helm chart renders it (helm template): the files of its nginx ConfigMaps, written out as the
 * pod's volume lays them out, and the environment its container gets (the defaults ConfigMap, the values the
 * Deployment sets and the secrets its Secret holds), started as nginx + njs on this machine. Only what says
 * where the pod runs is this machine's: the listen address, logs, temp directory, where its files are, and the
 * upstreams' addresses (the chart's Service names resolve inside a cluster only).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { chartDir, stageChartFiles } from '../../scripts/chart.mjs';
import { helm } from '../../scripts/helm.mjs';
import { startNginx } from '../../scripts/nginx.mjs';

interface Rendered {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: any;
}

export interface ChartGate {
  /** nginx.conf.template and the snippets, from the chart's ConfigMap. */
  templateDir: string;
  /** The bundles, from the chart's ConfigMap. */
  bundleDir: string;
  env: Record<string, string>;
}

function renderChartGate(dir: string, helmArgs: string[]): ChartGate {
  stageChartFiles();
  const objects = parseAllDocuments(helm(['template', 'mlflow', chartDir, ...helmArgs]))
    .map((document) => document.toJS() as Rendered | null)
    .filter((object): object is Rendered => object !== null);
  const named = (kind: string, suffix: string) => {
    const found = objects.find((object) => object.kind === kind && object.metadata.name.endsWith(`-${suffix}`));
    if (!found) throw new Error(`chart: no ${kind} *-${suffix} rendered`);
    return found;
  };
  const write = (target: string, files: Record<string, string>) => {
    mkdirSync(target, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(target, name), text);
  };
  const templateDir = join(dir, 'conf');
  const bundleDir = join(dir, 'njs');
  write(templateDir, named('ConfigMap', 'gate-nginx').data!);
  write(bundleDir, named('ConfigMap', 'gate-njs').data!);
  const secrets = new Map(objects.filter((object) => object.kind === 'Secret').map((secret) => [secret.metadata.name, secret.data!]));
  const container = named('Deployment', 'gate').spec.template.spec.containers[0];
  const env: Record<string, string> = { ...named('ConfigMap', 'gate-defaults').data };
  for (const variable of container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[]) {
    const ref = variable.valueFrom?.secretKeyRef;
    const encoded = ref && secrets.get(ref.name)?.[ref.key];
    if (ref && encoded === undefined) throw new Error(`chart: the gate reads ${ref.name}/${ref.key}, which it does not render`);
    env[variable.name] = ref ? Buffer.from(encoded!, 'base64').toString() : variable.value!;
  }
  return { templateDir, bundleDir, env };
}

export interface ChartGateOptions {
  helmArgs: string[];
  /** host:port of Keycloak and of MLflow (or what stands in its place) here. */
  keycloakUpstream: string;
  mlflowUpstream: string;
}

/** Renders the chart's gate into `dir` and starts it; also returns the environment the chart gave it. */
export async function startChartGate(dir: string, { helmArgs, keycloakUpstream, mlflowUpstream }: ChartGateOptions) {
  const rendered = renderChartGate(dir, helmArgs);
  const {
    NGINX_ENVSUBST_OUTPUT_DIR: _output,
    MLFLOW_GATE_LISTEN: _listen,
    MLFLOW_GATE_METRICS_LISTEN: _metricsListen,
    MLFLOW_GATE_ERROR_LOG: _errorLog,
    MLFLOW_GATE_ACCESS_LOG: _accessLog,
    MLFLOW_GATE_AUDIT_LOG: _auditLog,
    MLFLOW_GATE_RUNTIME_DIR: _runtimeDir,
    MLFLOW_GATE_CONF_DIR: _confDir,
    ...settings
  } = rendered.env;
  const nginx = await startNginx({
    runtimeDir: join(dir, 'nginx'),
    templateDir: rendered.templateDir,
    settings: {
      ...settings,
      MLFLOW_GATE_BUNDLE_DIR: rendered.bundleDir,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: keycloakUpstream,
      MLFLOW_GATE_MLFLOW_UPSTREAM: mlflowUpstream,
    },
  });
  return { ...nginx, env: rendered.env };
}
