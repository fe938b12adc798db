/**
 * The gate itself on HTTPS, as docker-compose.yml serves it: nginx/nginx.conf.template with docker/gate/tls.conf
 * in the server's server.d/, listening with `ssl`, and the development certificate made by the command in the
 * README's compose quick start, followed literally.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { confDir, projectRoot, startNginx } from '../../scripts/nginx.mjs';
import { freePort } from '../../scripts/processes.mjs';
import { makeDevelopmentCertificate } from '../support/development-certificate';
import { demoUsers } from '../support/realm';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const COMPOSE_TLS_DIR = '/etc/nginx/mlflow-uma-gate/tls/';
const viewer = demoUsers.find((user) => user.role === 'viewer')!;
let gate: Awaited<ReturnType<typeof startNginx>>;
let trustingCertificate: Agent;
/** The gate's address; the test's calls name it localhost, as the certificate does. */
let base: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(stack.runtimeDir, 'gate-https-'));
  const certificate = makeDevelopmentCertificate(dir);
  // The snippets as compose mounts them, and the compose TLS file pointing at this test's certificate.
  const conf = join(dir, 'conf');
  mkdirSync(join(conf, 'server.d'), { recursive: true });
  for (const snippet of readdirSync(confDir).filter((name) => name.endsWith('.conf'))) symlinkSync(join(confDir, snippet), join(conf, snippet));
  const tlsConf = readFileSync(join(projectRoot, 'docker', 'gate', 'tls.conf'), 'utf8');
  expect(tlsConf).toContain(COMPOSE_TLS_DIR);
  writeFileSync(join(conf, 'server.d', 'tls.conf'), tlsConf.replaceAll(COMPOSE_TLS_DIR, `${join(dir, 'tls')}/`));
  const port = await freePort();
  gate = await startNginx({
    runtimeDir: join(dir, 'nginx'),
    port,
    settings: {
      MLFLOW_GATE_LISTEN: `127.0.0.1:${port} ssl`,
      MLFLOW_GATE_CONF_DIR: conf,
      MLFLOW_GATE_ISSUER: stack.issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${stack.keycloakPort}`,
      MLFLOW_GATE_KEYCLOAK_SCHEME: 'http',
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${new URL(stack.echo).port}`,
    },
  });
  base = `https://127.0.0.1:${port}`;
  trustingCertificate = new Agent({ connect: { ca: readFileSync(certificate.certificateFile), servername: 'localhost' } });
}, 60_000);

afterAll(async () => {
  await gate?.stop();
  await trustingCertificate?.close();
});

describe("the gate on HTTPS with the README's development certificate", () => {
  it('answers over TLS for localhost, and tells MLflow the request came over https', async () => {
    const health = await request(`${base}/_mlflow_gate/health`, { dispatcher: trustingCertificate });
    expect([health.statusCode, ((await health.body.json()) as { keycloak: string }).keycloak]).toEqual([200, 'reachable']);
    const token = await userToken(stack.keycloak, viewer.username, viewer.password);
    const read = await request(`${base}/api/2.0/mlflow/experiments/get?experiment_id=0`, {
      dispatcher: trustingCertificate,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.statusCode).toBe(200);
    const seen = (await read.body.json()) as { headers: Record<string, string> };
    expect(seen.headers).toMatchObject({ 'x-forwarded-proto': 'https', 'x-mlflow-gate-user': viewer.username });
  });

  it('does not answer plain HTTP on that port', async () => {
    const plain = await request(`${base.replace('https:', 'http:')}/_mlflow_gate/health`);
    await plain.body.dump();
    expect(plain.statusCode).toBe(400);
  });
});
