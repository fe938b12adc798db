/**
 * Replicas are stateless: two gate instances (each its own nginx, decision cache and cache directory; the same
 * settings and session key) behind a round-robin balancer, in front of the native stack's Keycloak and MLflow.
 * A browser login moves between them, CLI logins and service accounts work through each, and one instance is
 * stopped and started again under a mixed-role load without a wrong decision or a lost or doubled write.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { credentialsPath, iniValue, parseIni } from '../../cli/mlflow-uma-gate.mjs';
import { chromiumPath } from '../../scripts/deps.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
import { gateSettings } from '../../scripts/stack.mjs';
import type { Balancer } from '../support/balancer';
import { BALANCER_FAILED_HEADER, PIN_COOKIE, startBalancer } from '../support/balancer';
import { signInThroughKeycloak, uiCall } from '../support/browser-login';
import { cliLogin } from '../support/device-login';
import { userToken } from '../support/tokens';
import { sleepUntil } from '../support/waiting';

type Instance = Awaited<ReturnType<typeof startNginx>>;
type Name = 'a' | 'b';

const stack = inject('nativeStack');
const person = (role: 'editor' | 'viewer') => stack.users.find((user) => user.role === role)!;
const service = stack.clients.service;
const READ = '/api/2.0/mlflow/experiments/search?max_results=1';
const CREATE = '/api/2.0/mlflow/experiments/create';
const DELETE = '/api/2.0/mlflow/experiments/delete';
/** Experiments of this run are named `<run>-…`, so that MLflow can be asked afterwards what was written. */
const run = `replicas-${Date.now().toString(36)}`;

/**
 * The load: 24 s, instance a down from 6 s to 12 s; each client sends one request after another, its i-th not
 * before i * PACE_MS (at most LOAD_MS / PACE_MS in all, however fast the machine). A request whose connection
 * failed before an answer is sent again, at most MAX_ATTEMPTS times in all, RETRY_PAUSE_MS apart.
 */
const LOAD_MS = 24_000;
const STOP_AT_MS = 6_000;
const RESTART_AT_MS = 12_000;
const PACE_MS = 60;
const MAX_ATTEMPTS = 5;
const RETRY_PAUSE_MS = 500;

let dir: string;
let settings: Record<string, string>;
const instances = {} as Record<Name, Instance>;
let balancer: Balancer;
let editorPassword: string;
let loginHome: string;

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function startInstance(name: Name, port?: number): Promise<Instance> {
  return startNginx({ runtimeDir: join(dir, name), port, settings });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-replicas-'));
  settings = gateSettings({
    keycloak: { url: stack.keycloak, port: Number(new URL(stack.keycloak).port) },
    mlflow: { port: Number(new URL(stack.mlflow).port) },
    sessionKey: randomBytes(32).toString('base64'),
  });
  [instances.a, instances.b] = await Promise.all([startInstance('a'), startInstance('b')]);
  balancer = await startBalancer(join(dir, 'balancer'), { a: instances.a.port, b: instances.b.port });
  const login = await cliLogin(balancer.url, person('editor'));
  loginHome = login.home;
  editorPassword = iniValue(parseIni(readFileSync(credentialsPath(loginHome), 'utf8')), 'mlflow', 'mlflow_tracking_password')!;
}, 120_000);

afterAll(async () => {
  await balancer?.stop();
  await Promise.all(Object.values(instances).map((instance) => instance.stop()));
  for (const path of [...Object.values(instances).map((instance) => instance.tempDir), balancer?.tempDir, loginHome, dir]) {
    if (path) rmSync(path, { recursive: true, force: true });
  }
});

interface Answer {
  status: number;
  errorCode: string | undefined;
  experimentId: string | undefined;
  /** How many times it was sent: more than once when a connection failed before an answer. */
  attempts: number;
}

