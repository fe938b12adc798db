import { describe, expect, it } from 'vitest';
import {
  authorizationUrl,
  checkCallback,
  interpretCodeAnswer,
  parseLoginState,
  renewedRefreshToken,
  sendsToLogin,
  sessionCredential,
  isBrowserNavigation,
  isSameOriginWrite,
  parseCookies,
  safeReturnPath,
  setCookie,
} from '../../src/core/browser-session';

describe('browser session', () => {
  it('sends only top-level HTML navigations to the login page', () => {
    expect(isBrowserNavigation('GET', 'text/html,application/xhtml+xml,*/*;q=0.8')).toBe(true);
    expect(isBrowserNavigation('GET', 'application/json, text/plain, */*')).toBe(false);
    expect(isBrowserNavigation('POST', 'text/html')).toBe(false);
  });

  it('writes HttpOnly, SameSite=Lax cookies, Secure unless switched off', () => {
    expect(setCookie('s', 'v', true)).toBe('s=v; Path=/; HttpOnly; SameSite=Lax; Secure');
    expect(setCookie('s', 'v', false, 600)).toBe('s=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=600');
    expect(parseCookies('a=1; mlflow_gate_session=x.y=; b=2')).toEqual({ a: '1', mlflow_gate_session: 'x.y=', b: '2' });
  });

  it('returns only to paths on the gate after login', () => {
    expect(safeReturnPath('/#/experiments?x=1')).toBe('/#/experiments?x=1');
    for (const target of ['//evil.example/', '/\\evil.example', 'https://evil.example/', '/_mlflow_gate/callback?code=x', '/a b']) {
      expect(safeReturnPath(target)).toBe('/');
    }
  });

  it('asks Keycloak for a code with PKCE, state and nonce', () => {
    const url = new URL(
      authorizationUrl('https://sso/realms/mlflow', 'mlflow-cli', 'https://mlflow/_mlflow_gate/callback', { state: 's', nonce: 'n', verifier: 'v', returnTo: '/', expires: 0 }, 'c'),
    );
    expect(url.pathname).toBe('/realms/mlflow/protocol/openid-connect/auth');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'mlflow-cli',
      redirect_uri: 'https://mlflow/_mlflow_gate/callback',
      scope: 'openid',
      state: 's',
      nonce: 'n',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
  });

  it('lets cookie-authorized writes through only from the gate itself', () => {
    const own = 'https://mlflow.example';
    expect(isSameOriginWrite('GET', 'https://evil.example', '', own)).toBe(true);
    expect(isSameOriginWrite('POST', own, '', own)).toBe(true);
    expect(isSameOriginWrite('POST', 'https://evil.example', '', own)).toBe(false);
    expect(isSameOriginWrite('POST', 'null', '', own)).toBe(false);
    expect(isSameOriginWrite('DELETE', '', `${own}/#/experiments`, own)).toBe(true);
    expect(isSameOriginWrite('POST', '', 'https://mlflow.example.evil/', own)).toBe(false);
    expect(isSameOriginWrite('POST', '', '', own)).toBe(false);
  });

  it('sends page loads without a credential, or with a session Keycloak no longer honours, to the login page', () => {
    expect(sendsToLogin(true, { kind: 'no-token', detail: '' }, false)).toBe(true);
    expect(sendsToLogin(true, { kind: 'invalid-credentials', detail: '' }, true)).toBe(true);
    expect(sendsToLogin(true, { kind: 'invalid-credentials', detail: '' }, false)).toBe(false);
    expect(sendsToLogin(true, { kind: 'forbidden', detail: 'runs#read' }, true)).toBe(false);
    expect(sendsToLogin(false, { kind: 'no-token', detail: '' }, false)).toBe(false);
  });
});

const now = 1_800_000_000;
const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('session lifetime', () => {
  it('opens a session only while its refresh token lives', () => {
    const refreshToken = jwt({ sub: 'u1', iat: now - 100, exp: now + 10 });
    expect(sessionCredential(refreshToken, 'mlflow-cli', now)).toEqual({ grant: 'refresh_token', clientId: 'mlflow-cli', subject: 'u1', refreshToken });
    expect(sessionCredential(refreshToken, 'mlflow-cli', now + 10)).toBeNull();
    expect(sessionCredential('not a token', 'mlflow-cli', now)).toBeNull();
  });

  it('renews the cookie once its refresh token has used half its life, with a later-expiring one', () => {
    const current = jwt({ iat: now - 30, exp: now + 30 });
    const fresh = jwt({ iat: now - 5, exp: now + 55 });
    expect(renewedRefreshToken(current, fresh, now)).toBe(fresh);
    expect(renewedRefreshToken(current, fresh, now - 1)).toBeNull();
    expect(renewedRefreshToken(current, null, now)).toBeNull();
    expect(renewedRefreshToken(current, current, now)).toBeNull();
    expect(renewedRefreshToken(current, jwt({ iat: now - 40, exp: now + 20 }), now)).toBeNull();
    expect(renewedRefreshToken(jwt({ iat: now - 30 }), fresh, now)).toBeNull();
  });
});

describe('login callback', () => {
  const login = { state: 's', nonce: 'n', verifier: 'v', returnTo: '/#/x', expires: now + 600 };

  it('reads back only a complete login state', () => {
    expect(parseLoginState(JSON.stringify(login))).toEqual(login);
    expect(parseLoginState(JSON.stringify({ ...login, expires: 'soon' }))).toBeNull();
    expect(parseLoginState('[]')).toBeNull();
  });

  it('accepts a callback of this login only: same state, in time, with a code', () => {
    expect(checkCallback(login, 's', 'code', now)).toEqual({ ok: true, login });
    for (const [state, code, at] of [['other', 'code', now], ['s', '', now], ['s', 'code', now + 601]] as const) {
      expect(checkCallback(login, state, code, at)).toMatchObject({ ok: false, refusal: { kind: 'bad-request' } });
    }
    expect(checkCallback(null, 's', 'code', now)).toMatchObject({ ok: false });
  });

  it('takes the refresh token only with an ID token carrying the login\'s nonce', () => {
    const answer = (nonce: string) => JSON.stringify({ refresh_token: 'r.s.t', id_token: jwt({ nonce }) });
    expect(interpretCodeAnswer(200, answer('n'), 'n')).toEqual({ ok: true, refreshToken: 'r.s.t' });
    expect(interpretCodeAnswer(200, answer('other'), 'n')).toMatchObject({ ok: false, refusal: { kind: 'invalid-token' } });
    expect(interpretCodeAnswer(400, answer('n'), 'n')).toMatchObject({ ok: false });
    expect(interpretCodeAnswer(200, JSON.stringify({ id_token: jwt({ nonce: 'n' }) }), 'n')).toMatchObject({ ok: false });
  });
});
