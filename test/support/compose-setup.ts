/**
 * The e2e-compose project's engine: the tests' own dockerd (scripts/docker-engine.mjs) with the images the
 * compose file names (scripts/compose-images.mjs), started once for the project and stopped at its end. Where
 * no engine can run, the project gets the reason and reports its suite as skipped.
 */
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { ensureComposeImages } from '../../scripts/compose-images.mjs';
import { ensureComposePlugin, startDockerEngine, whyNoEngine } from '../../scripts/docker-engine.mjs';

export type ComposeEngine = { env: Record<string, string> } | { skipped: string };

declare module 'vitest' {
  export interface ProvidedContext {
    composeEngine: ComposeEngine;
  }
}

/** What a killed run left in the engine (it is the tests' own): containers, then volumes and networks. */
function removeLeftovers(env: Record<string, string>) {
  const docker = (args: string[]) => execFileSync('docker', args, { env: { ...process.env, ...env }, encoding: 'utf8' });
  const containers = docker(['ps', '--all', '--quiet']).split('\n').filter(Boolean);
  if (containers.length > 0) docker(['rm', '--force', '--volumes', ...containers]);
  docker(['volume', 'prune', '--force']);
  docker(['network', 'prune', '--force']);
}

function whyComposeCannotRun(): string | null {
  if (process.getuid?.() !== 0) return 'the compose tests start a Docker engine of their own, which needs root';
  return whyNoEngine();
}

export default async function setup(project: TestProject) {
  const skipped = whyComposeCannotRun();
  if (skipped) {
    project.provide('composeEngine', { skipped });
    return undefined;
  }
  ensureComposePlugin();
  const engine = await startDockerEngine();
  try {
    removeLeftovers(engine.env);
    await ensureComposeImages(engine.env);
  } catch (error) {
    await engine.stop();
    throw error;
  }
  project.provide('composeEngine', { env: engine.env });
  return () => engine.stop();
}
