/**
 * The browser session over plain HTTP, with a gate of its own (browser login on, real Keycloak, the echo
 * upstream): a page load is sent to Keycloak's login form, the callback turns the code into the sealed session
 * cookie, the UI's same-origin calls are served with it as the verified user, a forged cookie is worth nothing
 * and logout clears the cookie. It covers what the njs shell does for browsers (sealing, cookies, the code exchange) on every
 * njs of the matrix; test/e2e drives the same in Chromium on the host's njs.
 */
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { demoUsers } from '../support/realm';
import { startTestGate } from '../support/test-gate';

const stack = inject('stack');
const viewer = demoUsers.find((user) => user.role === 'viewer')!;
const SEARCH = '/ajax-api/2.0/mlflow/experiments/search';
let gate: Awaited<ReturnType<typeof startTestGate>>;

beforeAll(async () => {
  gate = await startTestGate(stack, 'browser-session', {
    MLFLOW_GATE_SESSION_KEY: randomBytes(32).toString('base64'),
  });
}, 120_000);

afterAll(async () => {
  await gate?.stop();
});

/** The `name=value` pairs a response sets, by name. */
function setCookies(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const lines = ([] as string[]).concat(headers['set-cookie'] ?? []);
  return Object.fromEntries(lines.map((line) => line.split(';')[0]).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await request(url, { headers, headersTimeout: 20_000 });
  return { status: response.statusCode, headers: response.headers as Record<string, string | string[] | undefined>, body: await response.body.text() };
}

/** Signs in as `person` the way a browser does and returns the gate's cookies afterwards. */
async function signIn(person: { username: string; password: string }): Promise<Record<string, string>> {
  const page = await get(`${gate.url}/#/experiments`, { accept: 'text/html' });
  expect(page.status).toBe(302);
  const loginUrl = String(page.headers.location);
  expect(loginUrl.startsWith(`${stack.issuer}/protocol/openid-connect/auth?`)).toBe(true);
  const gateCookies = setCookies(page.headers);

  const form = await get(loginUrl);
  expect(form.status).toBe(200);
  const keycloakCookies = setCookies(form.headers);
  const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(form.body)?.[1].replace(/&amp;/g, '&');
  expect(action).toBeDefined();
  const submitted = await request(action!, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(keycloakCookies) },
    body: new URLSearchParams({ username: person.username, password: person.password, credentialId: '' }).toString(),
    headersTimeout: 20_000,
  });
  await submitted.body.dump();
  expect(submitted.statusCode).toBe(302);
  const callback = String(submitted.headers.location);
  expect(callback.startsWith(`${gate.url}/_mlflow_gate/callback?`)).toBe(true);

  const landed = await get(callback, { cookie: cookieHeader(gateCookies) });
  expect(landed.status, landed.body).toBe(302);
  return { ...gateCookies, ...setCookies(landed.headers) };
}

async function uiCall(cookies: Record<string, string>) {
  const response = await request(`${gate.url}${SEARCH}`, {
    method: 'POST',
    headers: { cookie: cookieHeader(cookies), origin: gate.url, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ max_results: 5 }),
    headersTimeout: 20_000,
  });
  return { status: response.statusCode, body: await response.body.text() };
}

describe('browser session', () => {
  it("serves the UI's calls with the sealed session cookie as the verified user; a forged one gets 401; logout clears it", async () => {
    const cookies = await signIn(viewer);
    expect(cookies.mlflow_gate_session).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(cookies.mlflow_gate_login).toBe('');

    const served = await uiCall(cookies);
    expect(served.status, served.body).toBe(200);
    expect(JSON.parse(served.body).headers['x-mlflow-gate-user']).toBe(encodeURIComponent(viewer.username));

    const forged = await uiCall({ mlflow_gate_session: `${cookies.mlflow_gate_session.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(401);

    const out = await get(`${gate.url}/_mlflow_gate/logout`, { cookie: cookieHeader(cookies) });
    expect(out.status).toBe(302);
    expect(setCookies(out.headers).mlflow_gate_session).toBe('');
  });
});
