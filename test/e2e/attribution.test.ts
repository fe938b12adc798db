/**
 * Trusted attribution with the real mlflow client against the native stack: whatever user name the client's
 * environment claims, MLflow records the user the gate verified.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { request } from 'undici';
import { describe, expect, inject, it } from 'vitest';
import { mlflowPython } from '../../scripts/mlflow.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';

const run = promisify(execFile);
const stack = inject('nativeStack');
const editor = stack.users.find((user) => user.role === 'editor')!;

async function editorToken(): Promise<string> {
  const response = await request(`${stack.keycloak}/realms/${stack.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: stack.clients.public, username: editor.username, password: editor.password }).toString(),
  });
  return ((await response.body.json()) as { access_token: string }).access_token;
}

describe('trusted attribution', () => {
  it('records the verified user on runs and experiments, and refuses renaming the user', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MLFLOW_TRACKING_URI: stack.gate,
      MLFLOW_TRACKING_TOKEN: await editorToken(),
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
      // What mlflow.start_run() reports as the user when nobody corrects it.
      LOGNAME: 'mallory',
      USER: 'mallory',
    };
    const scenario = join(projectRoot, 'test', 'e2e', 'client_scenarios.py');
    const { stdout } = await run(mlflowPython, [scenario, 'attributed_run', JSON.stringify({ experiment: `attributed-${Date.now()}` })], { env, timeout: 120_000 });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(seen).toMatchObject({
      user_id: editor.username,
      run_user_tag: editor.username,
      experiment_user_tag: editor.username,
      rename: { ok: false, error_code: 'PERMISSION_DENIED' },
      same_name: { ok: true },
    });
    expect(seen.rename.message).toContain('mlflow.user');
  }, 180_000);
});
