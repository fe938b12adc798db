/**
 * The same e2e spec as test/e2e, against `docker compose up` (docker-compose.yml, started by testcontainers'
 * compose support). It needs a Docker engine and the `docker compose` CLI; without them it reports itself as
 * skipped, with the reason.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerComposeEnvironment, getContainerRuntimeClient, type StartedDockerComposeEnvironment, Wait } from 'testcontainers';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe } from 'vitest';
import { projectRoot } from '../../scripts/nginx.mjs';
import { freePort } from '../../scripts/processes.mjs';
import { realmAccess } from '../../scripts/realm.mjs';
import { makeDevelopmentCertificate } from '../support/development-certificate.js';
import { mlflowClientSpec } from '../support/mlflow-client-spec.js';
import type { StackJson } from '../support/stack-json.js';

async function whyComposeCannotRun(): Promise<string | null> {
  try {
    await getContainerRuntimeClient();
  } catch (error) {
    return `no Docker engine (${(error as Error).message})`;
  }
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status !== 0) return 'no `docker compose` CLI';
  return null;
}

const skipReason = await whyComposeCannotRun();
if (skipReason) console.warn(`e2e-compose: skipped: ${skipReason}`);

const secret = () => randomBytes(18).toString('hex');

describe.skipIf(skipReason !== null)(`docker compose up${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let environment: StartedDockerComposeEnvironment | undefined;
  let stack: StackJson;

  beforeAll(async () => {
    const gatePort = await freePort();
    const keycloakPort = await freePort();
    const keycloak = `http://localhost:${keycloakPort}`;
    // The gate serves HTTPS only: the README's development certificate, trusted by this file's requests and by
    // the mlflow client the spec runs.
    const certificate = makeDevelopmentCertificate(mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-compose-')));
    setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(certificate.certificateFile) } }));
    process.env.MLFLOW_TRACKING_SERVER_CERT_PATH = certificate.certificateFile;
    environment = await new DockerComposeEnvironment(projectRoot, 'docker-compose.yml')
      .withProjectName(`mlflow-uma-gate-e2e-${Date.now()}`)
      .withBuild()
      .withEnvironment({
        PUBLISH_ADDRESS: '127.0.0.1',
        GATE_PORT: String(gatePort),
        KEYCLOAK_PORT: String(keycloakPort),
        KEYCLOAK_PUBLIC_URL: keycloak,
        MLFLOW_ALLOWED_HOSTS: 'localhost:*,127.0.0.1:*',
        KEYCLOAK_ADMIN_USER: 'admin',
        KEYCLOAK_ADMIN_PASSWORD: secret(),
        POSTGRES_PASSWORD: secret(),
        MLFLOW_DB_PASSWORD: secret(),
        KEYCLOAK_DB_PASSWORD: secret(),
        MINIO_ROOT_USER: 'minio-root',
        MINIO_ROOT_PASSWORD: secret(),
        MLFLOW_S3_ACCESS_KEY: 'mlflow',
        MLFLOW_S3_SECRET_KEY: secret(),
        GATE_SESSION_KEY: randomBytes(32).toString('base64'),
        GATE_TLS_CERTIFICATE_FILE: certificate.certificateFile,
        GATE_TLS_KEY_FILE: certificate.keyFile,
      })
      .withWaitStrategy('gate-1', Wait.forHealthCheck())
      .withStartupTimeout(600_000)
      .up();
    stack = { gate: `https://localhost:${gatePort}`, keycloak, mlflow: 'inside the compose network only', ...realmAccess };
  }, 900_000);

  afterAll(async () => {
    await environment?.down({ removeVolumes: true, timeout: 30_000 });
  }, 120_000);

  mlflowClientSpec(() => stack);
});
