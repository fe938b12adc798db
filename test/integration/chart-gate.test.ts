/**
 * The gate the Helm chart renders (its quick start, pointed at this run's Keycloak), started as real nginx +
 * njs with the chart's nginx files and environment (test/support/chart-gate.ts), passes the same role checks as
 * the shared gate, with the recording upstream in MLflow's place.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chartDir } from '../../scripts/chart.mjs';
import { startChartGate } from '../support/chart-gate';
import { describeRoleChecks, identityTokens } from '../support/role-checks';
import type { Identity } from '../support/role-checks';

const stack = inject('stack');
const tokens = {} as Record<Identity, string>;
const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-chart-gate-'));
let gate: Awaited<ReturnType<typeof startChartGate>>;

beforeAll(async () => {
  gate = await startChartGate(dir, {
    helmArgs: ['--values', join(chartDir, 'ci', 'quickstart-values.yaml'), '--set', `keycloak.url=${stack.keycloak}`],
    keycloakUpstream: `127.0.0.1:${stack.keycloakPort}`,
    mlflowUpstream: new URL(stack.echo).host,
  });
  Object.assign(tokens, await identityTokens(stack.keycloak));
});

afterAll(async () => {
  await gate?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the chart's gate", () => {
  it("takes the issuer, Keycloak's scheme and a session key from the chart", () => {
    expect(gate.env.MLFLOW_GATE_ISSUER).toBe(stack.issuer);
    expect(gate.env.MLFLOW_GATE_KEYCLOAK_SCHEME).toBe('http');
    expect(Buffer.from(gate.env.MLFLOW_GATE_SESSION_KEY, 'base64').length).toBeGreaterThanOrEqual(32);
  });

  it('answers its health endpoint, reaching Keycloak', async () => {
    expect((await fetch(`${gate.url}/_mlflow_gate/health`)).status).toBe(200);
  });
});

describeRoleChecks(() => gate.url, tokens);
