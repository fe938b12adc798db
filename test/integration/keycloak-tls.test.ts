/**
 * Keycloak over HTTPS. A Keycloak of this file's own serves a certificate from a CA made here, and a gate that
 * trusts only that CA (the default scheme, https) verifies it on every call: decisions, token exchanges and the
 * browser login. TLS fronts in front of the same Keycloak present the certificates the gate must refuse, each to
 * a gate of its own: the caller gets 503 and nginx's error log names the cause. A front with the good
 * certificate shows that the fronts themselves pass Keycloak's answers on.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startKeycloak } from '../../scripts/keycloak.mjs';
import { startNginx } from '../../scripts/nginx.mjs';
import { LOGIN_COOKIE, SESSION_COOKIE } from '../../src/core/browser-session';
import { decisionRequestBody } from '../../src/core/decision';
import type { Issued } from '../support/certificates';
import { createAuthority } from '../support/certificates';
import { TEST_ID_HEADER } from '../support/echo-upstream';
import { seenUpstream } from '../support/gate-client';
import { demoUsers, realm, realmFile, resourceServer, serviceClient } from '../support/realm';
import { userToken } from '../support/tokens';

const stack = inject('stack');
const READ = '/api/2.0/mlflow/experiments/get?experiment_id=0';
const DELETE = '/api/2.0/mlflow/experiments/delete';
const viewer = demoUsers.find((user) => user.role === 'viewer')!;
const DAY_MS = 24 * 60 * 60 * 1000;
const stops: (() => Promise<unknown>)[] = [];

const authority = createAuthority('mlflow-uma-gate test CA');
const certificates = {
  good: authority.sign({ hostNames: ['localhost'] }),
  otherAuthority: createAuthority('another CA').sign({ hostNames: ['localhost'] }),
  expired: authority.sign({ hostNames: ['localhost'], notBefore: new Date(Date.now() - 3 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) }),
  wrongHost: authority.sign({ hostNames: ['sso.example.org'] }),
};
// The test's own HTTPS calls (Keycloak's login page) trust the same CA, and reach Keycloak's address by its name.
const trustingAuthority = new Agent({ connect: { ca: authority.cert, servername: 'localhost' } });

let dir: string;
let keycloak: Awaited<ReturnType<typeof startKeycloak>>;
let issuer: string;
let gate: Awaited<ReturnType<typeof startNginx>>;
let viewerToken: string;

function writePem(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A gate in front of Keycloak at `keycloakPort` (HTTPS), trusting only the test CA. */
async function gateTo(name: string, keycloakPort: number, settings: Record<string, string> = {}) {
  const nginx = await startNginx({
    runtimeDir: join(dir, name),
    settings: {
      MLFLOW_GATE_ISSUER: issuer,
      MLFLOW_GATE_KEYCLOAK_UPSTREAM: `127.0.0.1:${keycloakPort}`,
      MLFLOW_GATE_KEYCLOAK_CA_FILE: join(dir, 'ca.pem'),
      MLFLOW_GATE_MLFLOW_UPSTREAM: `127.0.0.1:${new URL(stack.echo).port}`,
      // Every request asks Keycloak, so every one of them goes through TLS.
      MLFLOW_GATE_DECISION_CACHE: 'off',
      ...settings,
    },
  });
  stops.push(nginx.stop);
  return nginx;
}

/** Presents `certificate` to whoever connects and passes what it decrypts on to Keycloak's plain HTTP port. */
async function tlsFront(certificate: Issued): Promise<number> {
  const server = tls.createServer({ cert: certificate.cert, key: certificate.key }, (socket) => {
    const backend = net.connect(keycloak.port, '127.0.0.1');
    socket.pipe(backend).pipe(socket);
    socket.on('error', () => backend.destroy());
    backend.on('error', () => socket.destroy());
  });
  // The handshakes the gate aborts.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as net.AddressInfo).port;
}

