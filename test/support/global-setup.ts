/**
 * Starts the real components once for the integration tests: Keycloak (pinned Maven Central distribution,
 * shipped realm imported; one for all integration projects), nginx + Debian's njs running the built bundle, and
 * a recording upstream where MLflow would be. Everything listens on 127.0.0.1 and is stopped at the end. The project's MLFLOW_UMA_GATE_NJS
 * names the nginx + njs (scripts/njs-chroots.mjs); the gates the test files start take it from the same variable.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installAll } from '../../scripts/deps.mjs';
import { startKeycloak } from '../../scripts/keycloak.mjs';
import { freePort, stopProcessGroup } from '../../scripts/processes.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
import { ensureChroot, NJS_RUNTIME_ENV, njsRuntime } from '../../scripts/njs-chroots.mjs';
import { startEchoUpstream } from './echo-upstream';
import { realm, realmFile } from './realm';

export interface IntegrationStack {
  gate: string;
  keycloak: string;
  keycloakPort: number;
  keycloakDataDir: string;
  keycloakLog: string;
  /** Holds the pid of the running Keycloak; a test that restarts Keycloak writes the new pid here. */
  keycloakPidFile: string;
  issuer: string;
  echo: string;
  runtimeDir: string;
  nginxErrorLog: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: IntegrationStack;
  }
}

interface SharedKeycloak {
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  log: string;
  pidFile: string;
  projects: number;
}

// Vitest loads this file anew for each integration project, so the run's one Keycloak lives on globalThis.
const SHARED_KEYCLOAK = Symbol.for('mlflow-uma-gate.integration-keycloak');
const holder = globalThis as unknown as { [SHARED_KEYCLOAK]?: Promise<SharedKeycloak> };

async function startSharedKeycloak(): Promise<SharedKeycloak> {
  const dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-it-keycloak-'));
  const port = await freePort();
  const dataDir = join(dir, 'keycloak-data');
  const log = join(dir, 'keycloak.log');
  const keycloak = await startKeycloak({ port, dataDir, realmFile, logFile: log });
  const pidFile = join(dir, 'keycloak.pid');
  writeFileSync(pidFile, String(keycloak.pid));
  return { url: keycloak.url, port, dir, dataDir, log, pidFile, projects: 0 };
}

/**
 * The Keycloak every integration project (one per nginx + njs build) uses: starting one takes a minute or more on
 * a loaded machine. The projects run one after another (sequence.groupOrder in vitest.config.ts), so a test that
 * stops Keycloak or changes the realm for a while disturbs no other project.
 */
async function acquireKeycloak(): Promise<SharedKeycloak> {
  holder[SHARED_KEYCLOAK] ??= startSharedKeycloak();
  const shared = await holder[SHARED_KEYCLOAK];
  shared.projects += 1;
  return shared;
}

async function releaseKeycloak(shared: SharedKeycloak): Promise<void> {
  shared.projects -= 1;
  if (shared.projects > 0) return;
  delete holder[SHARED_KEYCLOAK];
  await stopProcessGroup(Number(readFileSync(shared.pidFile, 'utf8')), 20_000);
  rmSync(shared.dir, { recursive: true, force: true });
}

export default async function setup(project: TestProject) {
  await installAll();
  const njs = njsRuntime(project.config.env[NJS_RUNTIME_ENV]);
  if (njs.suite !== null) ensureChroot(njs.suite);
  const runtimeDir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-it-'));
  const keycloak = await acquireKeycloak();
  const echo = await startEchoUpstream();
  const issuer = `${keycloak.url}/realms/${realm.realm}`;
  const nginx = await startNginx({
    njs: njs.name,
    runtimeDir: join(runtimeDir, 'nginx'),
    settings: {
      MLFLOW_GATE_ISSUER: issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${keycloak.port}`,
      // Keycloak on this host, reached over plain http (test/integration/keycloak-tls.test.ts: https).
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${echo.port}`,
      // Every request of the shared gate asks Keycloak, so revocation and outage tests see Keycloak's answer
      // at once; test/integration/decision-cache.test.ts covers the cache with gates of its own.
      MLFLOW_GATE_DECISION_CACHE: 'off',
    },
  });
  project.provide('stack', {
    gate: nginx.url,
    keycloak: keycloak.url,
    keycloakPort: keycloak.port,
    keycloakDataDir: keycloak.dataDir,
    keycloakLog: keycloak.log,
    keycloakPidFile: keycloak.pidFile,
    issuer,
    echo: echo.url,
    runtimeDir,
    nginxErrorLog: nginx.errorLog,
  });
  return async () => {
    await nginx.stop();
    await echo.close();
    await releaseKeycloak(keycloak);
    rmSync(runtimeDir, { recursive: true, force: true });
  };
}
