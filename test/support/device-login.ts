/**
 * `mlflow-uma-gate login`, and the person's part of its device-authorization login the way a person does it in
 * a browser: open the verification address, sign in on Keycloak's own login form, follow Keycloak's redirects.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { projectRoot } from '../../scripts/nginx.mjs';

const cli = join(projectRoot, 'cli', 'mlflow-uma-gate.mjs');

const MAX_REDIRECTS = 10;

/** The person's part; cookies are kept per call. */
export async function approveDeviceLogin(verificationUri: string, username: string, password: string): Promise<string> {
  const cookies = new Map<string, string>();
  async function send(url: string, form?: Record<string, string>) {
    const response = await request(url, {
      method: form ? 'POST' : 'GET',
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const setCookie = response.headers['set-cookie'];
    for (const cookie of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    const body = await response.body.text();
    const location = response.headers.location;
    return { status: response.statusCode, location: typeof location === 'string' ? new URL(location, url).toString() : undefined, body };
  }
  async function follow(first: Awaited<ReturnType<typeof send>>) {
    let page = first;
    for (let hops = 0; page.location && hops < MAX_REDIRECTS; hops++) page = await send(page.location);
    return page;
  }
  const loginPage = await follow(await send(verificationUri));
  const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(loginPage.body);
  if (!action) throw new Error(`no Keycloak login form at ${verificationUri} (status ${loginPage.status})`);
  let done = await follow(await send(action[1].replace(/&amp;/g, '&'), { username, password }));
  // Keycloak asks the person to grant the device access (offline access among it); they answer Yes.
  const consent = /<form[^>]*action="([^"]*login-actions\/consent[^"]*)"/.exec(done.body);
  const code = /name="code" value="([^"]+)"/.exec(done.body);
  if (consent && code) {
    done = await follow(await send(new URL(consent[1].replace(/&amp;/g, '&'), verificationUri).toString(), { code: code[1], accept: 'Yes' }));
  }
  if (done.status !== 200 || /kc-form-login/.test(done.body)) throw new Error(`device login not approved (status ${done.status})`);
  return done.body;
}

/** `mlflow-uma-gate login --url <gate>` in a fresh home directory, approved by `person` on Keycloak's login page. */
export async function cliLogin(gate: string, person: { username: string; password: string }): Promise<{ home: string; output: string }> {
  const home = mkdtempSync(join(tmpdir(), 'mlflow-uma-gate-home-'));
  const child = spawn(process.execPath, [cli, 'login', '--url', gate], { env: { ...process.env, HOME: home } });
  let output = '';
  let approval: Promise<string> | undefined;
  child.stderr.on('data', (chunk) => (output += chunk));
  child.stdout.on('data', (chunk) => {
    output += chunk;
    const address = /(https?:\/\/\S+\/device\?user_code=\S+)/.exec(output);
    if (address && !approval) approval = approveDeviceLogin(address[1], person.username, person.password);
  });
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill(), 60_000);
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  if (approval) await approval;
  if (code !== 0) throw new Error(`login exited ${code}:\n${output}`);
  return { home, output };
}
