/**
 * Projects against the native stack (real Keycloak, MLflow with workspaces on Postgres, nginx + njs): creating a
 * project makes its owner the only member; the owner shares it through Keycloak's account API and revokes it; a
 * deleted project's name rests until nothing cached can reach a new project of that name.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { mlflowPython } from '../../scripts/mlflow.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import type { GateAnswer } from '../support/projects';
import { callGate } from '../support/projects';
import { resourceServer } from '../support/realm';
import { adminApi, serviceToken, tokenAnswer, userToken } from '../support/tokens';
import { eventually } from '../support/waiting';

const stack = inject('nativeStack');
const person = (role: string) => stack.users.find((user) => user.role === role)!;
// The stack's lifetimes (nginx/template-defaults.env): an allow is reused up to 30 s, a deny up to 5 s.
const ALLOW_LIFETIME_MS = 30_000;
const DENY_LIFETIME_MS = 5_000;
const MARGIN_MS = 10_000;

function call(token: string, method: string, path: string, options: { workspace?: string; body?: unknown } = {}): Promise<GateAnswer> {
  return callGate(stack.gate, token, method, path, options);
}

async function account(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await request(`${stack.keycloak}/realms/${stack.realm}/account${path}`, {
    method: method as 'GET',
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text === '' ? null : JSON.parse(text) };
}

const scenarios = join(projectRoot, 'test', 'e2e', 'client_scenarios.py');
const run = promisify(execFile);

/** One scenario of the real mlflow client in `workspace` (MLFLOW_WORKSPACE), as `role`. */
async function client(role: string, workspace: string, scenario: string, args: object): Promise<Record<string, unknown>> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLFLOW_TRACKING_URI: stack.gate,
    MLFLOW_TRACKING_TOKEN: token(role),
    MLFLOW_WORKSPACE: workspace,
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
  };
  const { stdout } = await run(mlflowPython, [scenarios, scenario, JSON.stringify(args)], { env, maxBuffer: 1 << 20, timeout: 300_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

const tokens: Record<string, string> = {};
const token = (role: string) => tokens[role];
const suffix = randomBytes(3).toString('hex');
const project = `team-${suffix}`;
const listNames = async (role: string) => ((await call(token(role), 'GET', '/api/3.0/mlflow/workspaces')).json.workspaces as { name: string }[]).map((w) => w.name);

beforeAll(async () => {
  for (const role of ['admin', 'editor', 'viewer', 'none']) tokens[role] = await userToken(stack.keycloak, person(role).username, person(role).password);
  tokens.service = await serviceToken(stack.keycloak);
});

describe('a project', () => {
  let experimentId = '';
  let runId = '';

  it('is created by holders of the project-creator role only, with a name MLflow accepts', async () => {
    expect(stack.projects.creators).toEqual(expect.arrayContaining([person('editor').username, person('admin').username]));
    expect((await call(token('viewer'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: `viewer-${suffix}` } })).status).toBe(403);
    expect((await call(token('service'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: `service-${suffix}` } })).status).toBe(403);
    expect((await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: `Team_${suffix}` } })).status).toBe(400);
    const rooted = await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: `rooted-${suffix}`, default_artifact_root: 's3://elsewhere' } });
    expect(rooted.status).toBe(400);
    const created = await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: project, description: 'e2e' } });
    expect(created).toMatchObject({ status: 201, json: { workspace: { name: project } } });
    const again = await call(token('admin'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: project } });
    expect(again).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS' } });
  });

  it("is its owner's: they work in it; others with the same roles see and reach nothing of it; admins see all", async () => {
    const experiment = await call(token('editor'), 'POST', '/api/2.0/mlflow/experiments/create', { workspace: project, body: { name: `exp-${suffix}` } });
    expect(experiment.status).toBe(200);
    experimentId = String(experiment.json.experiment_id);
    const run = await call(token('editor'), 'POST', '/api/2.0/mlflow/runs/create', { workspace: project, body: { experiment_id: experimentId } });
    expect(run.status).toBe(200);
    runId = String((run.json.run as { info: { run_id: string } }).info.run_id);
    expect(await listNames('editor')).toContain(project);
    expect(await listNames('admin')).toContain(project);
    for (const role of ['viewer', 'service']) {
      expect(await listNames(role)).not.toContain(project);
      const read = await call(token(role), 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, { workspace: project });
      expect(read).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    }
    const written = await call(token('service'), 'POST', '/api/2.0/mlflow/runs/create', { workspace: project, body: { experiment_id: experimentId } });
    expect(written.status).toBe(403);
    expect((await call(token('admin'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, { workspace: project })).status).toBe(200);
  });

  it('is not reached from another workspace by its ids', async () => {
    for (const workspace of [undefined, 'default']) {
      const byId = await call(token('service'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, { workspace });
      expect(byId.status).not.toBe(200);
      const experiment = await call(token('service'), 'GET', `/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, { workspace });
      expect(experiment.status).not.toBe(200);
    }
  });

  it("keeps artifact paths of another workspace out of reach, also from default, where MLflow passes paths on as they are", async () => {
    const listing = (path: string, workspace?: string) => call(token('service'), 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`, { workspace });
    for (const path of [`workspaces/${project}`, `./workspaces/${project}`, 'workspaces', `workspaces/default/../${project}`]) {
      expect([path, (await listing(path)).status]).toEqual([path, 400]);
    }
    const both = await call(token('service'), 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=x&path=workspaces/${project}`);
    expect(both.status).toBe(400);
    const file = await call(token('service'), 'GET', `/api/2.0/mlflow-artifacts/artifacts/workspaces/${project}/${experimentId}/${runId}/artifacts/x`);
    expect(file.status).toBe(400);
    expect((await listing('')).status).toBe(200);
  });

  it('is created once when two people ask for the same name at the same moment', async () => {
    const contested = `race-${suffix}`;
    const answers = await Promise.all(['editor', 'admin'].map((role) => call(token(role), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: contested } })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 400]);
    const winner = answers[0].status === 201 ? 'editor' : 'admin';
    const loser = winner === 'editor' ? 'admin' : 'editor';
    expect(await listNames(winner)).toContain(contested);
    if (loser === 'editor') expect(await listNames('editor')).not.toContain(contested);
    expect((await call(token(winner), 'DELETE', `/api/3.0/mlflow/workspaces/${contested}`)).status).toBeLessThan(300);
  });

  it('refuses every other spelling of the workspace header before asking anyone', async () => {
    // nginx itself strips whitespace around a header value (the gate authorizes and forwards what is left) and
    // drops names with underscores (ignore_invalid_headers): such a request is in `default` and never reaches
    // the project; with underscores_in_headers on, the gate sees the name and refuses it.
    const dropped = await request(`${stack.gate}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, {
      headers: { authorization: `Bearer ${token('editor')}`, x_mlflow_workspace: project },
    });
    expect(dropped.statusCode).toBe(404);
    await dropped.body.dump();
    for (const headers of [{ 'x-mlflow-workspace': `${project} x` }, { 'x-mlflow-workspace': project.toUpperCase() }]) {
      const response = await request(`${stack.gate}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, {
        headers: { authorization: `Bearer ${token('editor')}`, ...headers },
      });
      expect([JSON.stringify(headers), response.statusCode]).toEqual([JSON.stringify(headers), 400]);
      await response.body.dump();
    }
    const twice = await request(`${stack.gate}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, {
      headers: ['authorization', `Bearer ${token('editor')}`, 'x-mlflow-workspace', project, 'x-mlflow-workspace', 'default'],
    });
    expect(twice.statusCode).toBe(400);
    await twice.body.dump();
  });

  it('is shared by its owner per scope in the account API, and the share is revoked there', async () => {
    const resources = await account(token('editor'), 'GET', '/resources');
    const resource = (resources.json as { _id: string; name: string }[]).find((entry) => entry.name === `project:${project}`)!;
    expect(resource).toBeDefined();
    const viewer = person('viewer').username;
    expect((await account(token('viewer'), 'PUT', `/resources/${resource._id}/permissions`, [{ username: viewer, scopes: ['project-write'] }])).status).toBe(400);
    expect((await account(token('editor'), 'PUT', `/resources/${resource._id}/permissions`, [{ username: viewer, scopes: ['project-read'] }])).status).toBe(204);
    const readAsViewer = () => call(token('viewer'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, { workspace: project });
    await eventually('the share takes effect', async () => ((await readAsViewer()).status === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 500);
    expect(await listNames('viewer')).toContain(project);
    // Reading, not writing: a viewer's role has no write, and the share has no project-write.
    expect((await call(token('viewer'), 'POST', '/api/2.0/mlflow/runs/create', { workspace: project, body: { experiment_id: experimentId } })).status).toBe(403);
    // A share holder cannot take over: no delete, no change, no re-sharing (only an owner shares).
    expect((await call(token('viewer'), 'DELETE', `/api/3.0/mlflow/workspaces/${project}`)).status).toBe(403);
    expect((await call(token('viewer'), 'PATCH', `/api/3.0/mlflow/workspaces/${project}`, { body: { description: 'mine' } })).status).toBe(403);
    expect((await account(token('viewer'), 'PUT', `/resources/${resource._id}/permissions`, [{ username: person('none').username, scopes: ['project-read'] }])).status).toBe(400);
    expect((await account(token('editor'), 'PUT', `/resources/${resource._id}/permissions`, [{ username: viewer, scopes: [] }])).status).toBe(204);
    await eventually('the revocation takes effect', async () => ((await readAsViewer()).status === 403 ? true : undefined), ALLOW_LIFETIME_MS + MARGIN_MS, 500);
    expect(await listNames('viewer')).not.toContain(project);
  });

  it("stays whole when MLflow refuses to delete it (MLflow deletes empty workspaces only)", async () => {
    const refused = await call(token('editor'), 'DELETE', `/api/3.0/mlflow/workspaces/${project}`);
    expect(refused).toMatchObject({ json: { error_code: 'INVALID_STATE' } });
    expect((await call(token('editor'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`, { workspace: project })).status).toBe(200);
    expect(await listNames('editor')).toContain(project);
  });
});

describe('the mlflow client with MLFLOW_WORKSPACE', () => {
  const shared = `client-${suffix}`;
  const names = { experiment: `exp-${suffix}`, model: `model-${suffix}` };
  let ids: Record<string, string> = {};
  let resourceId = '';

  beforeAll(async () => {
    expect((await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: shared } })).status).toBe(201);
    const created = await client('editor', shared, 'create', names);
    ids = { ...names, experiment_id: String(created.experiment_id), run_id: String(created.run_id), version: String(created.version) };
    const resources = (await account(token('editor'), 'GET', '/resources')).json as { _id: string; name: string }[];
    resourceId = resources.find((entry) => entry.name === `project:${shared}`)!._id;
  }, 300_000);

  it("works for the owner and an admin, and gives others MLflow's PERMISSION_DENIED", async () => {
    expect(await client('editor', shared, 'read', ids)).toMatchObject({ experiment: names.experiment, model: names.model });
    expect(await client('admin', shared, 'read', ids)).toMatchObject({ experiment: names.experiment });
    await expect(client('service', shared, 'read', ids)).rejects.toThrow(/PERMISSION_DENIED/);
    expect(await client('service', shared, 'create_experiment', { experiment: `intruder-${suffix}` })).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
  });

  it('works for a share holder: reading with read, writing once given write', async () => {
    // Another editor: tickets count for people's tokens (Keycloak ignores them for a client's service account).
    const holder = { username: `e2e-editor-${suffix}`, password: `e2e-editor-${suffix}-password` };
    const made = await adminApi(stack.keycloak, 'POST', '/users', {
      username: holder.username,
      enabled: true,
      email: `${holder.username}@example.com`,
      emailVerified: true,
      firstName: 'E2e',
      lastName: 'Editor',
      credentials: [{ type: 'password', value: holder.password, temporary: false }],
      groups: ['/editors'],
    });
    expect(made.status).toBe(201);
    try {
      tokens.holder = await userToken(stack.keycloak, holder.username, holder.password);
      const share = (scopes: string[]) => account(token('editor'), 'PUT', `/resources/${resourceId}/permissions`, [{ username: holder.username, scopes }]);
      await expect(client('holder', shared, 'read', ids)).rejects.toThrow(/PERMISSION_DENIED/);
      expect((await share(['project-read'])).status).toBe(204);
      const readAsHolder = async () => (await call(token('holder'), 'GET', `/api/2.0/mlflow/runs/get?run_id=${ids.run_id}`, { workspace: shared })).status;
      await eventually('the read share takes effect', async () => ((await readAsHolder()) === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 500);
      expect(await client('holder', shared, 'read', ids)).toMatchObject({ experiment: names.experiment });
      expect(await client('holder', shared, 'create_experiment', { experiment: `holder-${suffix}` })).toMatchObject({ ok: false, error_code: 'PERMISSION_DENIED' });
      expect((await share(['project-read', 'project-write'])).status).toBe(204);
      const write = async () => (await client('holder', shared, 'create_experiment', { experiment: `holder-${suffix}` })).ok === true;
      await eventually('the write share takes effect', async () => ((await write()) ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 1_000);
    } finally {
      // Keycloak 26.5 fails (500) to delete a user who still holds tickets: take the share back first.
      await account(token('editor'), 'PUT', `/resources/${resourceId}/permissions`, [{ username: holder.username, scopes: [] }]);
      const found = (await adminApi(stack.keycloak, 'GET', `/users?exact=true&username=${holder.username}`)).json as { id: string }[];
      for (const user of found) await adminApi(stack.keycloak, 'DELETE', `/users/${user.id}`);
    }
  });
});

describe('a deleted project', () => {
  const gone = `gone-${suffix}`;

  it('is deleted by its owner, not by those it is shared with nor by others; its shares go with it', async () => {
    expect((await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: gone } })).status).toBe(201);
    const resource = ((await account(token('editor'), 'GET', '/resources')).json as { _id: string; name: string }[]).find((entry) => entry.name === `project:${gone}`)!;
    const viewer = person('viewer').username;
    expect((await account(token('editor'), 'PUT', `/resources/${resource._id}/permissions`, [{ username: viewer, scopes: ['project-read'] }])).status).toBe(204);
    const listAsViewer = () => call(token('viewer'), 'GET', '/api/2.0/mlflow/experiments/search?max_results=10', { workspace: gone });
    await eventually('the share takes effect', async () => ((await listAsViewer()).status === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 500);
    expect((await call(token('viewer'), 'DELETE', `/api/3.0/mlflow/workspaces/${gone}`)).status).toBe(403);
    expect((await call(token('service'), 'DELETE', `/api/3.0/mlflow/workspaces/${gone}`)).status).toBe(403);
    const deleted = await call(token('editor'), 'DELETE', `/api/3.0/mlflow/workspaces/${gone}`);
    expect(deleted.status).toBeLessThan(300);
    expect(await listNames('admin')).not.toContain(gone);
    // The viewer's allow may still be cached (for the allow lifetime), but the workspace is gone.
    expect((await listAsViewer()).status).not.toBe(200);
  });

  it('keeps its name for its former owner (its files may remain), free again once nothing cached can reach a new project', async () => {
    const create = async (role: string) => call(token(role), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: gone } });
    expect(await create('admin')).toMatchObject({ status: 400, json: { error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.stringContaining('former owner') } });
    expect(await create('editor')).toMatchObject({ status: 400, json: { message: expect.stringContaining('moments ago') } });
    await eventually('the name is free again', async () => ((await create('editor')).status === 201 ? true : undefined), 2 * ALLOW_LIFETIME_MS + 5_000 + MARGIN_MS, 5_000);
    // The new project has no shares: the viewer, who could read the old one, reaches nothing of it.
    expect((await call(token('viewer'), 'GET', '/api/2.0/mlflow/experiments/search?max_results=10', { workspace: gone })).status).toBe(403);
    expect(await listNames('viewer')).not.toContain(gone);
    expect(await listNames('editor')).toContain(gone);
    expect((await call(token('editor'), 'DELETE', `/api/3.0/mlflow/workspaces/${gone}`)).status).toBeLessThan(300);
  });
});

describe('the command line', () => {
  const cli = join(projectRoot, 'cli', 'mlflow-uma-gate.mjs');
  const project = `cli-${suffix}`;

  /** A home directory holding what `mlflow-uma-gate login` writes, for `role` (an offline token of the password grant). */
  async function loggedIn(role: string): Promise<string> {
    const home = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-home-'));
    const answer = await tokenAnswer(stack.keycloak, {
      grant_type: 'password',
      client_id: stack.clients.public,
      username: person(role).username,
      password: person(role).password,
      scope: 'openid offline_access',
    });
    mkdirSync(join(home, '.mlflow'));
    const ini = `[mlflow]\nmlflow_tracking_username = ${person(role).username}\nmlflow_tracking_password = ${answer.refresh_token}\n\n[mlflow-uma-gate]\nurl = ${stack.gate}\nissuer = ${stack.keycloak}/realms/${stack.realm}\nclient_id = ${stack.clients.public}\n`;
    writeFileSync(join(home, '.mlflow', 'credentials'), ini, { mode: 0o600 });
    return home;
  }

  const cliIn = (home: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
    run(process.execPath, [cli, ...args], { env: { ...process.env, HOME: home, ...env }, timeout: 60_000 });

  it('shares, lists and takes back shares with the owner\'s own login', async () => {
    expect((await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: project } })).status).toBe(201);
    const owner = await loggedIn('editor');
    const viewer = person('viewer').username;
    const shared = await cliIn(owner, ['share', project, viewer, 'read']);
    expect(shared.stdout).toContain(`shared with ${viewer}: read`);
    expect((await cliIn(owner, ['shares', project])).stdout).toContain(`${viewer}: read`);
    const readAsViewer = () => call(token('viewer'), 'GET', '/api/2.0/mlflow/experiments/search?max_results=10', { workspace: project });
    await eventually('the share takes effect', async () => ((await readAsViewer()).status === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 500);
    await expect(cliIn(await loggedIn('viewer'), ['share', project, 'demo-nogrant', 'read'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('you own no project') });
    await expect(cliIn(owner, ['share', project, viewer, 'own'])).rejects.toMatchObject({ code: 2 });
    expect((await cliIn(owner, ['unshare', project, viewer])).stdout).toContain(`no longer shared with ${viewer}`);
    await eventually('the revocation takes effect', async () => ((await readAsViewer()).status === 403 ? true : undefined), ALLOW_LIFETIME_MS + MARGIN_MS, 500);
  });

  it('shares with groups through the gate: their members hold the scopes, others nothing; only the owner shares', async () => {
    const grouped = `groups-${suffix}`;
    expect((await call(token('editor'), 'POST', '/api/3.0/mlflow/workspaces', { body: { name: grouped } })).status).toBe(201);
    const owner = await loggedIn('editor');
    expect((await cliIn(owner, ['share', grouped, '/viewers', 'read'])).stdout).toContain(`${grouped} is shared with group /viewers: read`);
    // The service account is a member of /editors, whose role writes; the share adds the project's write.
    expect((await cliIn(owner, ['share', grouped, '/editors', 'write,read'])).stdout).toContain('shared with group /editors: read, write');
    expect((await cliIn(owner, ['shares', grouped])).stdout).toMatch(/^group \/editors: read, write\ngroup \/viewers: read$/m);
    const readAs = async (role: string) => (await call(token(role), 'GET', '/api/2.0/mlflow/experiments/search?max_results=10', { workspace: grouped })).status;
    const writeAsService = async () => (await call(token('service'), 'POST', '/api/2.0/mlflow/experiments/create', { workspace: grouped, body: { name: `by-group-${suffix}` } })).status;
    await eventually('the group share takes effect', async () => ((await readAs('viewer')) === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 500);
    await eventually('the write share takes effect', async () => ((await writeAsService()) === 200 ? true : undefined), DENY_LIFETIME_MS + MARGIN_MS, 1_000);
    expect(await readAs('none')).toBe(403);
    // A member cannot share on, nor see the shares; nobody shares with a group the realm lacks.
    await expect(cliIn(await loggedIn('viewer'), ['share', grouped, '/viewers', 'write'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`Only the owner of project ${grouped}`) });
    const asViewer = await call(token('viewer'), 'GET', `/_mlflow_gate/group-shares/${grouped}`);
    expect(asViewer).toMatchObject({ status: 403, json: { error_code: 'PERMISSION_DENIED' } });
    await expect(cliIn(owner, ['share', grouped, '/nope', 'read'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('The realm has no group /nope') });
    expect((await cliIn(owner, ['shares', grouped])).stdout).not.toContain('/nope');
    const anonymous = await request(`${stack.gate}/_mlflow_gate/group-shares/${grouped}`);
    expect(anonymous.statusCode).toBe(401);
    await anonymous.body.dump();
    expect((await call(token('editor'), 'POST', `/_mlflow_gate/group-shares/${grouped}`, { body: { group: '/viewers', scopes: [] } })).status).toBe(405);
    expect((await call(token('editor'), 'PUT', `/_mlflow_gate/group-shares/${grouped}`, { body: { group: '/viewers', scopes: ['own'] } })).status).toBe(400);
    expect((await call(token('editor'), 'GET', '/_mlflow_gate/group-shares/default')).status).toBe(400);
    expect((await call(token('editor'), 'GET', `/_mlflow_gate/group-shares/missing-${suffix}`)).json).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
    expect((await cliIn(owner, ['unshare', grouped, '/editors', 'write'])).stdout).toContain('shared with group /editors: read');
    expect((await cliIn(owner, ['unshare', grouped, '/viewers'])).stdout).toContain(`${grouped} is no longer shared with group /viewers`);
    await eventually('the revocation takes effect', async () => ((await readAs('viewer')) === 403 ? true : undefined), ALLOW_LIFETIME_MS + MARGIN_MS, 500);
  });

  it('reconciles: a workspace without a resource gets one, owned by the admin who runs it; again, nothing changes', async () => {
    const orphan = `orphan-${suffix}`;
    // Made in MLflow itself, as before the gate managed projects.
    const made = await request(`${stack.mlflow}/api/3.0/mlflow/workspaces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: orphan }),
    });
    expect(made.statusCode).toBe(201);
    await made.body.dump();
    // Admins see every workspace, but nobody works in one without a resource.
    expect(await listNames('admin')).toContain(orphan);
    const inOrphan = () => call(token('admin'), 'GET', '/api/2.0/mlflow/experiments/search?max_results=10', { workspace: orphan });
    expect((await inOrphan()).status).toBe(403);
    const admin = await loggedIn('admin');
    const secret = { MLFLOW_UMA_GATE_RESOURCE_SERVER_SECRET: resourceServer.secret ?? '' };
    await expect(cliIn(admin, ['reconcile'])).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('MLFLOW_UMA_GATE_RESOURCE_SERVER_SECRET') });
    expect((await cliIn(admin, ['reconcile'], secret)).stdout).toContain(`registered ${orphan}, owned by ${person('admin').username}`);
    expect((await cliIn(admin, ['reconcile'], secret)).stdout).not.toContain('registered');
    // Registered past the gate, the project is found once the gate's cached lookup (and deny) of it ends.
    await eventually('the admin works in it', async () => ((await inOrphan()).status === 200 ? true : undefined), ALLOW_LIFETIME_MS + DENY_LIFETIME_MS + MARGIN_MS, 1_000);
    expect(await listNames('editor')).not.toContain(orphan);
    expect((await call(token('admin'), 'DELETE', `/api/3.0/mlflow/workspaces/${orphan}`)).status).toBeLessThan(300);
  });
});
