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

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-e2e-'));
  const ports = { gate: await freePort(), keycloak: await freePort(), mlflow: await freePort(), postgres: await freePort() };
  const stack = await startStack({ dir, ports });
  project.provide('nativeStack', stack);
  return async () => {
    await stopStack(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
