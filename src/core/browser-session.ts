/**
 * Browser login: the MLflow UI through Keycloak's login page, without a local proxy. Pure parts only: which
 * requests are sent to the login page, the authorization request, the cookies, and the cross-site check.
 *
 * The session cookie holds the Keycloak refresh token, sealed (AES-GCM) under the configured session key;
 * the gate turns it into access tokens like Basic logins (cached until shortly before expiry), so the access
 * token is refreshed without the browser noticing. Cookies are HttpOnly and SameSite=Lax, Secure unless
 * configured off for plain-http development.
 *
 * Keycloak rotates the refresh token on every refresh; the gate renews the cookie with the new one once the
 * cookie's has used half its life (renewedRefreshToken). So a session in use lives until Keycloak's SSO
 * Session Max, and one left alone ends at SSO Session Idle: Keycloak's own rules.
 */
import type { Credential } from './credentials';
import { parseJsonObject } from './json-object';
import type { Refusal } from './refusals';
import { decodeJwtPayload } from './token';

export const SESSION_COOKIE = 'mlflow_gate_session';
export const LOGIN_COOKIE = 'mlflow_gate_login';
export const CALLBACK_PATH = '/_mlflow_gate/callback';
export const LOGOUT_PATH = '/_mlflow_gate/logout';
/** How long a login may take between the redirect to Keycloak and the callback. */
export const LOGIN_SECONDS = 600;

/** The state the gate needs back at the callback, kept sealed in the login cookie. */
export interface LoginState {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** Where the browser wanted to go: a path on the gate. */
  readonly returnTo: string;
  readonly expires: number;
}

/** Only a top-level navigation (GET/HEAD asking for HTML) is sent to the login page; API calls get 401 JSON. */
export function isBrowserNavigation(method: string, accept: string): boolean {
  return (method === 'GET' || method === 'HEAD') && accept.indexOf('text/html') >= 0;
}

export function parseCookies(header: string): { [name: string]: string } {
  const cookies: { [name: string]: string } = {};
  header.split(';').forEach((pair) => {
    const eq = pair.indexOf('=');
    if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  });
  return cookies;
}

