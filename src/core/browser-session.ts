/**
 * Browser login: the MLflow UI through Keycloak's login page, without a local proxy. Pure parts only: which
 * requests are sent to the login page, the authorization request, the cookies, and the cross-site check.
 *
 * The session cookie holds the Keycloak refresh token, sealed (AES-GCM) under the configured session key;
 * the gate turns it into access tokens like Basic logins (cached until shortly before expiry), so the access
 * token is refreshed without the browser noticing. Cookies are HttpOnly and SameSite=Lax, Secure unless
 * configured off for plain-http development.
 */
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
