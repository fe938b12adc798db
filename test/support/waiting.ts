/**
 * Waiting in tests that depend on time. A loaded machine delays everything by up to seconds, so tests wait
 * for a moment on the clock or for a condition to hold, never for a fixed short while.
 */
import { decodeJwtPayload } from '../../src/core/token';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Returns once the clock reads `epochMs` (at once when that moment has passed). */
export function sleepUntil(epochMs: number): Promise<void> {
  return sleep(Math.max(0, epochMs - Date.now()));
}

/**
 * Asks `probe` every `intervalMs` until it returns something other than undefined and returns that; fails,
 * naming `what`, when `timeoutMs` pass first.
 */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs / 1000} s: ${what}`);
    await sleep(intervalMs);
  }
}

/**
 * The access-token lifetime of tests that use a token and then see it expire: the first use, after Keycloak's
 * admin calls that shortened the lifetime, has seconds to spare on a loaded machine.
 */
export const SHORT_TOKEN_SECONDS = 6;

/**
 * Returns once `token` (a JWT) has expired: a second past its `exp`, so that no rounding of seconds on either
 * side can make it look still valid.
 */
export function untilExpired(token: string): Promise<void> {
  const claims = decodeJwtPayload(token);
  if (typeof claims?.exp !== 'number') throw new Error('not a JWT with exp');
  return sleepUntil((claims.exp + 1) * 1000);
}
