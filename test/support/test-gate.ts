/** Another gate in front of the integration suite's Keycloak and recording upstream, with settings of its own. */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { startNginx } from '../../scripts/nginx.mjs';
import type { IntegrationStack } from './global-setup';

export function startTestGate(stack: IntegrationStack, name: string, settings: Record<string, string>) {
  return startNginx({
    runtimeDir: mkdtempSync(join(stack.runtimeDir, `${name}-`)),
    settings: {
      MLFLOW_GATE_ISSUER: stack.issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${stack.keycloakPort}`,
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${new URL(stack.echo).port}`,
      ...settings,
    },
  });
}
