/**
 * Browser login (src/core/browser-session.ts decides; this gathers and renders): the session cookie opened,
 * the redirect to Keycloak's login page, the callback that turns a code into a session, the renewal of the
 * session cookie, and logout.
 */
import type { Credential } from '../core/credentials';
import type { LoginState } from '../core/browser-session';
import {
  authorizationUrl,
  CALLBACK_PATH,
  checkCallback,
  clearCookie,
  codeTokenRequestBody,
  interpretCodeAnswer,
  LOGIN_COOKIE,
  LOGIN_SECONDS,
  parseCookies,
  parseLoginState,
  renewedRefreshToken,
  safeReturnPath,
  SESSION_COOKIE,
  sessionCredential,
  setCookie,
} from '../core/browser-session';
import type { Frame } from './frame';
import { handler, respond, send } from './frame';
import { KEYCLOAK_LOCATIONS, postToKeycloak } from './keycloak';
import { randomToken, seal, sha256Base64url, unseal } from './sealing';

// Distinct labels, so that the session and login cookies are sealed under different keys.
function sessionMaterial(sessionKey: string): string {
  return `mlflow-uma-gate session\n${sessionKey}`;
}

function loginMaterial(sessionKey: string): string {
  return `mlflow-uma-gate login\n${sessionKey}`;
}

function ownOrigin(r: NginxHTTPRequest): string {
  return `${r.variables.scheme}://${r.variables.http_host}`;
}

function cookie(r: NginxHTTPRequest, name: string): string {
  return parseCookies(String(r.variables.http_cookie || ''))[name] || '';
}

/** The browser session the cookie carries; null when browser login is off or the cookie does not open or has expired. */
export async function openSession(frame: Frame, nowSeconds: number): Promise<Credential | null> {
  const sessionKey = frame.config.sessionKey;
  const sealed = cookie(frame.r, SESSION_COOKIE);
  if (sessionKey === null || sealed === '') return null;
  const refreshToken = await unseal(sessionMaterial(sessionKey), sealed);
  return refreshToken === null ? null : sessionCredential(refreshToken, frame.config.loginClient, nowSeconds);
}

/** The renewed session cookie, when Keycloak rotated the session's refresh token far enough (renewedRefreshToken). */
export async function renewedSessionCookie(frame: Frame, session: Credential, freshRefreshToken: string | null, nowSeconds: number): Promise<string | null> {
  if (frame.config.sessionKey === null || session.grant !== 'refresh_token') return null;
  const renewed = renewedRefreshToken(session.refreshToken, freshRefreshToken, nowSeconds);
  if (renewed === null) return null;
  const sealed = await seal(sessionMaterial(frame.config.sessionKey), renewed);
  return setCookie(SESSION_COOKIE, sealed, frame.config.cookieSecure);
}

/** Where a browser without a usable session is sent (authorization code + PKCE), and the login cookie it keeps meanwhile. */
export async function startLogin(frame: Frame, sessionKey: string): Promise<{ readonly location: string; readonly cookie: string }> {
  const r = frame.r;
  const login: LoginState = {
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(),
    returnTo: safeReturnPath(String(r.variables.request_uri)),
    expires: Math.floor(Date.now() / 1000) + LOGIN_SECONDS,
  };
  const redirectUri = `${ownOrigin(r)}${CALLBACK_PATH}`;
  const sealed = await seal(loginMaterial(sessionKey), JSON.stringify(login));
  return {
    location: authorizationUrl(frame.config.tokenPolicy.issuer, frame.config.loginClient, redirectUri, login, sha256Base64url(login.verifier)),
    cookie: setCookie(LOGIN_COOKIE, sealed, frame.config.cookieSecure, LOGIN_SECONDS),
  };
}

/** The login callback: checks state, PKCE and nonce, and turns the code into the session cookie. */
export const callback = /* @__PURE__ */ handler(async (frame) => {
  const r = frame.r;
  const sessionKey = frame.config.sessionKey;
  if (sessionKey === null) {
    frame.refuse({ kind: 'internal', detail: 'browser login is not configured' });
    return;
  }
  const opened = await unseal(loginMaterial(sessionKey), cookie(r, LOGIN_COOKIE));
  const checked = checkCallback(opened === null ? null : parseLoginState(opened), String(r.args.state || ''), String(r.args.code || ''), Date.now() / 1000);
  if (!checked.ok) {
    frame.refuse(checked.refusal);
    return;
  }
  const login = checked.login;
  const body = codeTokenRequestBody(frame.config.loginClient, String(r.args.code), `${ownOrigin(r)}${CALLBACK_PATH}`, login.verifier);
  const reply = await postToKeycloak(frame, KEYCLOAK_LOCATIONS.code, body);
  const answer = interpretCodeAnswer(reply.status, reply.body, login.nonce);
  if (!answer.ok) {
    r.error(`mlflow-uma-gate: login callback: Keycloak answered ${reply.status} without a matching session`);
    frame.refuse(answer.refusal);
    return;
  }
  const session = await seal(sessionMaterial(sessionKey), answer.refreshToken);
  r.headersOut['Set-Cookie'] = [setCookie(SESSION_COOKIE, session, frame.config.cookieSecure), clearCookie(LOGIN_COOKIE, frame.config.cookieSecure)];
  send(frame, 302, { 'Cache-Control': 'no-store' }, login.returnTo);
}, respond);

/** Ends the browser session at the gate and at Keycloak, then starts over at MLflow's front page. */
export const logout = /* @__PURE__ */ handler(async (frame) => {
  const session = await openSession(frame, Math.floor(Date.now() / 1000));
  if (session !== null && session.grant === 'refresh_token') {
    const body = `client_id=${encodeURIComponent(session.clientId)}&refresh_token=${encodeURIComponent(session.refreshToken)}`;
    const reply = await postToKeycloak(frame, KEYCLOAK_LOCATIONS.logout, body);
    if (reply.status >= 300) frame.r.error(`mlflow-uma-gate: Keycloak answered ${reply.status} to a logout`);
  }
  frame.r.headersOut['Set-Cookie'] = [clearCookie(SESSION_COOKIE, frame.config.cookieSecure)];
  send(frame, 302, { 'Cache-Control': 'no-store' }, '/');
}, respond);
