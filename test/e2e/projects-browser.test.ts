/**
 * Projects in the MLflow UI, in a real browser (Debian's Chromium, headless, driven by playwright-core) against
 * the native stack: the owner creates a project in the UI and works in it through the workspace switcher; a
 * viewer sees nothing of it until the owner shares it in Keycloak's Account Console, then reads it but cannot
 * write, and loses it again once the owner takes the share back there. Screenshots of every step go to
 * test-artifacts/browser/.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Response } from 'playwright-core';
import { chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumPath } from '../../scripts/deps.mjs';
import { projectRoot } from '../../scripts/nginx.mjs';
import { signInThroughKeycloak } from '../support/browser-login';
import { callGate } from '../support/projects';
import { userToken } from '../support/tokens';
import { eventually } from '../support/waiting';

const stack = inject('nativeStack');
type Role = 'admin' | 'editor' | 'viewer';
const person = (role: Role) => stack.users.find((user) => user.role === role)!;
// The stack's lifetimes (nginx/template-defaults.env): an allow is reused up to 30 s, a deny up to 5 s.
const ALLOW_LIFETIME_MS = 30_000;
const DENY_LIFETIME_MS = 5_000;
// Each probe reloads the MLflow UI, which takes seconds on a loaded machine.
const MARGIN_MS = 20_000;
const PROBE_EVERY_MS = 2_000;
const UI_TIMEOUT_MS = 30_000;

const shots = join(projectRoot, 'test-artifacts', 'browser');
const suffix = randomBytes(3).toString('hex');
const project = `ui-${suffix}`;
const resource = `project:${project}`;
// Someone else's project, which the owner's switcher must not offer.
const adminsProject = `admins-${suffix}`;
const experiment = `exp-${suffix}`;

let browser: Browser;
let owner: BrowserContext;
let ownerPage: Page;
let viewer: BrowserContext;
let viewerPage: Page;
let accountConsole: BrowserContext;
let consolePage: Page;
let experimentId = '';

async function api(role: Role, method: string, path: string, options: { workspace?: string; body?: unknown } = {}) {
  return callGate(stack.gate, await userToken(stack.keycloak, person(role).username, person(role).password), method, path, options);
}

/** The projects `role` owns, from Keycloak's account API: the resources of theirs that name a project. */
async function ownedProjects(role: Role): Promise<string[]> {
  const token = await userToken(stack.keycloak, person(role).username, person(role).password);
  const response = await request(`${stack.keycloak}/realms/${stack.realm}/account/resources`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  const resources = (await response.body.json()) as { name: string }[];
  return resources.filter((entry) => entry.name.startsWith('project:')).map((entry) => entry.name.slice('project:'.length));
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(shots, `projects-${name}.png`) });
}

/** Matches the UI's own calls of `method` to `path`. */
const uiCall = (method: string, path: string) => (response: Response) =>
  response.request().method() === method && new URL(response.url()).pathname === path;
const WORKSPACES = '/ajax-api/3.0/mlflow/workspaces';
const EXPERIMENT_SEARCH = '/ajax-api/2.0/mlflow/experiments/search';
const RUN_SEARCH = '/ajax-api/2.0/mlflow/runs/search';
const EXPERIMENT_CREATE = '/ajax-api/2.0/mlflow/experiments/create';
// In `default`, the switcher offers what the gate lists; elsewhere it adds the active workspace, listed or not.
const HOME_IN_DEFAULT = '/?workspace=default';

const switcher = (page: Page) => page.getByRole('combobox', { name: /^Workspace/ });

/**
 * Opens the UI's workspace switcher and returns the names it offers, once it shows the list it fetches from the
 * gate on opening (the gate's answer, so a list the UI cached before cannot pass for it).
 */
async function switcherOffers(page: Page): Promise<string[]> {
  const [listed] = await Promise.all([page.waitForResponse(uiCall('GET', WORKSPACES)), switcher(page).click()]);
  expect(listed.status()).toBe(200);
  const names = ((await listed.json()) as { workspaces: { name: string }[] }).workspaces.map((workspace) => workspace.name);
  await expect.poll(() => page.getByRole('option').allInnerTexts(), { timeout: UI_TIMEOUT_MS }).toEqual(names);
  await page.keyboard.press('Escape');
  return names;
}

/** Picks `workspace` in the switcher; the UI then keeps it in the hash route's `?workspace=` query. */
async function selectWorkspace(page: Page, workspace: string) {
  await switcher(page).click();
  await page.getByRole('option', { name: workspace, exact: true }).click();
  await page.waitForURL((url) => new URLSearchParams(url.hash.split('?')[1]).get('workspace') === workspace);
}

/** Opens the experiments list from the sidebar; returns the UI's own search call, for its header and status. */
async function openExperimentsList(page: Page): Promise<Response> {
  const [search] = await Promise.all([
    page.waitForResponse(uiCall('GET', EXPERIMENT_SEARCH)),
    page.getByRole('link', { name: 'Experiments', exact: true }).click(),
  ]);
  return search;
}

