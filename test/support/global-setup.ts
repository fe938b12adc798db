/**
 * Starts the real components once for the integration tests: Keycloak (pinned Maven Central distribution,
 * shipped realm imported), nginx + Debian's njs running the built bundle, and a recording upstream where
 * MLflow would be. Everything listens on 127.0.0.1 and is stopped at the end.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installAll } from '../../scripts/deps.mjs';
import { startKeycloak } from '../../scripts/keycloak.mjs';
import { freePort, stopProcessGroup } from '../../scripts/processes.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
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

export default async function setup(project: TestProject) {
  await installAll();
  const runtimeDir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-it-'));
  const keycloakPort = await freePort();
  const keycloakDataDir = join(runtimeDir, 'keycloak-data');
  const keycloakLog = join(runtimeDir, 'keycloak.log');
  const keycloak = await startKeycloak({ port: keycloakPort, dataDir: keycloakDataDir, realmFile, logFile: keycloakLog });
  const keycloakPidFile = join(runtimeDir, 'keycloak.pid');
  writeFileSync(keycloakPidFile, String(keycloak.pid));
  const echo = await startEchoUpstream();
  const issuer = `${keycloak.url}/realms/${realm.realm}`;
  const nginx = await startNginx({
    runtimeDir: join(runtimeDir, 'nginx'),
    settings: {
      MLFLOW_GATE_ISSUER: issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${keycloakPort}`,
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
    keycloakPort,
    keycloakDataDir,
    keycloakLog,
    keycloakPidFile,
    issuer,
    echo: echo.url,
    runtimeDir,
    nginxErrorLog: nginx.errorLog,
  });
  return async () => {
    await nginx.stop();
    await echo.close();
    await stopProcessGroup(Number(readFileSync(keycloakPidFile, 'utf8')), 20_000);
    rmSync(runtimeDir, { recursive: true, force: true });
  };
}
