/**
 * deploy/helm/mlflow-uma-gate without a cluster: it lints and renders with the value sets of its ci/ directory,
 * every object it renders validates against the Kubernetes API schema of KUBERNETES_VERSION, its ConfigMaps hold
 * the project's own files, and its pods are locked down. README.md, "Quick start (e)", says what this cannot prove.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { chartDir, chartFileSources } from '../../scripts/chart.mjs';
import { helm, HELM_KUBERNETES_VERSION } from '../../scripts/helm.mjs';
import { confDir, NEWER_NJS_SNIPPETS } from '../../scripts/nginx.mjs';

/** The Kubernetes release the pinned Helm is built for; kubernetes-models 5.x is generated from its API. */
const KUBERNETES_VERSION = `${HELM_KUBERNETES_VERSION.major}.${HELM_KUBERNETES_VERSION.minor}.0`;

interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
  spec?: Record<string, any>;
}

const valueSets = readdirSync(join(chartDir, 'ci')).filter((name) => name.endsWith('-values.yaml')).sort();
const valuesFile = (name: string) => join(chartDir, 'ci', name);

function render(args: string[]): KubernetesObject[] {
  const text = helm(['template', 'mlflow', chartDir, '--namespace', 'mlflow', '--kube-version', KUBERNETES_VERSION, ...args]);
  return parseAllDocuments(text)
    .map((document) => document.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => object !== null);
}

const rendered = new Map(valueSets.map((name) => [name, render(['--values', valuesFile(name)])]));
const quickStart = rendered.get('quickstart-values.yaml')!;

const find = (objects: KubernetesObject[], kind: string, component: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === `mlflow-mlflow-uma-gate-${component}`);

/** API groups of custom resources the chart renders, and the package of their validating models. */
const CUSTOM_RESOURCE_MODELS: Record<string, string> = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };

/** The validating model class of an object's apiVersion and kind. */
async function modelOf(object: KubernetesObject): Promise<(new (data: unknown) => { validate(): void }) | undefined> {
  const models: Record<string, unknown> = await import(`${CUSTOM_RESOURCE_MODELS[object.apiVersion.split('/')[0]] ?? 'kubernetes-models'}/${object.apiVersion}`);
  return models[object.kind] as (new (data: unknown) => { validate(): void }) | undefined;
}

function podSpecs(objects: KubernetesObject[]): [string, Record<string, any>][] {
  return objects.filter((object) => object.spec?.template?.spec).map((object) => [`${object.kind}/${object.metadata.name}`, object.spec!.template.spec]);
}