async function send(gateUrl: string, method: 'GET' | 'POST', path: string, headers: Record<string, string>) {
  const response = await request(`${gateUrl}${path}`, {
    method,
    headers: { ...headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    body: method === 'POST' ? '{}' : undefined,
    headersTimeout: 15_000,
  });
  return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
}

/** `name=value` of every cookie `headers` set. */
function cookiesSet(headers: Record<string, string | string[] | undefined>): string[] {
  const setCookie = headers['set-cookie'];
  return (Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []).map((line) => line.split(';')[0]);
}

/** Keycloak's address as the test reaches it: the issuer names localhost, Keycloak listens on 127.0.0.1. */
function viaLoopback(url: string): string {
  return url.replace(`//localhost:${keycloak.httpsPort}/`, `//127.0.0.1:${keycloak.httpsPort}/`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(stack.runtimeDir, 'tls-'));
  writePem('ca.pem', authority.cert);
  keycloak = await startKeycloak({
    dataDir: join(dir, 'keycloak'),
    realmFile,
    logFile: join(dir, 'keycloak.log'),
    https: { certificateFile: writePem('keycloak.pem', certificates.good.cert), keyFile: writePem('keycloak-key.pem', certificates.good.key) },
  });
  stops.push(keycloak.stop);
  issuer = `${keycloak.frontendUrl}/realms/${realm.realm}`;
  gate = await gateTo('gate', keycloak.httpsPort!, { MLFLOW_GATE_SESSION_KEY: randomBytes(32).toString('base64'), MLFLOW_GATE_COOKIE_SECURE: 'off' });
  viewerToken = await userToken(keycloak.url, viewer.username, viewer.password);
  // A Keycloak just started can take longer than the gate waits (3 s) for its first decisions on a busy
  // machine; these tests are about TLS, so Keycloak answers one decision before them.
  const warmUp = await request(`${keycloak.url}/realms/${realm.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${viewerToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: decisionRequestBody(resourceServer.clientId, 'experiments#read'),
  });
  expect(warmUp.statusCode).toBe(200);
  await warmUp.body.dump();
}, 300_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await trustingAuthority.close();
});

describe('a gate in front of Keycloak serving HTTPS with a certificate it trusts', () => {
  it('has its decisions made over TLS: allow and deny', async () => {
    expect(JSON.parse(Buffer.from(viewerToken.split('.')[1], 'base64url').toString()).iss).toBe(issuer);
    const read = await send(gate.url, 'GET', READ, { authorization: `Bearer ${viewerToken}` });
    expect(read.status, gate.errorLogTail(10)).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ upstream: 'echo', headers: { 'x-mlflow-gate-user': viewer.username } });
    expect((await send(gate.url, 'POST', DELETE, { authorization: `Bearer ${viewerToken}` })).status).toBe(403);
    const health = await send(gate.url, 'GET', '/_mlflow_gate/health', {});
    expect([health.status, JSON.parse(health.body).keycloak]).toEqual([200, 'reachable']);
  });

  it("exchanges a service account's Basic credentials over TLS", async () => {
    const basic = Buffer.from(`${serviceClient.clientId}:${serviceClient.secret}`).toString('base64');
    const read = await send(gate.url, 'GET', READ, { authorization: `Basic ${basic}` });
    expect(read.status, gate.errorLogTail(10)).toBe(200);
    expect(JSON.parse(read.body).headers['x-mlflow-gate-user']).toBe(`service-account-${serviceClient.clientId}`);
  });

  it('signs a browser in through Keycloak’s HTTPS login page, and its session works', async () => {
    const page = await send(gate.url, 'GET', '/', { accept: 'text/html' });
    expect(page.status).toBe(302);
    const loginCookie = cookiesSet(page.headers).find((cookie) => cookie.startsWith(`${LOGIN_COOKIE}=`))!;
    const loginPageUrl = String(page.headers.location);
    expect(loginPageUrl.startsWith(`${issuer}/protocol/openid-connect/auth?`)).toBe(true);

    const loginPage = await request(viaLoopback(loginPageUrl), { dispatcher: trustingAuthority });
    const keycloakCookies = cookiesSet(loginPage.headers).join('; ');
    const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(await loginPage.body.text())![1].replaceAll('&amp;', '&');
    const signedIn = await request(viaLoopback(action), {
      dispatcher: trustingAuthority,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: keycloakCookies },
      body: new URLSearchParams({ username: viewer.username, password: viewer.password, credentialId: '' }).toString(),
    });
    await signedIn.body.dump();
    expect(signedIn.statusCode).toBe(302);
    const callback = new URL(String(signedIn.headers.location));
    expect(callback.origin + callback.pathname).toBe(`${gate.url}/_mlflow_gate/callback`);

    const back = await send(gate.url, 'GET', callback.pathname + callback.search, { cookie: loginCookie });
    expect(back.status).toBe(302);
    const session = cookiesSet(back.headers).find((cookie) => cookie.startsWith(`${SESSION_COOKIE}=`))!;
    const read = await send(gate.url, 'GET', READ, { cookie: session });
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body).headers['x-mlflow-gate-user']).toBe(viewer.username);
  });
});

describe('a Keycloak certificate the gate must not trust', () => {
  it.each([
    ['from another CA', certificates.otherAuthority, /\[error\].*upstream SSL certificate verify error: \(21:unable to verify the first certificate\)/],
    ['expired', certificates.expired, /\[error\].*upstream SSL certificate verify error: \(10:certificate has expired\)/],
    ['for another host name', certificates.wrongHost, /\[error\].*upstream SSL certificate does not match "localhost"/],
  ])('%s: 503 in MLflow JSON, never MLflow, and the cause in the error log', async (name, certificate, logged) => {
    const front = await tlsFront(certificate);
    const refusing = await gateTo(`gate-${name.replaceAll(' ', '-')}`, front);
    const testId = randomBytes(8).toString('hex');
    const read = await send(refusing.url, 'GET', READ, { authorization: `Bearer ${viewerToken}`, [TEST_ID_HEADER]: testId });
    expect(read.status).toBe(503);
    expect(read.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(read.body)).toMatchObject({ error_code: 'TEMPORARILY_UNAVAILABLE' });
    expect(await seenUpstream(testId)).toBeNull();
    expect((await send(refusing.url, 'GET', '/_mlflow_gate/health', {})).status).toBe(503);
    expect(readFileSync(refusing.errorLog, 'utf8')).toMatch(logged);
  });

  it('(the same front with the good certificate passes Keycloak’s answers on)', async () => {
    const front = await tlsFront(certificates.good);
    const passing = await gateTo('gate-front-good', front);
    expect((await send(passing.url, 'GET', READ, { authorization: `Bearer ${viewerToken}` })).status).toBe(200);
  });
});
