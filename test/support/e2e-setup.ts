/**
 * Starts the whole native stack (scripts/stack.mjs) for the e2e suite, in a temporary directory and on free
 * ports, and stops it, by process id, at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../scripts/processes.mjs';
import { startStack, stopStack } from '../../scripts/stack.mjs';
import type { StackJson } from './stack-json.js';


declare module 'vitest' {
  export interface ProvidedContext {
    nativeStack: StackJson;
  }
}

/**
 * MLflow as it runs behind the gate under a public host name: the e2e suite also checks that MLflow's own
 * host allow-list and CORS checks still work through the gate.
 */
export const E2E_MLFLOW_SECURITY = {
  allowedHosts: 'mlflow.example.test,127.0.0.1:*,localhost:*',
  corsAllowedOrigins: 'https://ui.example.test',
};

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-e2e-'));
  const ports = { gate: await freePort(), keycloak: await freePort(), mlflow: await freePort(), postgres: await freePort() };
  const stack = await startStack({ dir, ports, mlflowSecurity: E2E_MLFLOW_SECURITY });
  project.provide('nativeStack', stack);
  return async () => {
    await stopStack(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
