/**
 * The e2e spec of test/e2e, against `docker compose up` of the project's own docker-compose.yml (started by
 * testcontainers' compose support, in the engine of test/support/compose-setup.ts), plus what only compose has:
 * what it publishes on the host, the browser login through its Keycloak, and data that outlives `docker compose
 * down`. The one change to the compose file is test/e2e-compose/compose.versitygw.yml (versitygw in MinIO's
 * place). Without an engine the suite reports itself as skipped, with the reason.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseEnv } from 'node:util';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { DockerComposeEnvironment, type StartedDockerComposeEnvironment, Wait } from 'testcontainers';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { versitygwOverride } from '../../scripts/compose-images.mjs';
import { chromiumPath } from '../../scripts/deps.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import { freePort } from '../../scripts/processes.mjs';
import { publicClient, realmAccess } from '../../scripts/realm.mjs';
import { signInThroughKeycloak, uiCall } from '../support/browser-login.js';
import { makeDevelopmentCertificate } from '../support/development-certificate.js';
import { mlflowClientOf, mlflowClientSpec } from '../support/mlflow-client-spec.js';
import { callGate } from '../support/projects.js';
import type { StackJson } from '../support/stack-json.js';
import { adminApi } from '../support/tokens.js';

const engine = inject('composeEngine');
const skipReason = 'skipped' in engine ? engine.skipped : null;
if ('skipped' in engine) console.warn(`e2e-compose: skipped: ${engine.skipped}`);
else Object.assign(process.env, engine.env);

const secret = () => randomBytes(18).toString('hex');
const composeFiles = ['docker-compose.yml', relative(projectRoot, versitygwOverride)];
const projectName = `mlflow-uma-gate-e2e-${Date.now()}`;

describe.skipIf(skipReason !== null)(`docker compose up${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let environment: StartedDockerComposeEnvironment | undefined;
  let stack: StackJson;
  let settings: Record<string, string> = {};

  /** `docker compose` on the test's project, in the tests' engine, with the run's .env settings. */
  function compose(args: string[]): string {
    return execFileSync('docker', ['compose', '--project-name', projectName, ...composeFiles.flatMap((file) => ['--file', file]), ...args], {
      cwd: projectRoot,
      encoding: 'utf8',
      env: { ...process.env, ...settings },
    });
  }
  const ports = { gate: 0, keycloak: 0 };

  /** `docker compose up` as a user runs it (.env's settings in the environment), until every service is healthy. */
  async function up() {
    environment = await new DockerComposeEnvironment(projectRoot, composeFiles)
      .withProjectName(projectName)
      .withBuild()
      .withEnvironment(settings)
      // Every service that keeps running has a health check: the compose file's own readiness, for all of them.
      .withDefaultWaitStrategy(Wait.forHealthCheck())
      .withStartupTimeout(900_000)
      .up();
  }

  beforeAll(async () => {
    ports.gate = await freePort();
    ports.keycloak = await freePort();
    const keycloak = `http://localhost:${ports.keycloak}`;
    // The gate serves HTTPS only: the README's development certificate, trusted by this file's requests and by
    // the mlflow client the spec runs.
    const certificate = makeDevelopmentCertificate(mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-compose-')));
    setGlobalDispatcher(new Agent({ connect: { ca: readFileSync(certificate.certificateFile) } }));
    process.env.MLFLOW_TRACKING_SERVER_CERT_PATH = certificate.certificateFile;
    // A user's .env: .env.example with every `change-me` value replaced by a secret, and this run's ports.
    const example = parseEnv(readFileSync(join(projectRoot, '.env.example'), 'utf8')) as Record<string, string>;
    settings = {
      ...Object.fromEntries(Object.entries(example).map(([name, value]) => [name, value.startsWith('change-me') ? secret() : value])),
      GATE_PORT: String(ports.gate),
      KEYCLOAK_PORT: String(ports.keycloak),
      KEYCLOAK_PUBLIC_URL: keycloak,
      GATE_SESSION_KEY: randomBytes(32).toString('base64'),
      GATE_TLS_CERTIFICATE_FILE: certificate.certificateFile,
      GATE_TLS_KEY_FILE: certificate.keyFile,
    };
    await up();
    // The shipped realm knows the quick start's callback (port 8000); a gate elsewhere adds its own, as README's
    // "The MLflow UI in a browser" asks.
    const admin = { username: settings.KEYCLOAK_ADMIN_USER, password: settings.KEYCLOAK_ADMIN_PASSWORD };
    const [login] = (await adminApi(keycloak, 'GET', `/clients?clientId=${publicClient.clientId}`, undefined, admin)).json as { id: string; redirectUris: string[] }[];
    const callback = `https://localhost:${ports.gate}/_mlflow_gate/callback`;
    await adminApi(keycloak, 'PUT', `/clients/${login.id}`, { ...login, redirectUris: [...login.redirectUris, callback] }, admin);
    stack = { gate: `https://localhost:${ports.gate}`, keycloak, mlflow: 'inside the compose network only', ...realmAccess };
  }, 1_200_000);

  afterAll(() => {
    // Whatever state the stack is in, nothing of it is left: containers, networks and volumes.
    compose(['down', '--volumes', '--timeout', '30']);
  }, 180_000);

  mlflowClientSpec(() => stack);

  describe('what only compose has', () => {
    it('publishes the gate and Keycloak only, on the address PUBLISH_ADDRESS names', () => {
      const services = compose(['ps', '--all', '--format', 'json'])
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { Service: string; Publishers: { URL: string; TargetPort: number; PublishedPort: number }[] | null });
      const published = Object.fromEntries(
        services.map((service) => [
          service.Service,
          (service.Publishers ?? []).filter((publisher) => publisher.PublishedPort > 0).map(({ URL, TargetPort, PublishedPort }) => ({ URL, TargetPort, PublishedPort })),
        ]),
      );
      expect(published).toEqual({
        gate: [{ URL: '127.0.0.1', TargetPort: 443, PublishedPort: ports.gate }],
        keycloak: [{ URL: '127.0.0.1', TargetPort: 8080, PublishedPort: ports.keycloak }],
        mlflow: [],
        postgres: [],
        minio: [],
        'minio-init': [],
      });
    });

    it('lets a viewer sign in to the MLflow UI through Keycloak in Chromium', async () => {
      let browser: Browser | undefined;
      try {
        browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
        // The development certificate is self-signed; the browser is told to accept it, as its user would be.
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const page = await context.newPage();
        await signInThroughKeycloak(page, stack.gate, stack.users.find((user) => user.role === 'viewer')!);
        expect(await uiCall(page)).toBe(200);
      } finally {
        await browser?.close();
      }
    }, 180_000);

    it('lets an editor create a project and work in it with the mlflow client; a viewer it is not shared with is kept out', async () => {
      const { userToken, client } = mlflowClientOf(() => stack);
      const editor = await userToken('editor');
      const viewer = await userToken('viewer');
      const project = `compose-${Date.now().toString(36)}`;
      expect((await callGate(stack.gate, editor, 'POST', '/api/3.0/mlflow/workspaces', { body: { name: project } })).status).toBe(201);
      const names = { experiment: `in-${project}`, model: `model-${project}` };
      const inProject = { MLFLOW_WORKSPACE: project };
      const created = await client('create', editor, names, inProject);
      const seen = await client('read', editor, { ...names, ...created }, inProject);
      expect(seen).toMatchObject({ experiment: names.experiment, model: names.model, sha256: created.sha256 });
      const listed = (await callGate(stack.gate, viewer, 'GET', '/api/3.0/mlflow/workspaces')).json.workspaces as { name: string }[];
      expect(listed.map((workspace) => workspace.name)).not.toContain(project);
      const refused = await callGate(stack.gate, viewer, 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${created.experiment_id}`, { workspace: project });
      expect(refused).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    }, 600_000);

    it('keeps experiments, runs and artifacts across `docker compose down` and `up`', async () => {
      const { userToken, client } = mlflowClientOf(() => stack);
      const suffix = Date.now().toString(36);
      const names = { experiment: `kept-${suffix}`, model: `kept-model-${suffix}` };
      const created = await client('create', await userToken('editor'), names);
      await environment!.down({ removeVolumes: false, timeout: 30_000 });
      await up();
      const seen = await client('read', await userToken('viewer'), { ...names, ...created });
      expect(seen).toMatchObject({ experiment: names.experiment, run_stage: 'active', model: names.model, sha256: created.sha256 });
    }, 1_200_000);
  });
});
