/**
 * A browser session lives while it is used and ends when left idle: Keycloak's SSO Session Idle, shortened to
 * 60 s here, against the native stack with Debian's Chromium. The UI's own calls (same-origin fetches with the
 * session cookie) every 15 s keep working across several idle periods, because the gate renews the cookie
 * with the refresh token Keycloak rotates to; after more than one idle period without use, a page load is
 * sent to Keycloak's login page and the UI's calls get 401.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromiumPath } from '../../scripts/deps.mjs';
import { signInThroughKeycloak, uiCall } from '../support/browser-login';
import { adminApi } from '../support/tokens';

const stack = inject('nativeStack');
const IDLE_SECONDS = 60;
const ACCESS_TOKEN_SECONDS = 30;
const USE_EVERY_MS = 15_000;
const IDLE_PERIODS_IN_USE = 4;
// Past the idle timeout by a margin of seconds, so a loaded machine cannot make the session look still alive.
const LEFT_IDLE_MS = (IDLE_SECONDS + 30) * 1000;
const SESSION_COOKIE = 'mlflow_gate_session';

let browser: Browser;
let restoreRealm: () => Promise<void>;

async function sessionCookie(context: BrowserContext): Promise<string> {
  return (await context.cookies(stack.gate)).find((cookie) => cookie.name === SESSION_COOKIE)?.value ?? '';
}

async function signIn(context: BrowserContext): Promise<Page> {
  const viewer = stack.users.find((user) => user.role === 'viewer')!;
  const page = await context.newPage();
  await signInThroughKeycloak(page, stack.gate, viewer);
  return page;
}

beforeAll(async () => {
  const realm = (await adminApi(stack.keycloak, 'GET', '')).json as { ssoSessionIdleTimeout: number; accessTokenLifespan: number };
  await adminApi(stack.keycloak, 'PUT', '', { ssoSessionIdleTimeout: IDLE_SECONDS, accessTokenLifespan: ACCESS_TOKEN_SECONDS });
  restoreRealm = async () => {
    await adminApi(stack.keycloak, 'PUT', '', { ssoSessionIdleTimeout: realm.ssoSessionIdleTimeout, accessTokenLifespan: realm.accessTokenLifespan });
  };
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await restoreRealm?.();
});

describe('a browser session', () => {
  it(`lives while used every ${USE_EVERY_MS / 1000} s for ${IDLE_PERIODS_IN_USE} idle periods of ${IDLE_SECONDS} s, and ends when left idle longer`, async () => {
    const context = await browser.newContext();
    const page = await signIn(context);
    const cookies = new Set([await sessionCookie(context)]);
    const inUseUntil = Date.now() + IDLE_PERIODS_IN_USE * IDLE_SECONDS * 1000;
    while (Date.now() < inUseUntil) {
      expect(await uiCall(page)).toBe(200);
      cookies.add(await sessionCookie(context));
      await page.waitForTimeout(USE_EVERY_MS);
    }
    expect(await uiCall(page)).toBe(200);
    // Renewed at least once per idle period it outlived.
    expect(cookies.size).toBeGreaterThanOrEqual(IDLE_PERIODS_IN_USE);
    const renewed = (await context.cookies(stack.gate)).find((cookie) => cookie.name === SESSION_COOKIE)!;
    expect(renewed).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: true });

    await page.waitForTimeout(LEFT_IDLE_MS);
    expect(await uiCall(page)).toBe(401);
    const navigation = await request(`${stack.gate}/`, {
      headers: { accept: 'text/html', cookie: `${SESSION_COOKIE}=${await sessionCookie(context)}` },
    });
    await navigation.body.dump();
    expect(navigation.statusCode).toBe(302);
    expect(String(navigation.headers.location)).toMatch(new RegExp(`^${stack.keycloak}/realms/${stack.realm}/protocol/openid-connect/auth\\?`));
    await context.close();
  }, (IDLE_PERIODS_IN_USE * IDLE_SECONDS + LEFT_IDLE_MS / 1000 + 180) * 1000);
});
