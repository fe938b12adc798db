import { describe, expect, it } from 'vitest';
import { checkBearerToken } from '../../src/core/token';
import type { TokenPolicy } from '../../src/core/token';

const policy: TokenPolicy = {
  issuer: 'http://127.0.0.1:8080/realms/mlflow',
  acceptedClients: ['mlflow-cli', 'mlflow-automation'],
  maxTokenLength: 16384,
};
const now = 1_800_000_000;

function jwt(claims: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const good = { exp: now + 60, iss: policy.issuer, azp: 'mlflow-cli', sub: 's-1', preferred_username: 'ada', typ: 'Bearer' };

describe('checkBearerToken', () => {
  it('accepts an access token for an accepted client and returns who it is', () => {
    const token = jwt(good);
    expect(checkBearerToken([`Bearer ${token}`], policy, now)).toEqual({
      ok: true,
      token,
      claims: { sub: 's-1', username: 'ada', clientId: 'mlflow-cli', exp: now + 60 },
    });
  });

  it('decodes the payload as base64url and UTF-8', () => {
    const token = jwt({ ...good, preferred_username: 'zoë~~~>>>?' });
    expect(token.split('.')[1]).toMatch(/[-_]/);
    expect(checkBearerToken([`Bearer ${token}`], policy, now)).toMatchObject({ ok: true, claims: { username: 'zoë~~~>>>?' } });
  });

  it('accepts the scheme name in any case and by audience alone', () => {
    expect(checkBearerToken([`bearer ${jwt(good)}`], policy, now).ok).toBe(true);
    expect(checkBearerToken([`Bearer ${jwt({ ...good, azp: 'other', aud: ['account', 'mlflow-automation'] })}`], policy, now).ok).toBe(true);
  });

  it('reports a missing token apart from an invalid one', () => {
    expect(checkBearerToken([], policy, now)).toMatchObject({ ok: false, missing: true });
    expect(checkBearerToken(['Basic dXNlcjpwYXNz'], policy, now)).toMatchObject({ ok: false, missing: false });
  });

  it.each([
    ['two Authorization headers', [`Bearer ${jwt(good)}`, `Bearer ${jwt(good)}`]],
    ['an empty bearer', ['Bearer ']],
    ['a token with spaces', [`Bearer ${jwt(good)} x`]],
    ['a token that is not a JWT', ['Bearer abc.def']],
    ['a payload that is not JSON', ['Bearer eyJh.bm90IGpzb24.c2ln']],
    ['a payload that is not an object', [`Bearer eyJh.${Buffer.from('[1]').toString('base64url')}.c2ln`]],
    ['an expired token', [`Bearer ${jwt({ ...good, exp: now })}`]],
    ['a token without exp', [`Bearer ${jwt({ ...good, exp: undefined })}`]],
    ['another realm', [`Bearer ${jwt({ ...good, iss: 'http://127.0.0.1:8080/realms/master' })}`]],
    ['another client', [`Bearer ${jwt({ ...good, azp: 'other-app', aud: 'account' })}`]],
    ['an ID token', [`Bearer ${jwt({ ...good, typ: 'ID' })}`]],
    ['a refresh token', [`Bearer ${jwt({ ...good, typ: 'Refresh' })}`]],
    ['an oversized token', [`Bearer ${jwt({ ...good, pad: 'x'.repeat(20000) })}`]],
  ])('refuses %s', (_name, headers) => {
    expect(checkBearerToken(headers, policy, now)).toMatchObject({ ok: false, missing: false });
  });
});
