/**
 * MLflow's own DNS-rebinding (Host allow-list) and CORS checks keep working behind the gate: the gate passes
 * the client's Host and Origin on, and MLflow (started by e2e-setup with a public host name and one allowed
 * origin) decides. Real nginx + njs, Keycloak and MLflow.
 */
import { request } from 'undici';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { userToken } from '../support/tokens';

const stack = inject('nativeStack');
const tokens: Record<string, string> = {};

beforeAll(async () => {
  for (const role of ['viewer', 'editor'] as const) {
    const user = stack.users.find((candidate) => candidate.role === role)!;
    tokens[role] = await userToken(stack.keycloak, user.username, user.password);
  }
});

async function send(method: 'GET' | 'POST', path: string, role: string, headers: Record<string, string>, body?: object) {
  const response = await request(`${stack.gate}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[role]}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.statusCode, text: await response.body.text() };
}

describe('MLflow behind the gate under a public host name', () => {
  const search = '/api/2.0/mlflow/experiments/search?max_results=1';

  it('serves requests addressed to its public name', async () => {
    expect((await send('GET', search, 'viewer', { host: 'mlflow.example.test' })).status).toBe(200);
  });

  it('still rejects a Host it does not know (DNS rebinding), after the gate allowed the request', async () => {
    const response = await send('GET', search, 'viewer', { host: 'attacker.example' });
    expect(response.status).toBe(403);
    expect(response.text).toContain('Invalid Host header');
  });

  it('still blocks a cross-origin write from an origin it does not allow', async () => {
    const response = await send('POST', '/api/2.0/mlflow/experiments/create', 'editor', { origin: 'https://evil.example' }, { name: `cors-${Date.now()}` });
    expect(response.status).toBe(403);
    expect(response.text).toContain('Cross-origin request blocked');
  });

  it('accepts a write from the allowed origin', async () => {
    const response = await send('POST', '/api/2.0/mlflow/experiments/create', 'editor', { origin: 'https://ui.example.test' }, { name: `cors-ok-${Date.now()}` });
    expect(response.status).toBe(200);
  });
});
