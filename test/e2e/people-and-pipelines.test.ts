/**
 * People at the terminal and machines in pipelines, against the native stack: `mlflow-uma-gate login` completed
 * through Keycloak's own login form, the real mlflow client using only what login wrote, a job that outlives
 * many access tokens, logout and revocation, and service accounts over Basic with their rate limits.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { credentialsPath, iniValue, parseIni } from '../../cli/mlflow-uma-gate.mjs';
import { mlflowPython } from '../../scripts/mlflow.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import { cliLogin } from '../support/device-login';
import { adminApi } from '../support/tokens';
import { eventually } from '../support/waiting';

const run = promisify(execFile);
const cli = join(projectRoot, 'cli', 'mlflow-uma-gate.mjs');
const scenarios = join(projectRoot, 'test', 'e2e', 'client_scenarios.py');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const LONG_RUN_SECONDS = 180;
const ACCESS_TOKEN_SECONDS = 60;
const ALLOW_LIFETIME_MS = 30_000;

const stack = inject('nativeStack');
const editor = stack.users.find((user) => user.role === 'editor')!;
const viewer = stack.users.find((user) => user.role === 'viewer')!;

function cliIn(home: string, ...args: string[]) {
  return run(process.execPath, [cli, ...args], { env: { ...process.env, HOME: home }, timeout: 60_000 });
}

/** One client scenario with only the environment given (plus the gate's address). */
async function client(scenario: string, args: object, env: Record<string, string>) {
  const clean: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_URI: stack.gate, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...env };
  delete clean.MLFLOW_TRACKING_TOKEN;
  const { stdout } = await run(mlflowPython, [scenarios, scenario, JSON.stringify(args)], { env: clean, timeout: 400_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

async function statusWithBasic(user: string, password: string, path = READ) {
  const response = await request(`${stack.gate}${path}`, {
    headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
  });
  const body = await response.body.text();
  return { status: response.statusCode, body, headers: response.headers };
}

describe('a person: mlflow-uma-gate login', () => {
  let home: string;
  let stored: ReturnType<typeof parseIni>;

  beforeAll(async () => {
    ({ home } = await cliLogin(stack.gate, editor));
    stored = parseIni(readFileSync(credentialsPath(home), 'utf8'));
  }, 120_000);

  it('writes a revocable offline token where the mlflow client looks, readable by the owner only', () => {
    expect(statSync(credentialsPath(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, '.mlflow')).mode & 0o077).toBe(0);
    expect(iniValue(stored, 'mlflow', 'mlflow_tracking_username')).toBe(editor.username);
    const password = iniValue(stored, 'mlflow', 'mlflow_tracking_password')!;
    const claims = JSON.parse(Buffer.from(password.split('.')[1], 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ typ: 'Offline', azp: stack.clients.public });
  });

  it('whoami prints the user and what they may do, as the gate sees it', async () => {
    const { stdout } = await cliIn(home, 'whoami', '--json');
    const seen = JSON.parse(stdout);
    expect(seen).toMatchObject({ user: editor.username, client: stack.clients.public });
    expect(seen.permissions.experiments).toEqual(['read', 'write']);
    expect(seen.permissions.runs).toEqual(['read', 'write']);
    const human = (await cliIn(home, 'whoami')).stdout;
    expect(human).toContain(`user: ${editor.username}`);
    expect(human).toMatch(/experiments: read, write/);
  });

  it('keeps a job that logs a metric every 5 s for 3 minutes working with 60 s access tokens', async () => {
    const realm = (await adminApi(stack.keycloak, 'GET', '')).json as { accessTokenLifespan: number };
    await adminApi(stack.keycloak, 'PUT', '', { accessTokenLifespan: ACCESS_TOKEN_SECONDS });
    try {
      // Logged in again under the short lifespan, so that every access token the job uses lives 60 s.
      const shortLived = await cliLogin(stack.gate, editor);
      const outcome = await client('long_run', { experiment: `long-run-${Date.now()}`, seconds: LONG_RUN_SECONDS, interval: 5 }, { HOME: shortLived.home });
      expect(outcome.failures, JSON.stringify(outcome.failures)).toEqual([]);
      expect(outcome.logged).toBeGreaterThanOrEqual(LONG_RUN_SECONDS / 5 - 2);
      expect(outcome.steps).toBe(outcome.logged);
    } finally {
      await adminApi(stack.keycloak, 'PUT', '', { accessTokenLifespan: realm.accessTokenLifespan });
    }
  }, (LONG_RUN_SECONDS + 120) * 1000);

  it('a viewer who logged in reads but cannot write', async () => {
    const viewerHome = (await cliLogin(stack.gate, viewer)).home;
    const password = iniValue(parseIni(readFileSync(credentialsPath(viewerHome), 'utf8')), 'mlflow', 'mlflow_tracking_password')!;
    expect((await statusWithBasic(viewer.username, password)).status).toBe(200);
    const created = await client('create_experiment', { experiment: `viewer-${Date.now()}` }, { HOME: viewerHome });
    expect(created).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
  }, 120_000);

  it('logout revokes the login at Keycloak, removes it locally, and access stops within the allow lifetime (30 s)', async () => {
    const password = iniValue(stored, 'mlflow', 'mlflow_tracking_password')!;
    expect((await statusWithBasic(editor.username, password)).status).toBe(200);
    const { stdout } = await cliIn(home, 'logout');
    expect(stdout).toContain('revoked');
    expect(() => readFileSync(credentialsPath(home), 'utf8')).toThrow();
    const revokedAt = Date.now();
    // When the last allowed request was sent, not when the first refusal came back: on a loaded machine an
    // answer alone can take seconds.
    let lastAllowedSentAt = revokedAt;
    const refusal = await eventually(
      'a refusal of the revoked login',
      async () => {
        const sentAt = Date.now();
        const { status } = await statusWithBasic(editor.username, password);
        if (status !== 200) return status;
        lastAllowedSentAt = sentAt;
        return undefined;
      },
      2 * ALLOW_LIFETIME_MS,
      1_000,
    );
    expect(refusal).toBe(401);
    // A second for nginx and the cache key counting whole seconds.
    expect(lastAllowedSentAt - revokedAt).toBeLessThanOrEqual(ALLOW_LIFETIME_MS + 1_000);
  }, 4 * ALLOW_LIFETIME_MS);
});

/**
 * `n` guesses sent at once: they meet the rate limit within a moment however slowly each is answered, so
 * the limit's refill (one every 6 s per client, one a second per address) cannot let extra ones through.
 */
function guessesAtOnce<T>(n: number, guess: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => guess(i)));
}

