/**
 * The e2e spec with the real mlflow client through the gate the Helm chart renders (its quick start, pointed at
 * the native stack's Keycloak), started as real nginx + njs with the chart's nginx files and environment
 * (test/support/chart-gate.ts) in front of the native stack's real Keycloak and MLflow.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { chartDir } from '../../scripts/chart.mjs';
import { startChartGate } from '../support/chart-gate';
import { mlflowClientSpec } from '../support/mlflow-client-spec.js';

const nativeStack = inject('nativeStack');
const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-chart-e2e-'));
let gate: Awaited<ReturnType<typeof startChartGate>>;

beforeAll(async () => {
  gate = await startChartGate(dir, {
    helmArgs: ['--values', join(chartDir, 'ci', 'quickstart-values.yaml'), '--set', `keycloak.url=${nativeStack.keycloak}`],
    keycloakUpstream: new URL(nativeStack.keycloak).host,
    mlflowUpstream: new URL(nativeStack.mlflow).host,
  });
});

afterAll(async () => {
  await gate?.stop();
  rmSync(dir, { recursive: true, force: true });
});

mlflowClientSpec(() => ({ ...nativeStack, gate: gate.url }));
