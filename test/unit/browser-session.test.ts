import { describe, expect, it } from 'vitest';
import {
  authorizationUrl,
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
});
