/**
 * The MLflow UI in a real browser (Debian's Chromium, headless, driven by playwright-core) through the gate's
 * Keycloak login, against the native stack. Screenshots of every step go to test-artifacts/browser/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumPath } from '../../scripts/deps.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';

const stack = inject('nativeStack');
const shots = join(projectRoot, 'test-artifacts', 'browser');
const experiment = `browser-${Date.now().toString(36)}`;
let browser: Browser;
let experimentId: string;

function person(role: 'viewer' | 'admin') {
  return stack.users.find((user) => user.role === role)!;
}

async function tokenOf(role: 'viewer' | 'admin'): Promise<string> {
  const user = person(role);
  const response = await request(`${stack.keycloak}/realms/${stack.realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: stack.clients.public, username: user.username, password: user.password }).toString(),
  });
  return ((await response.body.json()) as { access_token: string }).access_token;
}

async function experimentExists(): Promise<boolean> {
  const response = await request(`${stack.gate}/api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, {
    headers: { authorization: `Bearer ${await tokenOf('admin')}` },
  });
  const body = (await response.body.json()) as { experiment?: { lifecycle_stage: string } };
  return response.statusCode === 200 && body.experiment?.lifecycle_stage === 'active';
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `${name}.png`) });
}

/** Opens MLflow, lands on Keycloak's login page, signs in and comes back to MLflow. */
async function signIn(context: BrowserContext, role: 'viewer' | 'admin', step: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${stack.gate}/#/experiments`);
  await page.waitForSelector('#username', { timeout: 30_000 });
  expect(page.url().startsWith(`${stack.keycloak}/realms/${stack.realm}/protocol/openid-connect/auth`)).toBe(true);
  await shot(page, `${step}-1-keycloak-login`);
  await page.fill('#username', person(role).username);
  await page.fill('#password', person(role).password);
  await page.click('#kc-login');
  await page.waitForURL((url) => url.toString().startsWith(stack.gate), { timeout: 30_000 });
  // The browser never sends the #fragment, so login returns to MLflow's front page; go on to the list. With
  // workspaces on (projects), the UI keeps the workspace in the route's query: the experiments of `default`.
  await page.goto(`${stack.gate}/#/experiments?workspace=default`);
  await page.getByText(experiment, { exact: true }).waitFor({ timeout: 30_000 });
  await shot(page, `${step}-2-experiments`);
  return page;
}

/**
 * Waits until the toast with `message` is fully in view. MLflow fades the confirmation dialog out and slides
 * the toast in; Playwright already calls a toast visible while it is transparent or off-screen, and a
 * screenshot taken then shows a grey mask and no message.
 */
async function toastInView(page: Page, message: string) {
  const toast = page.getByText(message);
  await toast.waitFor({ timeout: 30_000 });
  await page.getByRole('dialog').waitFor({ state: 'hidden', timeout: 30_000 });
  await page.waitForFunction(
    // Runs in the page; reached through the element because the tests compile without the DOM library.
    (element) => {
      const view = element.ownerDocument.defaultView;
      let opacity = 1;
      for (let node = element; node !== null; node = node.parentElement) opacity *= Number(view.getComputedStyle(node).opacity);
      const box = element.getBoundingClientRect();
      const inView = box.left >= 0 && box.top >= 0 && box.right <= view.innerWidth && box.bottom <= view.innerHeight;
      const animations: { playState: string; effect: { getTiming(): { iterations: number } } | null }[] = element.ownerDocument.getAnimations();
      const settled = animations.every((animation) => animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity);
      return opacity === 1 && inView && settled;
    },
    await toast.elementHandle(),
    { timeout: 30_000 },
  );
}

/** Selects the test's experiment in the list and confirms Delete, as a person would. */
async function deleteInUi(page: Page) {
  await page.locator('tr, [role=row]').filter({ hasText: experiment }).first().locator('input[type=checkbox], [role=checkbox]').first().click();
  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Delete', exact: true }).click();
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  const created = await request(`${stack.gate}/api/2.0/mlflow/experiments/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenOf('admin')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: experiment }),
  });
  experimentId = ((await created.body.json()) as { experiment_id: string }).experiment_id;
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('the MLflow UI through the gate', () => {
  it('a viewer logs in, sees the experiments, is refused a delete with MLflow\'s own message, and logs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await signIn(context, 'viewer', 'viewer');
    const cookies = await context.cookies(stack.gate);
    const session = cookies.find((cookie) => cookie.name === 'mlflow_gate_session')!;
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });
    expect(session.value.length).toBeLessThan(4000);

    await deleteInUi(page);
    await toastInView(page, 'PERMISSION_DENIED: Permission denied: this request needs experiments#delete');
    await shot(page, 'viewer-3-delete-refused');
    expect(await experimentExists()).toBe(true);

    await page.goto(`${stack.gate}/_mlflow_gate/logout`);
    await page.waitForSelector('#username', { timeout: 30_000 });
    await shot(page, 'viewer-4-logged-out');
    await page.goto(`${stack.gate}/#/experiments`);
    await page.waitForSelector('#username', { timeout: 30_000 });
    expect((await context.cookies(stack.gate)).some((cookie) => cookie.name === 'mlflow_gate_session')).toBe(false);
    await context.close();
  }, 180_000);

  it('refuses a cross-site write carrying the session cookie (CSRF), and API clients still get 401 JSON', async () => {
    const context = await browser.newContext();
    const page = await signIn(context, 'viewer', 'csrf');
    const create = (origin: string) =>
      context.request.post(`${stack.gate}/ajax-api/2.0/mlflow/experiments/create`, {
        headers: { origin, 'content-type': 'application/json' },
        data: { name: `csrf-${Date.now()}` },
      });
    const crossSite = await create('https://evil.example');
    expect(crossSite.status()).toBe(403);
    expect(await crossSite.json()).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringContaining('Cross-site request refused') });
    // From the gate's own pages the viewer's write reaches Keycloak's decision (and is denied there: a viewer).
    const sameSite = await create(stack.gate);
    expect(await sameSite.json()).toMatchObject({ message: expect.stringContaining('experiments#write') });
    await page.close();

    const api = await request(`${stack.gate}/api/2.0/mlflow/experiments/search?max_results=1`, { headers: { accept: 'application/json' } });
    expect(api.statusCode).toBe(401);
    expect(await api.body.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    await context.close();
  }, 180_000);
  it('an admin logs in and the delete works', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await signIn(context, 'admin', 'admin');
    await deleteInUi(page);
    await page.getByText(experiment, { exact: true }).waitFor({ state: 'detached', timeout: 30_000 });
    await shot(page, 'admin-3-deleted');
    expect(await experimentExists()).toBe(false);
    await context.close();
  }, 180_000);
});
