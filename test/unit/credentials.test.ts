import { describe, expect, it } from 'vitest';
import {
  checkBasicCredentials,
  exchangeCacheKey,
  exchangedTokenCacheSeconds,
  exchangeSealingMaterial,
  exchangePayload,
  interpretExchangeAnswer,
  interpretTokenResponse,
  isBasic,
  openExchangePayload,
  rateLimitSubject,
  tokenRequestBody,
} from '../../src/core/credentials';
import type { TokenPolicy } from '../../src/core/token';
import { createHash } from 'node:crypto';

const policy: TokenPolicy = {
  issuer: 'http://127.0.0.1:8080/realms/mlflow',
  acceptedClients: ['mlflow-cli', 'mlflow-automation'],
  maxTokenLength: 16384,
};
const now = 1_800_000_000;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const jwt = (claims: object) =>
  `eyJhbGciOiJIUzUxMiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;
const offline = { typ: 'Offline', iss: policy.issuer, azp: 'mlflow-cli', sub: 'u-1' };

describe('checkBasicCredentials', () => {
  it('reads a client id and secret as client credentials', () => {
    expect(checkBasicCredentials(basic('mlflow-automation', 'pa:ss'), policy, now)).toEqual({
      ok: true,
      credential: { grant: 'client_credentials', clientId: 'mlflow-automation', secret: 'pa:ss' },
    });
  });

  it('reads an offline or refresh token of an accepted client as a login, whatever the user name', () => {
    for (const typ of ['Offline', 'Refresh']) {
      const token = jwt({ ...offline, typ });
      expect(checkBasicCredentials(basic('ada', token), policy, now)).toEqual({
        ok: true,
        credential: { grant: 'refresh_token', clientId: 'mlflow-cli', subject: 'u-1', refreshToken: token },
      });
    }
  });

  it.each([
    ['no colon', `Basic ${Buffer.from('mlflow-automation').toString('base64')}`],
    ['an empty password', basic('mlflow-automation', '')],
    ['an empty user', basic('', 'secret')],
    ['a client that is not accepted', basic('admin-cli', 'secret')],
    ['a login of another realm', basic('ada', jwt({ ...offline, iss: 'http://127.0.0.1:8080/realms/master' }))],
    ['an expired login', basic('ada', jwt({ ...offline, exp: now }))],
    ['a login of a client that is not accepted', basic('ada', jwt({ ...offline, azp: 'account' }))],
    ['not base64', 'Basic !!!'],
    ['oversized credentials', basic('mlflow-automation', 'x'.repeat(20000))],
  ])('refuses %s', (_name, header) => {
    expect(checkBasicCredentials(header, policy, now)).toMatchObject({ ok: false });
  });

  it('tells Basic from other schemes', () => {
    expect(isBasic([basic('a', 'b')])).toBe(true);
    expect(isBasic(['basic xyz'])).toBe(true);
    expect(isBasic(['Bearer abc'])).toBe(false);
    expect(isBasic([basic('a', 'b'), basic('a', 'b')])).toBe(false);
  });
});

describe('token exchange', () => {
  const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');
  const service = { grant: 'client_credentials', clientId: 'mlflow-automation', secret: 's&c=t' } as const;

  it('asks Keycloak with the grant the credential calls for, and rate-limits logins per person', () => {
    expect(new URLSearchParams(tokenRequestBody(service)).toString()).toBe(
      'grant_type=client_credentials&client_id=mlflow-automation&client_secret=s%26c%3Dt',
    );
    const login = { grant: 'refresh_token', clientId: 'mlflow-cli', subject: 'u-1', refreshToken: 'a.b.c' } as const;
    expect(Object.fromEntries(new URLSearchParams(tokenRequestBody(login)))).toEqual({
      grant_type: 'refresh_token',
      client_id: 'mlflow-cli',
      refresh_token: 'a.b.c',
    });
    expect([rateLimitSubject(service), rateLimitSubject(login)]).toEqual(['mlflow-automation', 'mlflow-cli/u-1']);
  });

  it('keys and seals with different material, neither of which is the secret', () => {
    const body = tokenRequestBody(service);
    const key = exchangeCacheKey(sha256Hex, body);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(key).not.toBe(sha256Hex(exchangeSealingMaterial(body)));
    expect(key).not.toBe(exchangeCacheKey(sha256Hex, tokenRequestBody({ ...service, secret: 'other' })));
  });

  it('reuses a token until 30 s before it expires, or for half the life of a short one', () => {
    expect([300, 61, 60, 20, 0, -5].map((expiresIn) => exchangedTokenCacheSeconds(expiresIn, 0))).toEqual([270, 31, 30, 10, 0, 0]);
  });

  it('reuses it for at most half the life of a rotated refresh token that expires', () => {
    expect(exchangedTokenCacheSeconds(300, 1800)).toBe(270);
    expect(exchangedTokenCacheSeconds(300, 60)).toBe(30);
    expect(exchangedTokenCacheSeconds(300, 0)).toBe(270);
  });

  it('seals the access token with the rotated refresh token, and opens only that shape', () => {
    const payload = { accessToken: 'a.b.c', refreshToken: 'r.s.t' };
    expect(openExchangePayload(exchangePayload(payload))).toEqual(payload);
    expect(openExchangePayload(exchangePayload({ accessToken: 'a.b.c', refreshToken: null }))).toEqual({ accessToken: 'a.b.c', refreshToken: null });
    expect(openExchangePayload('a.b.c')).toBeNull();
    expect(openExchangePayload('{"refresh_token":"r"}')).toBeNull();
  });

  it('reads the exchange location: sealed tokens, rejected credentials, limits, anything else unavailable', () => {
    expect(interpretExchangeAnswer(200, '{"sealed":"xyz"}')).toEqual({ ok: true, sealed: 'xyz' });
    expect(interpretExchangeAnswer(401, '')).toMatchObject({ ok: false, refusal: { kind: 'invalid-credentials' } });
    expect(interpretExchangeAnswer(429, '<html>')).toMatchObject({ ok: false, refusal: { kind: 'too-many-attempts' } });
    expect(interpretExchangeAnswer(200, '{"sealed":1}')).toMatchObject({ ok: false, refusal: { kind: 'keycloak-unavailable' } });
    expect(interpretExchangeAnswer(500, '')).toMatchObject({ ok: false, refusal: { kind: 'keycloak-unavailable', detail: 'token exchange 500' } });
  });

  it('maps Keycloak answers: rejected credentials are 401, anything unexpected is unavailable', () => {
    expect(interpretTokenResponse(200, '{"access_token":"a.b.c","expires_in":300}')).toEqual({
      ok: true,
      accessToken: 'a.b.c',
      expiresIn: 300,
      refreshToken: null,
      refreshExpiresIn: 0,
    });
    expect(interpretTokenResponse(200, '{"access_token":"a.b.c","expires_in":300,"refresh_token":"r.s.t","refresh_expires_in":1800}')).toMatchObject({
      refreshToken: 'r.s.t',
      refreshExpiresIn: 1800,
    });
    expect(interpretTokenResponse(401, '{"error":"invalid_client"}')).toMatchObject({ ok: false, status: 401 });
    expect(interpretTokenResponse(400, '{"error":"invalid_grant"}')).toMatchObject({ ok: false, status: 401 });
    expect(interpretTokenResponse(200, '<html>')).toMatchObject({ ok: false, status: 503 });
    expect(interpretTokenResponse(200, '{"expires_in":300}')).toMatchObject({ ok: false, status: 503 });
    expect(interpretTokenResponse(502, '')).toMatchObject({ ok: false, status: 503 });
    expect(interpretTokenResponse(0, '')).toMatchObject({ ok: false, status: 503 });
  });
});