/** A call the way the UI makes it: same origin, the session cookie (no Authorization header), the workspace header. */
async function callFromPage(page: Page, method: string, path: string, workspace: string, body?: Record<string, string>) {
  return page.evaluate(
    async (call) => {
      const response = await fetch(call.path, {
        method: call.method,
        headers: {
          accept: 'application/json',
          'x-mlflow-workspace': call.workspace,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
      });
      const answer = (await response.json()) as { error_code?: string };
      return { status: response.status, error_code: answer.error_code };
    },
    { method, path, workspace, body },
  );
}

const readExperimentFromPage = (page: Page) => callFromPage(page, 'GET', `/ajax-api/2.0/mlflow/experiments/get?experiment_id=${experimentId}`, project);

/**
 * Loads the UI afresh at `route` (a hash route with its `?workspace=`), as a reload does: a change of the hash
 * alone is a navigation within the UI, which shows what it fetched before.
 */
async function loadAfresh(page: Page, route: string) {
  await page.goto('about:blank');
  await page.goto(`${stack.gate}/#${route}`);
  await switcher(page).waitFor();
}

/** The project's row in the Account Console's My Resources (which lists all of the owner's resources on one page). */
async function resourceRow(page: Page): Promise<Locator> {
  await page.goto(`${stack.keycloak}/realms/${stack.realm}/account/resources`);
  const row = page.getByRole('row').filter({ has: page.getByTestId(`share-${resource}`) });
  await row.waitFor();
  return row;
}

async function shareInAccountConsole(page: Page, username: string, scope: string) {
  const row = await resourceRow(page);
  await row.getByTestId(`share-${resource}`).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('users').fill(username);
  await dialog.getByTestId('add').click();
  await dialog.getByRole('combobox').click();
  await page.getByRole('option', { name: scope, exact: true }).click();
  // The scope list stays open over the dialog's buttons until its toggle closes it.
  await dialog.getByRole('button', { name: 'Menu toggle' }).click();
  await shot(page, 'console-2-share');
  await dialog.getByTestId('done').click();
  await page.getByText('Resource successfully shared.').waitFor();
}

/** Takes `scope` back from `username` in the resource's Edit dialog (Unshare all would also end the owner's own ticket). */
async function unshareInAccountConsole(page: Page, username: string, scope: string) {
  const row = await resourceRow(page);
  // The row's kebab menu, which has no accessible name.
  await row.locator('.pf-v5-c-menu-toggle').click();
  await page.getByRole('menuitem', { name: 'Edit' }).click();
  const dialog = page.getByRole('dialog');
  // Each person is a read-only user field followed by the chips of their scopes.
  const scopes = dialog
    .locator('.pf-v5-c-form__group')
    .filter({ has: page.locator(`input[value="${username}"]`) })
    .locator('xpath=following-sibling::div[1]');
  await scopes.getByRole('button', { name: scope }).click();
  await shot(page, 'console-3-unshare');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.getByText('Resource successfully updated.').waitFor();
}

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  expect((await api('admin', 'POST', '/api/3.0/mlflow/workspaces', { body: { name: adminsProject } })).status).toBe(201);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const newContext = async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    context.setDefaultTimeout(UI_TIMEOUT_MS);
    return context;
  };
  owner = await newContext();
  viewer = await newContext();
  accountConsole = await newContext();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  // The owner's project keeps its experiment, and MLflow deletes empty workspaces only: it stays in the
  // throwaway stack. The admin's project is empty.
  await api('admin', 'DELETE', `/api/3.0/mlflow/workspaces/${adminsProject}`);
});

