/**
 * The gate the Helm chart renders (its quick start, pointed at this run's Keycloak), started as real nginx +
 * njs with the chart's nginx files and environment, passes the same role checks as the shared gate. Only what
 * says where the pod runs is this machine's: the listen address, logs, temp directory, where its files are, and
 * the upstreams' addresses (the chart's Service names resolve inside a cluster only). The recording upstream
 * stands in MLflow's place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartDir } from '../../scripts/chart.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
import { renderChartGate } from '../support/chart-gate';
import type { ChartGate } from '../support/chart-gate';
import { describeRoleChecks, identityTokens } from '../support/role-checks';
import type { Identity } from '../support/role-checks';

const stack = inject('stack');
const tokens = {} as Record<Identity, string>;
const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-chart-gate-'));
let rendered: ChartGate;
let gate: Awaited<ReturnType<typeof startNginx>>;

beforeAll(async () => {
  rendered = renderChartGate(dir, ['--values', join(chartDir, 'ci', 'quickstart-values.yaml'), '--set', `keycloak.url=${stack.keycloak}`]);
  const {
    NGINX_ENVSUBST_OUTPUT_DIR: _output,
    MLFLOW_GATE_LISTEN: _listen,
    MLFLOW_GATE_ERROR_LOG: _errorLog,
    MLFLOW_GATE_ACCESS_LOG: _accessLog,
    MLFLOW_GATE_AUDIT_LOG: _auditLog,
    MLFLOW_GATE_RUNTIME_DIR: _runtimeDir,
    MLFLOW_GATE_CONF_DIR: _confDir,
    ...settings
  } = rendered.env;
  gate = await startNginx({
    runtimeDir: join(dir, 'nginx'),
    templateDir: rendered.templateDir,
    settings: {
      ...settings,
      MLFLOW_GATE_BUNDLE_DIR: rendered.bundleDir,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${stack.keycloakPort}`,
      MLFLOW_GATE_MLFLOW_UPSTREAM: new URL(stack.echo).host,
    },
  });
  Object.assign(tokens, await identityTokens(stack.keycloak));
});

afterAll(async () => {
  await gate?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the chart's gate", () => {
  it("takes the issuer, Keycloak's scheme and a session key from the chart", () => {
    expect(rendered.env.MLFLOW_GATE_ISSUER).toBe(stack.issuer);
    expect(rendered.env.MLFLOW_GATE_KEYCLOAK_SCHEME).toBe('http');
    expect(Buffer.from(rendered.env.MLFLOW_GATE_SESSION_KEY, 'base64').length).toBeGreaterThanOrEqual(32);
  });

  it('answers its health endpoint, reaching Keycloak', async () => {
    expect((await fetch(`${gate.url}/_mlflow_gate/health`)).status).toBe(200);
  });
});

describeRoleChecks(() => gate.url, tokens);
