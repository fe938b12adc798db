import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decisionHash, decisionRequestBody, decisionSubrequestArgs, interpretDecision, refreshLeadMs, sharedAllowState, windowEnd } from '../../src/core/decision';

describe('decisionRequestBody', () => {
  it('asks for one permission in decision mode', () => {
    const form = new URLSearchParams(decisionRequestBody('mlflow-gate', 'runs#write'));
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:uma-ticket',
      audience: 'mlflow-gate',
      permission: 'runs#write',
      response_mode: 'decision',
    });
  });
});

describe('interpretDecision', () => {
  it('allows only on a well-formed positive answer', () => {
    expect(interpretDecision('runs#read', 200, '{"result":true}')).toEqual({ allowed: true });
  });

  it.each([
    ['a denial', 403, '{"error":"access_denied","error_description":"not_authorized"}', 'forbidden'],
    ['a rejected token (401)', 401, '{"error":"invalid_grant"}', 'invalid-token'],
    ['a rejected token (400 invalid_grant)', 400, '{"error":"invalid_grant","error_description":"Invalid bearer token"}', 'invalid-token'],
    ['an unknown resource', 400, '{"error":"invalid_resource","error_description":"Resource with id [nosuch] does not exist."}', 'unknown-permission'],
    ['an unknown scope', 400, '{"error":"invalid_scope"}', 'unknown-permission'],
    ['a 200 saying false', 200, '{"result":false}', 'keycloak-unavailable'],
    ['a 200 with garbage', 200, '<html>', 'keycloak-unavailable'],
    ['a 200 with an empty body', 200, '', 'keycloak-unavailable'],
    ['a 200 with a JSON array', 200, '[true]', 'keycloak-unavailable'],
    ['a 500', 500, '{"error":"unknown_error"}', 'keycloak-unavailable'],
    ['a 429', 429, '', 'keycloak-unavailable'],
    ['nginx: upstream unreachable', 502, '<html>502</html>', 'keycloak-unavailable'],
    ['nginx: upstream timeout', 504, '', 'keycloak-unavailable'],
    ['a redirect', 302, '', 'keycloak-unavailable'],
  ])('refuses on %s', (_name, status, body, kind) => {
    expect(interpretDecision('runs#read', status, body)).toMatchObject({ allowed: false, refusal: { kind } });
  });

  it('logs the permission the realm does not know', () => {
    const decision = interpretDecision('runs#fly' as never, 400, '{"error":"invalid_scope"}');
    expect(decision).toMatchObject({ logLine: expect.stringContaining('runs#fly') });
  });
});

describe('decisionSubrequestArgs', () => {
  const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
  const token = 'aaa.bbb.ccc';
  const now = 1_900_000_000;
  const args = (at: number, permission = 'runs#write', bearer = token, server = 'mlflow-gate') =>
    decisionSubrequestArgs(decisionHash(sha256Hex, bearer, server, permission), 30, at);

  it('keys the cached answer by a hash of token, resource server and permission, never the token', () => {
    expect(args(now)).toMatch(/^key=[0-9a-f]{64}\.\d+$/);
    expect(args(now)).not.toContain('bbb');
    expect(args(now)).not.toBe(args(now, 'runs#read'));
    expect(args(now)).not.toBe(args(now, 'runs#write', 'aaa.bbb.ccd'));
    expect(args(now)).not.toBe(args(now, 'runs#write', token, 'other-server'));
  });

  it('starts a new key once per allow lifetime, at an offset of its own', () => {
    const keysOverTwoMinutes = (permission: string) =>
      Array.from({ length: 120 }, (_, second) => args(now + second, permission));
    const changes = (keys: string[]) => keys.flatMap((key, i) => (i > 0 && key !== keys[i - 1] ? [i] : []));
    const writeChanges = changes(keysOverTwoMinutes('runs#write'));
    expect(writeChanges).toHaveLength(4);
    expect(writeChanges.slice(1).map((second, i) => second - writeChanges[i])).toEqual([30, 30, 30]);
    const offsets = ['runs#read', 'runs#write', 'models#read', 'models#write', 'experiments#read'].map(
      (permission) => changes(keysOverTwoMinutes(permission))[0],
    );
    expect(new Set(offsets).size).toBeGreaterThan(1);
  });

  it('asks nginx to bypass the cache when it is off', () => {
    expect(decisionSubrequestArgs(decisionHash(sha256Hex, token, 'mlflow-gate', 'runs#write'), null, now)).toMatch(/^key=[0-9a-f]{64}&bypass=1$/);
  });

  it('says when the window of a key ends: where its key changes', () => {
    const hash = decisionHash(sha256Hex, token, 'mlflow-gate', 'runs#write');
    for (let second = now; second < now + 70; second++) {
      const end = windowEnd(hash, 30, second);
      expect([second, end > second && end <= second + 30]).toEqual([second, true]);
      expect(decisionSubrequestArgs(hash, 30, end - 1)).toBe(decisionSubrequestArgs(hash, 30, second));
      expect(decisionSubrequestArgs(hash, 30, end)).not.toBe(decisionSubrequestArgs(hash, 30, second));
    }
  });
});

describe('sharedAllowState', () => {
  const ends = 1_900_000_030_000;

  it('allows until the last part of the lifetime, then has one request refresh, then asks', () => {
    expect(refreshLeadMs(30)).toBe(5000);
    expect(refreshLeadMs(6)).toBe(2000);
    expect(sharedAllowState(undefined, ends - 20_000, 30)).toBe('ask');
    expect(sharedAllowState(ends, ends - 20_000, 30)).toBe('allow');
    expect(sharedAllowState(ends, ends - 5001, 30)).toBe('allow');
    expect(sharedAllowState(ends, ends - 5000, 30)).toBe('refresh');
    expect(sharedAllowState(ends, ends - 1, 30)).toBe('refresh');
    expect(sharedAllowState(ends, ends, 30)).toBe('ask');
    expect(sharedAllowState(ends, ends + 1, 30)).toBe('ask');
  });
});