describe('a project in the MLflow UI', () => {
  it("is created by its owner in the UI, who works in it through the switcher, which offers only default and the owner's projects", async () => {
    ownerPage = await owner.newPage();
    await signInThroughKeycloak(ownerPage, stack.gate, person('editor'));
    await ownerPage.getByRole('button', { name: 'Create new workspace' }).click();
    const form = ownerPage.getByRole('dialog');
    await form.getByLabel('Workspace Name').fill(project);
    const [created] = await Promise.all([ownerPage.waitForResponse(uiCall('POST', WORKSPACES)), form.getByRole('button', { name: 'Create' }).click()]);
    expect(created.status()).toBe(201);
    const made = await api('editor', 'POST', '/api/2.0/mlflow/experiments/create', { workspace: project, body: { name: experiment } });
    expect(made.status).toBe(200);
    experimentId = String(made.json.experiment_id);

    await selectWorkspace(ownerPage, 'default');
    const offered = await switcherOffers(ownerPage);
    const owned = (await ownedProjects('editor')).concat('default');
    expect(offered).toContain(project);
    expect(offered).toContain('default');
    expect(offered).not.toContain(adminsProject);
    expect(offered.filter((name) => !owned.includes(name))).toEqual([]);

    await selectWorkspace(ownerPage, project);
    const search = await openExperimentsList(ownerPage);
    expect([search.status(), search.request().headers()['x-mlflow-workspace']]).toEqual([200, project]);
    await ownerPage.getByRole('link', { name: experiment, exact: true }).waitFor();
    await shot(ownerPage, 'owner-1-experiments');
  }, 180_000);

  it('is not offered to a viewer, who cannot read it', async () => {
    viewerPage = await viewer.newPage();
    await signInThroughKeycloak(viewerPage, stack.gate, person('viewer'));
    expect(await readExperimentFromPage(viewerPage)).toEqual({ status: 403, error_code: 'PERMISSION_DENIED' });
    await switcher(viewerPage).waitFor();
    const offered = await switcherOffers(viewerPage);
    expect(offered).toContain('default');
    expect(offered).not.toContain(project);
    await shot(viewerPage, 'viewer-1-not-offered');
  }, 180_000);

  it('is shared by its owner in the Account Console; the viewer then reads it in the UI but cannot write', async () => {
    consolePage = await accountConsole.newPage();
    await consolePage.goto(`${stack.keycloak}/realms/${stack.realm}/account/resources`);
    await consolePage.waitForSelector('#username');
    await consolePage.fill('#username', person('editor').username);
    await consolePage.fill('#password', person('editor').password);
    await consolePage.click('#kc-login');
    await consolePage.getByTestId(`share-${resource}`).waitFor();
    await shot(consolePage, 'console-1-resources');
    await shareInAccountConsole(consolePage, person('viewer').username, 'project-read');

    await eventually(
      'the shared project is offered in the switcher, and reads of it are allowed',
      async () => {
        await loadAfresh(viewerPage, HOME_IN_DEFAULT);
        const offered = await switcherOffers(viewerPage);
        return offered.includes(project) && (await readExperimentFromPage(viewerPage)).status === 200 ? true : undefined;
      },
      DENY_LIFETIME_MS + MARGIN_MS,
      PROBE_EVERY_MS,
    );
    await selectWorkspace(viewerPage, project);
    const search = await openExperimentsList(viewerPage);
    expect([search.status(), search.request().headers()['x-mlflow-workspace']]).toEqual([200, project]);
    await viewerPage.getByRole('link', { name: experiment, exact: true }).waitFor();
    await shot(viewerPage, 'viewer-2-shared');

    await viewerPage.getByRole('button', { name: 'Create', exact: true }).click();
    const form = viewerPage.getByRole('dialog');
    await form.getByLabel('Experiment Name').fill(`viewer-${suffix}`);
    const [refused] = await Promise.all([viewerPage.waitForResponse(uiCall('POST', EXPERIMENT_CREATE)), form.getByRole('button', { name: 'Create' }).click()]);
    expect(refused.status()).toBe(403);
    expect(await refused.json()).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringContaining(`project-write on project ${project}`) });
    await form.getByText('Permission denied').waitFor();
    await shot(viewerPage, 'viewer-3-create-refused');
    await form.getByRole('button', { name: 'Close' }).click();

    // The experiment's page takes the experiment from the list and asks for its runs.
    const [runs] = await Promise.all([
      viewerPage.waitForResponse(uiCall('POST', RUN_SEARCH)),
      viewerPage.getByRole('link', { name: experiment, exact: true }).click(),
    ]);
    expect([runs.status(), runs.request().headers()['x-mlflow-workspace']]).toEqual([200, project]);
    await viewerPage.waitForURL((url) => url.hash.startsWith(`#/experiments/${experimentId}/`));
    await shot(viewerPage, 'viewer-4-experiment');
    expect(await callFromPage(viewerPage, 'POST', '/ajax-api/2.0/mlflow/runs/create', project, { experiment_id: experimentId })).toEqual({
      status: 403,
      error_code: 'PERMISSION_DENIED',
    });
  }, 240_000);

  it("is gone from the viewer's switcher and refused to their reads once the owner takes the share back in the Account Console", async () => {
    await unshareInAccountConsole(consolePage, person('viewer').username, 'project-read');
    await eventually(
      'the revoked project is no longer offered, and reads of it are refused',
      async () => {
        await loadAfresh(viewerPage, HOME_IN_DEFAULT);
        const offered = await switcherOffers(viewerPage);
        return !offered.includes(project) && (await readExperimentFromPage(viewerPage)).status === 403 ? true : undefined;
      },
      ALLOW_LIFETIME_MS + MARGIN_MS,
      PROBE_EVERY_MS,
    );
    expect(await readExperimentFromPage(viewerPage)).toEqual({ status: 403, error_code: 'PERMISSION_DENIED' });
    // Back in the project's address, the UI's own calls are refused with MLflow's message.
    const [search] = await Promise.all([
      viewerPage.waitForResponse(uiCall('GET', EXPERIMENT_SEARCH)),
      loadAfresh(viewerPage, `/experiments?workspace=${project}`),
    ]);
    expect([search.status(), search.request().headers()['x-mlflow-workspace']]).toEqual([403, project]);
    await viewerPage.getByText(`Permission denied: this request needs experiments#read and project-read on project ${project}`).waitFor();
    await viewerPage.getByRole('link', { name: experiment, exact: true }).waitFor({ state: 'detached' });
    await shot(viewerPage, 'viewer-5-revoked');
  }, 240_000);
});