describe('the Helm chart', () => {
  it('has the three value sets: quick start, external services, HTTPS + Ingress', () => {
    expect(valueSets).toEqual(['external-values.yaml', 'https-ingress-values.yaml', 'quickstart-values.yaml']);
  });

  it.each(valueSets)('passes helm lint --strict with %s', (name) => {
    expect(helm(['lint', chartDir, '--strict', '--kube-version', KUBERNETES_VERSION, '--values', valuesFile(name)])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it.each(valueSets)(`renders, with %s, objects valid against the Kubernetes ${KUBERNETES_VERSION} API schema`, async (name) => {
    const problems: string[] = [];
    for (const object of rendered.get(name)!) {
      const Model = await modelOf(object).catch(() => undefined);
      if (Model === undefined) {
        problems.push(`${object.apiVersion} ${object.kind}: not an API of Kubernetes ${KUBERNETES_VERSION}`);
        continue;
      }
      try {
        new Model(object).validate();
      } catch (error) {
        problems.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a schema check that refuses a wrong object', async () => {
    const deployment = structuredClone(find(quickStart, 'Deployment', 'gate')!);
    deployment.spec!.template.spec.containers[0].ports[0].containerPort = 'gate';
    const Model = (await modelOf(deployment))!;
    expect(() => new Model(deployment).validate()).toThrow(/containerPort must be integer/);
    expect(await modelOf({ ...deployment, apiVersion: 'apps/v1', kind: 'Deploymnet' })).toBeUndefined();
  });

  it('refuses what it cannot render: no Keycloak address, a setting the chart owns, other database names on its own Postgres', () => {
    expect(() => render([])).toThrow(/keycloak\.url/);
    const quick = ['--values', valuesFile('quickstart-values.yaml')];
    expect(() => render([...quick, '--set', 'gate.settings.MLFLOW_GATE_MLFLOW_UPSTREAM=elsewhere:5000'])).toThrow(/the chart sets it/);
    expect(() => render([...quick, '--set', 'postgres.mlflow.user=someone'])).toThrow(/roles and databases mlflow and keycloak/);
    expect(() => render([...quick, '--set', 'gate.replica=3'])).toThrow(/additional properties|additionalProperties|replica/);
  });

  it('builds its ConfigMaps from the very files the other stacks use', () => {
    const sources = chartFileSources();
    const contents = (files: string[]) => Object.fromEntries(files.map((file) => [file.split('/').pop(), readFileSync(file, 'utf8')]));
    expect(find(quickStart, 'ConfigMap', 'gate-nginx')?.data).toEqual(contents(sources.nginx.filter((file) => !file.endsWith('.env'))));
    expect(find(quickStart, 'ConfigMap', 'gate-njs')?.data).toEqual(contents(sources.njs));
    expect(find(quickStart, 'ConfigMap', 'keycloak-realm')?.data).toEqual(contents(sources.keycloak));
    expect(find(quickStart, 'ConfigMap', 'postgres-init')?.data).toEqual(contents(sources.postgres));
    expect(find(quickStart, 'ConfigMap', 'objectstore-init')?.data).toEqual(contents(sources.objectstore));
    expect(find(rendered.get('https-ingress-values.yaml')!, 'ConfigMap', 'gate-tls')?.data).toEqual(contents(sources.gate));
    const defaults = Object.fromEntries([...readFileSync(join(confDir, 'template-defaults.env'), 'utf8').matchAll(/^([A-Z0-9_]+)=(.*)$/gm)].map((match) => [match[1], match[2]]));
    expect(find(quickStart, 'ConfigMap', 'gate-defaults')?.data).toEqual(defaults);
  });

  it.each(valueSets)("gives every placeholder of the nginx conf template a value in the gate's pods, with %s", (name) => {
    const objects = rendered.get(name)!;
    const gate = find(objects, 'Deployment', 'gate')!.spec!.template.spec.containers[0];
    const set = new Set<string>([...Object.keys(find(objects, 'ConfigMap', 'gate-defaults')!.data!), ...gate.env.map((variable: { name: string }) => variable.name)]);
    const template = readFileSync(join(confDir, 'nginx.conf.template'), 'utf8');
    const placeholders = new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((match) => match[1]));
    expect([...placeholders].filter((placeholder) => !set.has(placeholder))).toEqual([]);
  });

  it('probes the gate on its health endpoint for readiness, over HTTPS when it serves HTTPS', () => {
    for (const [name, scheme] of [['quickstart-values.yaml', 'HTTP'], ['https-ingress-values.yaml', 'HTTPS']]) {
      const gate = find(rendered.get(name)!, 'Deployment', 'gate')!.spec!.template.spec.containers[0];
      expect(gate.readinessProbe.httpGet).toEqual({ path: '/_mlflow_gate/health', port: 'gate', scheme });
      expect(gate.livenessProbe.tcpSocket).toEqual({ port: 'gate' });
    }
  });

  it('serves the gate over HTTPS with the certificate docker/gate/tls.conf names, behind an Ingress', () => {
    const objects = rendered.get('https-ingress-values.yaml')!;
    const gate = find(objects, 'Deployment', 'gate')!.spec!.template.spec;
    const env = Object.fromEntries(gate.containers[0].env.filter((variable: { value?: string }) => variable.value !== undefined).map((variable: { name: string; value: string }) => [variable.name, variable.value]));
    expect(env.MLFLOW_GATE_LISTEN).toBe('8443 ssl');
    const tlsConf = readFileSync(chartFileSources().gate[0], 'utf8');
    const conf = gate.containers[0].volumeMounts.find((mount: { name: string }) => mount.name === 'conf').mountPath;
    const projected = gate.volumes.find((volume: { name: string }) => volume.name === 'conf').projected.sources;
    const secretFiles = projected.find((source: { secret?: unknown }) => source.secret).secret.items.map((item: { path: string }) => `${conf}/${item.path}`);
    expect(secretFiles).toEqual([/^ssl_certificate (\S+);$/m.exec(tlsConf)![1], /^ssl_certificate_key (\S+);$/m.exec(tlsConf)![1]]);
    expect(projected.some((source: { configMap?: { items: { path: string }[] } }) => source.configMap?.items.some((item) => item.path === 'server.d/tls.conf'))).toBe(true);
    const ingress = find(objects, 'Ingress', 'gate')!;
    expect(ingress.spec!.tls).toEqual([{ secretName: 'mlflow-public-tls', hosts: ['mlflow.example.com', 'sso.mlflow.example.com'] }]);
    expect(find(objects, 'HorizontalPodAutoscaler', 'gate')).toBeDefined();
    expect(find(objects, 'Deployment', 'gate')!.spec!.replicas).toBeUndefined();
  });

  it('uses the external services and Secrets it is given, and generates no secret then', () => {
    const objects = rendered.get('external-values.yaml')!;
    expect(objects.filter((object) => object.kind === 'StatefulSet' || object.metadata.name.endsWith('-keycloak'))).toEqual([]);
    expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
    const mlflow = find(objects, 'Deployment', 'mlflow')!.spec!.template.spec.containers[0];
    const env = Object.fromEntries(mlflow.env.map((variable: { name: string; value?: string }) => [variable.name, variable.value]));
    expect(env.MLFLOW_BACKEND_STORE_URI).toBe('postgresql+psycopg2://mlflow:$(MLFLOW_DB_PASSWORD)@postgres.databases.svc:5432/mlflow');
    expect(env.MLFLOW_S3_ENDPOINT_URL).toBe('https://s3.example.com');
    expect(mlflow.args).toEqual(expect.arrayContaining(['--serve-artifacts', '--artifacts-destination=s3://team-mlflow-artifacts', '--enable-workspaces']));
    const gate = find(objects, 'Deployment', 'gate')!.spec!.template.spec.containers[0];
    const gateEnv = Object.fromEntries(gate.env.map((variable: { name: string; value?: string }) => [variable.name, variable.value]));
    expect(gateEnv).toMatchObject({
      MLFLOW_GATE_ISSUER: 'https://sso.example.com/realms/mlflow',
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: 'sso.example.com:443',
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'https',
      MLFLOW_GATE_KEYCLOAK_CA_FILE: '/etc/nginx/mlflow-uma-gate/keycloak-ca/ca.crt',
    });
    expect(find(objects, 'Deployment', 'mlflow')!.spec!.replicas).toBe(3);
  });

  it('generates the secrets of a quick start once, and keeps them', () => {
    const secrets = quickStart.filter((object) => object.kind === 'Secret');
    expect(secrets.map((secret) => [secret.metadata.name, Object.keys(secret.data!).sort(), secret.metadata.annotations])).toEqual([
      [
        'mlflow-mlflow-uma-gate-generated',
        ['admin-password', 'keycloak-password', 'mlflow-password', 'postgres-password', 'root-password', 'root-user', 'secret-key', 'session-key'],
        { 'helm.sh/resource-policy': 'keep' },
      ],
    ]);
    expect(Buffer.from(Buffer.from(secrets[0].data!['session-key'], 'base64').toString(), 'base64').length).toBeGreaterThanOrEqual(32);
  });

  it.each(valueSets)('locks down every pod with %s: non-root, no privilege escalation, no capabilities, read-only root but for Keycloak', (name) => {
    const problems: string[] = [];
    for (const [where, pod] of podSpecs(rendered.get(name)!)) {
      if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot`);
      if (pod.automountServiceAccountToken !== false) problems.push(`${where}: service-account token`);
      for (const container of pod.containers) {
        const context = container.securityContext ?? {};
        if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation`);
        if (JSON.stringify(context.capabilities?.drop) !== '["ALL"]') problems.push(`${where}: capabilities`);
        if (context.readOnlyRootFilesystem !== (container.name !== 'keycloak')) problems.push(`${where}: readOnlyRootFilesystem`);
        if (!container.resources?.requests) problems.push(`${where}: resources`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('serves metrics on a port of their own, to Prometheus by ServiceMonitor or pod annotations, never through the Ingress', () => {
    const gatePod = (objects: KubernetesObject[]) => find(objects, 'Deployment', 'gate')!.spec!.template;
    const metricsPort = { name: 'metrics', containerPort: 9145 };
    for (const [name, objects] of rendered) {
      const pod = gatePod(objects);
      const env = Object.fromEntries(pod.spec.containers[0].env.map((variable: { name: string; value?: string }) => [variable.name, variable.value]));
      expect([name, env.MLFLOW_GATE_METRICS_LISTEN, pod.spec.containers[0].ports]).toEqual([name, '9145', [expect.objectContaining({ name: 'gate' }), metricsPort]]);
      const items = pod.spec.volumes.find((volume: { name: string }) => volume.name === 'conf').projected.sources[0].configMap.items;
      for (const [dir, snippet] of Object.entries(NEWER_NJS_SNIPPETS)) expect(items).toContainEqual({ key: snippet, path: `${dir}/${snippet}` });
      expect(find(objects, 'Service', 'gate')!.spec!.ports.map((port: { targetPort: string }) => port.targetPort)).toEqual(['gate']);
      expect(find(objects, 'Service', 'gate-metrics')!.spec!.ports).toEqual([{ name: 'metrics', port: 9145, targetPort: 'metrics', appProtocol: 'http' }]);
    }
    const monitor = find(rendered.get('https-ingress-values.yaml')!, 'ServiceMonitor', 'gate')!;
    const metricsService = find(rendered.get('https-ingress-values.yaml')!, 'Service', 'gate-metrics')! as KubernetesObject & { metadata: { labels: Record<string, string> } };
    expect(monitor.spec!.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(monitor.spec!.selector.matchLabels).toMatchObject({ 'app.kubernetes.io/component': 'gate-metrics' });
    expect(metricsService.metadata.labels).toMatchObject(monitor.spec!.selector.matchLabels);
    expect(monitor.metadata).toMatchObject({ labels: expect.objectContaining({ release: 'prometheus' }) });
    expect(find(quickStart, 'ServiceMonitor', 'gate')).toBeUndefined();
    expect(gatePod(rendered.get('external-values.yaml')!).metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9145', 'prometheus.io/path': '/metrics' });
    expect(gatePod(quickStart).metadata.annotations['prometheus.io/scrape']).toBeUndefined();

    const off = render(['--values', valuesFile('quickstart-values.yaml'), '--set', 'gate.metrics.enabled=false']);
    expect(find(off, 'Service', 'gate-metrics')).toBeUndefined();
    expect(gatePod(off).spec.containers[0].ports).toEqual([expect.objectContaining({ name: 'gate' })]);
  });

  it('keeps the gate and MLflow available through voluntary disruptions, and only the gate reaches MLflow', () => {
    for (const component of ['gate', 'mlflow']) expect(find(quickStart, 'PodDisruptionBudget', component)?.spec).toMatchObject({ maxUnavailable: 1 });
    expect(find(quickStart, 'NetworkPolicy', 'mlflow')?.spec!.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mlflow-uma-gate', 'app.kubernetes.io/instance': 'mlflow', 'app.kubernetes.io/component': 'gate' } } }], ports: [{ port: 5000 }] },
    ]);
  });
});