/** One request as a client that retries failed connections does. */
async function send(base: string, authorization: string, method: 'GET' | 'POST', path: string, body?: object): Promise<Answer> {
  for (let attempt = 1; ; attempt++) {
    let answered: { status: number; failedAtBalancer: boolean; text: string } | undefined;
    try {
      const response = await request(`${base}${path}`, {
        method,
        headers: { authorization, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      answered = { status: response.statusCode, failedAtBalancer: response.headers[BALANCER_FAILED_HEADER] !== undefined, text: await response.body.text() };
    } catch (error) {
      // No answer at all (the connection failed or was reset): the request may or may not have arrived.
      if (attempt === MAX_ATTEMPTS) throw error;
    }
    if (answered && !answered.failedAtBalancer) {
      const json = answered.text.startsWith('{') ? (JSON.parse(answered.text) as { error_code?: string; experiment_id?: string }) : {};
      return { status: answered.status, errorCode: json.error_code, experimentId: json.experiment_id, attempts: attempt };
    }
    if (attempt === MAX_ATTEMPTS) throw new Error(`${method} ${path}: the balancer failed ${MAX_ATTEMPTS} times`);
    await sleepUntil(Date.now() + RETRY_PAUSE_MS);
  }
}

/** MLflow's own list of this run's experiments (asked directly, bypassing the gate, to count what was written). */
async function experimentsInMlflow(prefix: string): Promise<string[]> {
  const response = await request(`${stack.mlflow}/api/2.0/mlflow/experiments/search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filter: `name LIKE '${prefix}%'`, max_results: 1000, view_type: 'ALL' }),
  });
  const body = (await response.body.json()) as { experiments?: { name: string }[]; next_page_token?: string };
  expect(body.next_page_token).toBeUndefined();
  return (body.experiments ?? []).map((experiment) => experiment.name).sort();
}

describe('two gate instances behind a round-robin balancer', () => {
  it('a browser login started on one instance finishes on the other, and the session works on both', async () => {
    const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    try {
      const context = await browser.newContext();
      const pin = (name: Name) => context.addCookies([{ name: PIN_COOKIE, value: name, url: balancer.url }]);
      const page = await context.newPage();
      const started = Date.now();
      await pin('a');
      await signInThroughKeycloak(page, balancer.url, person('viewer'), () => pin('b'));
      const flow = balancer.served().filter((served) => served.at >= started);
      // a sent the browser to Keycloak (with the login's state and PKCE verifier sealed in a cookie); b took the code.
      expect(flow.find((served) => served.path === '/')).toMatchObject({ instances: ['a'], status: 302 });
      expect(flow.filter((served) => served.path === '/_mlflow_gate/callback')).toMatchObject([{ instances: ['b'], status: 302 }]);
      for (const name of ['a', 'b'] as const) {
        await pin(name);
        expect(await uiCall(page), `the session on ${name}`).toBe(200);
      }
      await context.clearCookies({ name: PIN_COOKIE });
      expect([await uiCall(page), await uiCall(page)]).toEqual([200, 200]);
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('a CLI login (its offline token over Basic) and a service account work through each instance', async () => {
    for (const name of ['a', 'b'] as const) {
      const url = instances[name].url;
      const editor = basic(person('editor').username, editorPassword);
      const account = basic(service.id, service.secret);
      expect((await send(url, editor, 'GET', READ)).status, `the login on ${name}`).toBe(200);
      expect((await send(url, editor, 'POST', CREATE, { name: `${run}-login-${name}` })).status).toBe(200);
      expect((await send(url, account, 'GET', READ)).status, `the service account on ${name}`).toBe(200);
      expect((await send(url, account, 'POST', CREATE, { name: `${run}-service-account-${name}` })).status).toBe(200);
      expect((await send(url, basic(service.id, 'not-the-secret'), 'GET', READ)).status).toBe(401);
    }
    expect(await experimentsInMlflow(`${run}-`)).toEqual([`${run}-login-a`, `${run}-login-b`, `${run}-service-account-a`, `${run}-service-account-b`]);
  }, 120_000);

  it('one instance stopped and started again under a mixed-role load: no wrong decision, no lost or doubled write', async () => {
    const viewer = `Bearer ${await userToken(stack.keycloak, person('viewer').username, person('viewer').password)}`;
    const editor = basic(person('editor').username, editorPassword);
    const account = basic(service.id, service.secret);
    const load = `${run}-load-`;
    const wrong: string[] = [];
    const written: string[] = [];
    let requests = 0;
    let retried = 0;
    let madeBeforeRetry = 0;
    const expectAnswer = (what: string, answer: Answer, fits: boolean) => {
      requests += 1;
      retried += answer.attempts - 1;
      if (!fits) wrong.push(`${what}: ${answer.status} ${answer.errorCode ?? ''} after ${answer.attempts} attempt(s)`);
    };
    /** A create that must be allowed: done when MLflow made it, or made it before the retry that found it. */
    const allowedCreate = async (authorization: string, name: string) => {
      const answer = await send(balancer.url, authorization, 'POST', CREATE, { name });
      const done = answer.status === 200 || (answer.attempts > 1 && answer.errorCode === 'RESOURCE_ALREADY_EXISTS');
      expectAnswer(`create ${name}`, answer, done);
      if (done) written.push(name);
      if (answer.errorCode === 'RESOURCE_ALREADY_EXISTS') madeBeforeRetry += 1;
      return answer;
    };
    const refused = (what: string, answer: Answer) => expectAnswer(what, answer, answer.status === 403 && answer.errorCode === 'PERMISSION_DENIED');

    const started = Date.now();
    const end = started + LOAD_MS;
    const client = async (step: (i: number) => Promise<void>) => {
      for (let i = 0; started + i * PACE_MS < end; i++) {
        await sleepUntil(started + i * PACE_MS);
        if (Date.now() >= end) return;
        await step(i);
      }
    };
    const restart = async () => {
      await sleepUntil(started + STOP_AT_MS);
      await instances.a.stop();
      const stoppedAt = Date.now();
      await sleepUntil(started + RESTART_AT_MS);
      const restartedAt = Date.now();
      instances.a = await startInstance('a', instances.a.port);
      return { stoppedAt, restartedAt };
    };
    const [{ stoppedAt, restartedAt }] = await Promise.all([
      restart(),
      client(async () => {
        const answer = await send(balancer.url, viewer, 'GET', READ);
        expectAnswer('a viewer reads', answer, answer.status === 200);
      }),
      client(async (i) => refused('a viewer creates', await send(balancer.url, viewer, 'POST', CREATE, { name: `${load}viewer-${i}` }))),
      client(async (i) => {
        const created = await allowedCreate(editor, `${load}editor-${i}`);
        if (i % 4 === 3 && created.experimentId) {
          refused('an editor deletes', await send(balancer.url, editor, 'POST', DELETE, { experiment_id: created.experimentId }));
        }
      }),
      client(async (i) => {
        await allowedCreate(account, `${load}service-${i}`);
      }),
    ]);

    const served = balancer.served().filter((entry) => entry.at >= started);
    const last = (entry: (typeof served)[number]) => entry.instances[entry.instances.length - 1];
    // A second after the stop: the balancer logs the requests a was serving when it stopped a moment later.
    const whileDown = served.filter((entry) => entry.at > stoppedAt + 1_000 && entry.at < restartedAt);
    const afterRestart = served.filter((entry) => entry.at > restartedAt && last(entry) === 'a');
    console.info(
      `replicas: ${requests} requests in ${((Date.now() - started) / 1000).toFixed(1)} s, ${whileDown.length} while a was down, ` +
        `${retried} retries (${madeBeforeRetry} writes found made by the attempt before), ${written.length} allowed writes, ` +
        `${afterRestart.length} served by a after its restart`,
    );
    expect(wrong).toEqual([]);
    expect(await experimentsInMlflow(load)).toEqual([...written].sort());
    expect(new Set(written).size).toBe(written.length);
    expect(whileDown.length).toBeGreaterThan(0);
    expect(whileDown.filter((entry) => last(entry) !== 'b')).toEqual([]);
    expect(afterRestart.length).toBeGreaterThan(0);
  }, 120_000);
});