export function setCookie(name: string, value: string, secure: boolean, maxAgeSeconds?: number): string {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  if (secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearCookie(name: string, secure: boolean): string {
  return setCookie(name, '', secure, 0);
}

/** A path on this gate to return to after login: never another host (`//host`, `/\host`) or a scheme. */
export function safeReturnPath(target: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(target) && target.indexOf(CALLBACK_PATH) !== 0 ? target : '/';
}

/** The authorization-code request with PKCE (S256), state and nonce. */
export function authorizationUrl(issuer: string, clientId: string, redirectUri: string, login: LoginState, challenge: string): string {
  const query = [
    ['response_type', 'code'],
    ['client_id', clientId],
    ['redirect_uri', redirectUri],
    ['scope', 'openid'],
    ['state', login.state],
    ['nonce', login.nonce],
    ['code_challenge', challenge],
    ['code_challenge_method', 'S256'],
  ]
    .map((field) => `${field[0]}=${encodeURIComponent(field[1])}`)
    .join('&');
  return `${issuer}/protocol/openid-connect/auth?${query}`;
}

export function codeTokenRequestBody(clientId: string, code: string, redirectUri: string, verifier: string): string {
  return [
    ['grant_type', 'authorization_code'],
    ['client_id', clientId],
    ['code', code],
    ['redirect_uri', redirectUri],
    ['code_verifier', verifier],
  ]
    .map((field) => `${field[0]}=${encodeURIComponent(field[1])}`)
    .join('&');
}

/**
 * CSRF: a request authorized by the session cookie that changes something must come from a page of this
 * gate: its Origin (or, without one, its Referer) is the gate's own origin. SameSite=Lax already keeps the
 * cookie off cross-site POSTs in current browsers; this check does not depend on the browser.
 */
export function isSameOriginWrite(method: string, origin: string, referer: string, ownOrigin: string): boolean {
  if (method === 'GET' || method === 'HEAD') return true;
  if (origin !== '') return origin === ownOrigin;
  return referer === ownOrigin || referer.indexOf(`${ownOrigin}/`) === 0;
}

/**
 * Whether a refused request goes to Keycloak's login page instead: a page load (`navigation`, browser login
 * on) that carried no credential, or whose session cookie Keycloak no longer honours.
 */
export function sendsToLogin(navigation: boolean, refusal: Refusal, fromSession: boolean): boolean {
  if (!navigation) return false;
  return refusal.kind === 'no-token' || (fromSession && refusal.kind === 'invalid-credentials');
}

/**
 * The credential a session cookie's refresh token stands for; null when it has expired (the browser then
 * logs in again, and its XHRs get 401), so an idle session ends at Keycloak's SSO Session Idle.
 */
export function sessionCredential(refreshToken: string, loginClient: string, nowSeconds: number): Credential | null {
  const claims = decodeJwtPayload(refreshToken);
  if (claims === null || (typeof claims.exp === 'number' && claims.exp <= nowSeconds)) return null;
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  return { grant: 'refresh_token', clientId: loginClient, subject, refreshToken };
}

/**
 * The refresh token to renew the session cookie with, or null to keep the cookie: `fresh` (Keycloak's
 * rotated token) replaces `current` once `current` has used half its life and `fresh` expires later.
 * Renewing only then keeps every request from minting a new cookie and a new Keycloak refresh.
 */
export function renewedRefreshToken(current: string, fresh: string | null, nowSeconds: number): string | null {
  if (fresh === null || fresh === current) return null;
  const was = decodeJwtPayload(current);
  const now = decodeJwtPayload(fresh);
  if (was === null || now === null || typeof was.exp !== 'number' || typeof was.iat !== 'number' || typeof now.exp !== 'number') return null;
  const halfLifeReached = was.exp - nowSeconds <= (was.exp - was.iat) / 2;
  return halfLifeReached && now.exp > was.exp ? fresh : null;
}

/** The login state the login cookie held, when it opened and has the expected shape. */
export function parseLoginState(text: string): LoginState | null {
  const value = parseJsonObject(text);
  if (value === null) return null;
  const fields = ['state', 'nonce', 'verifier', 'returnTo'];
  if (fields.some((field) => typeof value[field] !== 'string') || typeof value.expires !== 'number') return null;
  return value as unknown as LoginState;
}

export type CallbackCheck = { readonly ok: true; readonly login: LoginState } | { readonly ok: false; readonly refusal: Refusal };

/** The callback belongs to a login this browser started here, within LOGIN_SECONDS, and carries a code. */
export function checkCallback(login: LoginState | null, state: string, code: string, nowSeconds: number): CallbackCheck {
  if (login === null || login.expires < nowSeconds || login.state !== state || code === '') {
    return { ok: false, refusal: { kind: 'bad-request', detail: 'this login is unknown, expired or was not started here; open MLflow again' } };
  }
  return { ok: true, login };
}

export type CodeAnswer = { readonly ok: true; readonly refreshToken: string } | { readonly ok: false; readonly refusal: Refusal };

/** Keycloak's answer to the code exchange: a refresh token and an ID token carrying this login's nonce. */
export function interpretCodeAnswer(status: number, body: string, nonce: string): CodeAnswer {
  const answer = status === 200 ? parseJsonObject(body) : null;
  const idToken = answer !== null && typeof answer.id_token === 'string' ? decodeJwtPayload(answer.id_token) : null;
  if (answer === null || typeof answer.refresh_token !== 'string' || idToken === null || idToken.nonce !== nonce) {
    return { ok: false, refusal: { kind: 'invalid-token', detail: 'the login was not accepted; open MLflow again' } };
  }
  return { ok: true, refreshToken: answer.refresh_token };
}