const count = (statuses: number[], status: number) => statuses.filter((candidate) => candidate === status).length;

describe('a pipeline: a service account over Basic', () => {
  const service = stack.clients.service;

  it('logs a run with MLFLOW_TRACKING_USERNAME/PASSWORD set to the client id and secret', async () => {
    const outcome = await client(
      'service_run',
      { experiment: `basic-service-${Date.now()}` },
      { MLFLOW_TRACKING_USERNAME: service.id, MLFLOW_TRACKING_PASSWORD: service.secret, HOME: mkdtempSync(join(tmpdir(), 'no-home-')) },
    );
    expect(outcome).toMatchObject({ status: 'FINISHED', metrics: { accuracy: 0.9 } });
  }, 120_000);

  it('exchanges the secret once per token lifetime: repeats are answered by the gate', async () => {
    const statuses = await Promise.all(Array.from({ length: 20 }, () => statusWithBasic(service.id, service.secret)));
    expect(statuses.map((answer) => answer.status)).toEqual(Array(20).fill(200));
  });

  it('refuses a wrong secret with 401 and nothing about why', async () => {
    const answer = await statusWithBasic(service.id, 'not-the-secret');
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    expect(answer.body).not.toMatch(/invalid_client|secret is wrong|not-the-secret/);
    const unknownClient = await statusWithBasic('no-such-client', 'x');
    // The same answer but for the id of each request, which the body may show.
    const withoutRequestId = (reply: typeof answer) => reply.body.split(String(reply.headers['x-request-id'])).join('');
    expect([unknownClient.status, withoutRequestId(unknownClient)]).toEqual([401, withoutRequestId(answer)]);
  });

  it('rate-limits guessing per client id, without slowing the client that has the right secret', async () => {
    // The client with the right secret has been working before the guessing starts (its exchange is cached).
    expect((await statusWithBasic(service.id, service.secret)).status).toBe(200);
    const statuses = (await guessesAtOnce(20, (i) => statusWithBasic(service.id, `guess-${i}`))).map((answer) => answer.status);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    expect(count(statuses, 401)).toBeGreaterThanOrEqual(5);
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(5);
    expect((await statusWithBasic(service.id, service.secret)).status).toBe(200);
  });

  it('rate-limits guessing per source address across clients', async () => {
    // Forged logins of ever new people: each has its own per-client budget, the address has one.
    const forged = (i: number) =>
      `eyJhbGciOiJIUzUxMiJ9.${Buffer.from(JSON.stringify({ typ: 'Offline', iss: `${stack.keycloak}/realms/${stack.realm}`, azp: stack.clients.public, sub: `forged-${i}` })).toString('base64url')}.c2ln`;
    const answers = await guessesAtOnce(45, (i) => statusWithBasic('someone', forged(i)));
    const statuses = answers.map((answer) => answer.status);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
    expect(count(statuses, 429)).toBeGreaterThanOrEqual(5);
    const tooMany = answers.find((answer) => answer.status === 429)!;
    expect(tooMany.headers['retry-after']).toBeDefined();
    expect(JSON.parse(tooMany.body)).toMatchObject({ error_code: 'REQUEST_LIMIT_EXCEEDED' });
  });
});

