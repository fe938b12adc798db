/** A person in Chromium, the way the MLflow UI behind the gate is used: Keycloak's login form, the UI's own calls. */
import type { Page } from 'playwright-core';

/**
 * Opens MLflow at `gate`, signs in on Keycloak's login page and waits until the browser is back at the gate.
 * `beforeSubmit` runs on the filled form, before the person submits it.
 */
export async function signInThroughKeycloak(
  page: Page,
  gate: string,
  person: { username: string; password: string },
  beforeSubmit: () => Promise<void> = async () => {},
): Promise<void> {
  await page.goto(`${gate}/#/experiments`);
  await page.waitForSelector('#username', { timeout: 30_000 });
  await page.fill('#username', person.username);
  await page.fill('#password', person.password);
  await beforeSubmit();
  await page.click('#kc-login');
  await page.waitForURL((url) => url.toString().startsWith(gate), { timeout: 30_000 });
}

/** What the UI does: a same-origin call with the session cookie (no Authorization header); its status. */
export async function uiCall(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const response = await fetch('/ajax-api/2.0/mlflow/experiments/search', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ max_results: 5 }),
    });
    return response.status;
  });
}
