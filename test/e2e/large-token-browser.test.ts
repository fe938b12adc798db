/**
 * The MLflow UI for a person whose access tokens are large (about 14 KB: many long realm roles, made through the
 * admin API), against the native stack with Debian's Chromium: the login and its callback (Keycloak's answer
 * holds the large access token, a refresh and an ID token), and the session's silent refresh once the access
 * token the gate holds for the session has expired.
 */
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumPath } from '../../scripts/deps.mjs';
import { signInThroughKeycloak, uiCall } from '../support/browser-login';
import type { LargeTokenFixture } from '../support/large-tokens';
import { createLargeTokenPrincipals } from '../support/large-tokens';
import { callGate } from '../support/projects';
import { shortenAccessTokens, tokenAnswer, userToken } from '../support/tokens';

const stack = inject('nativeStack');
// Access tokens of the login client live this long during the test; the gate reuses one for half of it.
const ACCESS_TOKEN_SECONDS = 30;
// Past the access token's life by a margin of seconds, so the next calls need a new one however loaded the machine.
const PAST_ACCESS_TOKEN_MS = (ACCESS_TOKEN_SECONDS + 10) * 1000;
const SESSION_COOKIE = 'mlflow_gate_session';

const prefix = `large-token-e2e-${Date.now().toString(36)}`;
const person = { username: `${prefix}-person`, password: 'large-token-person-password', roles: 48, group: '/viewers' };
// The list shows recent experiments first: the test's own stays in view however many other suites made before.
const experiment = `${prefix}-experiment`;
let fixture: LargeTokenFixture;
let browser: Browser;
let restoreClient: () => Promise<void>;

beforeAll(async () => {
  const admin = stack.users.find((user) => user.role === 'admin')!;
  const created = await callGate(stack.gate, await userToken(stack.keycloak, admin.username, admin.password), 'POST', '/api/2.0/mlflow/experiments/create', { body: { name: experiment } });
  expect(created.status).toBe(200);
  fixture = await createLargeTokenPrincipals(stack.keycloak, prefix, [person], []);
  restoreClient = await shortenAccessTokens(stack.keycloak, ACCESS_TOKEN_SECONDS);
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await restoreClient?.();
  await fixture?.remove();
}, 120_000);

async function experimentsListed(page: Page) {
  // With workspaces on (projects), the UI keeps the workspace in the route's query.
  await page.goto(`${stack.gate}/#/experiments?workspace=default`);
  await page.getByText(experiment, { exact: true }).first().waitFor({ timeout: 60_000 });
}

describe('a person with a large access token in the browser', () => {
  it('signs in through Keycloak, uses the UI, and keeps using it after the access token expired (silent refresh)', async () => {
    // What the callback's code exchange gets from Keycloak for this person, measured the same way.
    const answer = await tokenAnswer(stack.keycloak, {
      grant_type: 'password',
      client_id: stack.clients.public,
      username: person.username,
      password: person.password,
      scope: 'openid',
    });
    expect(answer.access_token.length).toBeGreaterThanOrEqual(12_000);
    expect(`Bearer ${answer.access_token}`.length).toBeLessThanOrEqual(16_384);
    console.info(
      `browser login: access token ${answer.access_token.length} bytes, refresh token ${answer.refresh_token?.length} bytes, ` +
        `ID token ${answer.id_token?.length} bytes`,
    );

    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    await signInThroughKeycloak(page, stack.gate, person);
    const session = (await context.cookies(stack.gate)).find((cookie) => cookie.name === SESSION_COOKIE);
    expect(session, 'the login callback sets the session cookie').toBeDefined();
    // Browsers keep cookies of up to 4096 bytes: the session holds the refresh token, which carries no roles.
    expect(session!.value.length).toBeLessThan(4000);
    await experimentsListed(page);
    expect(await uiCall(page)).toBe(200);

    for (let refresh = 1; refresh <= 2; refresh++) {
      await page.waitForTimeout(PAST_ACCESS_TOKEN_MS);
      expect([refresh, await uiCall(page)]).toEqual([refresh, 200]);
      await experimentsListed(page);
    }
    await context.close();
  }, 300_000);
});
