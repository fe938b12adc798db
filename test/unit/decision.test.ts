import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decisionRequestBody, decisionSubrequestArgs, interpretDecision } from '../../src/core/decision';

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

  it('keys the cached answer by a hash of token, resource server and permission, never the token', () => {
    const args = decisionSubrequestArgs(sha256Hex, token, 'mlflow-gate', 'runs#write', true);
    expect(args).toMatch(/^key=[0-9a-f]{64}$/);
    expect(args).not.toContain('bbb');
    expect(args).not.toBe(decisionSubrequestArgs(sha256Hex, token, 'mlflow-gate', 'runs#read', true));
    expect(args).not.toBe(decisionSubrequestArgs(sha256Hex, 'aaa.bbb.ccd', 'mlflow-gate', 'runs#write', true));
    expect(args).not.toBe(decisionSubrequestArgs(sha256Hex, token, 'other-server', 'runs#write', true));
  });

  it('asks nginx to bypass the cache when it is off', () => {
    expect(decisionSubrequestArgs(sha256Hex, token, 'mlflow-gate', 'runs#write', false)).toMatch(/^key=[0-9a-f]{64}&bypass=1$/);
  });
});
