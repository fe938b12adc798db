/**
 * The e2e spec: what ML teams do with the real mlflow Python client (the pinned release), run against a whole
 * secured stack. test/e2e runs it against the native stack, test/e2e-compose against docker compose.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlflowPython } from '../../scripts/mlflow.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import type { StackJson } from './stack-json.js';

const scenarios = join(projectRoot, 'test', 'e2e', 'client_scenarios.py');
const run = promisify(execFile);

type Role = StackJson['users'][number]['role'];

/** Tokens and client scenarios against the stack `stackOf` returns (read at each call, once the stack is up). */
export function mlflowClientOf(stackOf: () => StackJson) {
  async function tokenFor(form: Record<string, string>): Promise<string> {
    const stack = stackOf();
    const response = await request(`${stack.keycloak}/realms/${stack.realm}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await response.body.json()) as { access_token: string };
    return body.access_token;
  }

  /** Password grant on the public client: the dev realm allows it, see README. */
  function userToken(role: Role) {
    const stack = stackOf();
    const user = stack.users.find((candidate) => candidate.role === role)!;
    return tokenFor({ grant_type: 'password', client_id: stack.clients.public, username: user.username, password: user.password });
  }

  /**
   * Runs one scenario of test/e2e/client_scenarios.py with the given token (or none), and `settings` (e.g.
   * MLFLOW_WORKSPACE) in its environment; what the client observed.
   */
  async function client(scenario: string, token: string | null, args: object = {}, settings: Record<string, string> = {}) {
    const stack = stackOf();
    const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_TRACKING_URI: stack.gate, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', ...settings };
    delete env.MLFLOW_TRACKING_TOKEN;
    if (token !== null) env.MLFLOW_TRACKING_TOKEN = token;
    const { stdout } = await run(mlflowPython, [scenarios, scenario, JSON.stringify(args)], { env, maxBuffer: 1 << 20, timeout: 300_000 });
    return JSON.parse(stdout.trim().split('\n').pop()!);
  }

  return { tokenFor, userToken, client };
}

/** Registers the spec; `stackOf` is read once the stack is up (in the caller's beforeAll). */
export function mlflowClientSpec(stackOf: () => StackJson) {
  describe('the mlflow client through the gate', () => {
    const { tokenFor, userToken, client } = mlflowClientOf(stackOf);

    const suffix = Date.now().toString(36);
    const names = { experiment: `e2e-${suffix}`, model: `e2e-model-${suffix}` };
    let created: { experiment_id: string; run_id: string; version: string; sha256: string };
    let ids: Record<string, string>;

    beforeAll(async () => {
      created = await client('create', await userToken('editor'), names);
      ids = { ...names, experiment_id: created.experiment_id, run_id: created.run_id, version: created.version };
    }, 300_000);

    describe('an editor', () => {
      it('creates an experiment, a run with params, metrics, a 1,000-metric batch, a 50 MB artifact and a model version', () => {
        expect(created).toMatchObject({ experiment_id: expect.any(String), run_id: expect.any(String), version: '1' });
      });

      it('reads everything back: all 1,000 batch metrics and the artifact byte-identical', async () => {
        const seen = await client('read', await userToken('editor'), ids);
        expect(seen.history_steps).toEqual(Array.from({ length: 1000 }, (_v, step) => step));
        expect(seen.history_values_ok).toBe(true);
        expect(seen.sha256).toBe(created.sha256);
        expect(seen.params).toEqual({ alpha: '0.5' });
        expect(seen.metrics).toMatchObject({ loss: 0.25, batch: 999 });
      });
    });

    describe('a viewer', () => {
      it('reads the experiment, run, metrics, artifact and model', async () => {
        const seen = await client('read', await userToken('viewer'), ids);
        expect(seen).toMatchObject({ experiment: names.experiment, run_stage: 'active', model: names.model, sha256: created.sha256 });
        expect(seen.history_steps).toHaveLength(1000);
      });

      it('cannot create an experiment, and the client shows the gate\'s message', async () => {
        expect(await client('create_experiment', await userToken('viewer'), { experiment: `viewer-${suffix}` })).toEqual({
          ok: false,
          error_code: 'PERMISSION_DENIED',
          message: expect.stringContaining('experiments#write'),
        });
      });
    });

    describe('deleting', () => {
      it('is refused for an editor, and everything is still there afterwards', async () => {
        const attempts = await client('delete', await userToken('editor'), ids);
        for (const what of ['artifact', 'run', 'model', 'experiment']) {
          expect(attempts[what]).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED', message: expect.stringContaining('#delete') });
        }
        expect(await client('exists', await userToken('admin'), ids)).toEqual({
          experiment_stage: 'active',
          run_stage: 'active',
          model: true,
          artifacts: ['data/blob.bin'],
        });
      });

      it('works for an admin', async () => {
        const attempts = await client('delete', await userToken('admin'), ids);
        expect(attempts).toEqual({ artifact: { ok: true }, run: { ok: true }, model: { ok: true }, experiment: { ok: true } });
        expect(await client('exists', await userToken('admin'), ids)).toEqual({
          experiment_stage: 'deleted',
          run_stage: 'deleted',
          model: false,
          artifacts: [],
        });
      });
    });

    describe('without access', () => {
      it('gets 401 without a token', async () => {
        expect(await client('search', null)).toMatchObject({ ok: false, error_code: 'UNAUTHENTICATED' });
      });

      it('gets 403 on reads for a user with no grant', async () => {
        expect(await client('search', await userToken('none'))).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
      });
    });

    describe('a service account', () => {
      it('logs a run with a client-credentials token', async () => {
        const stack = stackOf();
        const token = await tokenFor({ grant_type: 'client_credentials', client_id: stack.clients.service.id, client_secret: stack.clients.service.secret });
        expect(await client('service_run', token, { experiment: `pipeline-${suffix}` })).toEqual({ status: 'FINISHED', metrics: { accuracy: 0.9 } });
      });
    });

    describe('the MLflow UI', () => {
      it('loads its page and static assets through the gate with a valid token', async () => {
        const stack = stackOf();
        const headers = { authorization: `Bearer ${await userToken('viewer')}` };
        const page = await request(`${stack.gate}/`, { headers });
        expect(page.statusCode).toBe(200);
        const html = await page.body.text();
        const assets = [...html.matchAll(/(?:src|href)="\.?\/?(static-files\/[^"]+)"/g)].map((match) => match[1]);
        expect(assets.length).toBeGreaterThan(0);
        for (const asset of assets) {
          const response = await request(`${stack.gate}/${asset}`, { headers });
          await response.body.dump();
          expect([asset, response.statusCode]).toEqual([asset, 200]);
        }
        const refused = await request(`${stack.gate}/`);
        await refused.body.dump();
        expect(refused.statusCode).toBe(401);
      });
    });
  });
}
