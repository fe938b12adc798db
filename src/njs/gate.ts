/// <reference path="../../node_modules/njs-types/ngx_http_js_module.d.ts" />
/**
 * The njs shell: gathers inputs from nginx, runs the pure core, performs the one Keycloak call, and turns the
 * outcome into what nginx understands. Handlers (see nginx/mlflow-uma-gate.locations.conf):
 *  - authorize: `auth_request` handler. Only 2xx, 401 and 403 pass through `auth_request`, so a refusal is
 *    signalled with 401/403 plus `X-Mlflow-Gate-*` headers carrying the real status and the rendered JSON body,
 *    which `auth_request_set` copies and the `@mlflow_gate_refused` location returns. That location is plain
 *    nginx, not js_content, because js_content would first read (and spool to disk) the refused request's body.
 *  - health: the gate's own health endpoint; reports whether Keycloak answers.
 *  - issuerHost, issuerPath: `js_set` values derived from `$mlflow_gate_issuer` for the Keycloak locations.
 */
import { attributeBody, attributionOf } from '../core/attribution';
import type { AuditRecord } from '../core/audit';
import type { LoginState } from '../core/browser-session';
import {
  authorizationUrl,
  CALLBACK_PATH,
  clearCookie,
  codeTokenRequestBody,
  isBrowserNavigation,
  isSameOriginWrite,
  LOGIN_COOKIE,
  LOGIN_SECONDS,
  parseCookies,
  safeReturnPath,
  SESSION_COOKIE,
  setCookie,
} from '../core/browser-session';
import { auditFields, newAuditRecord } from '../core/audit';
import type { Caller, Preflight } from '../core/authorize';
import { identifyCaller, preflight } from '../core/authorize';
import type { GateConfig } from '../core/config';
import { parseIssuer, readConfig, VARIABLE_PREFIX } from '../core/config';
import type { Credential } from '../core/credentials';
import {
  exchangeCacheKey,
  exchangedTokenCacheSeconds,
  exchangeSealingMaterial,
  interpretTokenResponse,
  rateLimitSubject,
  tokenRequestBody,
} from '../core/credentials';
import hashing from 'crypto';
import {
  decisionRequestBody,
  decisionSubrequestArgs,
  interpretDecision,
  interpretPermissions,
  permissionsRequestBody,
} from '../core/decision';
import type { Refusal } from '../core/refusals';
import { renderRefusal, SIGNALLED_REFUSAL_HEADERS } from '../core/refusals';
import type { AccessTokenClaims } from '../core/token';
import { checkBearerToken, decodeJwtPayload } from '../core/token';

const KEYCLOAK_DECISION_LOCATION = '/_mlflow_gate/keycloak/decision';
const KEYCLOAK_DISCOVERY_LOCATION = '/_mlflow_gate/keycloak/discovery';
const KEYCLOAK_EXCHANGE_LOCATION = '/_mlflow_gate/keycloak/exchange';
const KEYCLOAK_TOKEN_LOCATION = '/_mlflow_gate/keycloak/token';
const KEYCLOAK_PERMISSIONS_LOCATION = '/_mlflow_gate/keycloak/permissions';
const KEYCLOAK_CODE_LOCATION = '/_mlflow_gate/keycloak/code';
const KEYCLOAK_LOGOUT_LOCATION = '/_mlflow_gate/keycloak/logout';
// Upstream names and locations of the snippets: requests whose body the gate attributes go through the helper
// server (mlflow-uma-gate.helper.conf), which rewrites the body and proxies to MLflow itself.
const MLFLOW_UPSTREAM = 'mlflow_gate_mlflow';
const HELPER_UPSTREAM = 'mlflow_gate_helper';
const ATTRIBUTE_LOCATION = '/_mlflow_gate/attribute';
const HELPER_MLFLOW_LOCATION = '/_mlflow_gate/mlflow';

function gateVariable(r: NginxHTTPRequest, name: string): string | undefined {
  const value = r.variables[VARIABLE_PREFIX + name];
  return value === undefined ? undefined : String(value);
}

function gateConfig(r: NginxHTTPRequest): GateConfig | null {
  const result = readConfig((name) => gateVariable(r, name));
  if (result.ok) return result.config;
  r.error(`mlflow-uma-gate: configuration error: ${result.problem}`);
  return null;
}

function authorizationHeaders(r: NginxHTTPRequest): string[] {
  return r.rawHeadersIn
    .filter((header) => String(header[0]).toLowerCase() === 'authorization')
    .map((header) => String(header[1]));
}

/**
 * Hands a rendered refusal to `@mlflow_gate_refused` through `auth_request_set`: the status and body, and
 * each extra header as `X-Mlflow-Gate-<Header>` (the conf adds WWW-Authenticate, Retry-After and Allow back).
 */
function signalRefusal(r: NginxHTTPRequest, refusal: Refusal, bearerRealm: string, audit: AuditRecord): void {
  audit.decision = refusal.kind === 'forbidden' ? 'deny' : 'refuse';
  audit.reason = refusal.kind;
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(audit);
  const rendered = renderRefusal(refusal, bearerRealm);
  r.headersOut['X-Mlflow-Gate-Status'] = String(rendered.status);
  r.headersOut['X-Mlflow-Gate-Body'] = rendered.body;
  Object.keys(rendered.headers).forEach((name) => {
    if (SIGNALLED_REFUSAL_HEADERS.indexOf(name) >= 0) r.headersOut[`X-Mlflow-Gate-${name}`] = rendered.headers[name];
  });
  r.return(rendered.status === 401 ? 401 : 403);
}

function sha256Hex(text: string): string {
  return hashing.createHash('sha256').update(text).digest('hex');
}

/** AES-GCM under a key derived from `material`: what the exchange cache stores is useless without it. */
async function sealingKey(material: string) {
  const raw = hashing.createHash('sha256').update(material).digest();
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

// njs has AES-GCM (0.7.0+), but njs-types 0.7.12 leaves AesGcmParams out of CipherAlgorithm.
function aesGcm(iv: Uint8Array): CipherAlgorithm {
  const params: AesGcmParams = { name: 'AES-GCM', iv };
  return params as unknown as CipherAlgorithm;
}

async function seal(material: string, text: string): Promise<string> {
  const iv = new Uint8Array(12);
  crypto.getRandomValues(iv);
  const key = await sealingKey(material);
  const sealed = await crypto.subtle.encrypt(aesGcm(iv), key, text);
  return Buffer.concat([Buffer.from(iv), Buffer.from(sealed)]).toString('base64url');
}

async function unseal(material: string, sealed: string): Promise<string> {
  const bytes = Buffer.from(sealed, 'base64url');
  const key = await sealingKey(material);
  const opened = await crypto.subtle.decrypt(aesGcm(bytes.slice(0, 12)), key, bytes.slice(12));
  return Buffer.from(opened).toString();
}

type Identified =
  | { readonly ok: true; readonly token: string; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly refusal: Refusal };

/**
 * Basic credentials → an access token, through the exchange location: nginx's cache answers repeats (keyed
 * and sealed by the credential), misses go through the rate-limited helper server to Keycloak.
 */
async function exchangeCredential(
  r: NginxHTTPRequest,
  config: GateConfig,
  credential: Credential,
  nowSeconds: number,
  audit: AuditRecord,
): Promise<Identified> {
  const body = tokenRequestBody(credential);
  const started = Date.now();
  const reply = await r.subrequest(KEYCLOAK_EXCHANGE_LOCATION, {
    method: 'POST',
    args: `key=${exchangeCacheKey(sha256Hex, body)}&client=${encodeURIComponent(rateLimitSubject(credential))}`,
    body,
  });
  audit.keycloak_ms = Date.now() - started;
  if (reply.status === 401) return { ok: false, refusal: { kind: 'invalid-credentials', detail: '' } };
  if (reply.status === 429) return { ok: false, refusal: { kind: 'too-many-attempts', detail: '' } };
  if (reply.status !== 200) return { ok: false, refusal: { kind: 'keycloak-unavailable', detail: `token exchange ${reply.status}` } };
  const sealed = JSON.parse(String(reply.responseText)).sealed;
  const token = await unseal(exchangeSealingMaterial(body), String(sealed));
  const checked = checkBearerToken([`Bearer ${token}`], config.tokenPolicy, nowSeconds);
  if (!checked.ok) {
    r.error(`mlflow-uma-gate: exchanged token of ${credential.clientId} not usable: ${checked.reason}`);
    return { ok: false, refusal: { kind: 'invalid-credentials', detail: '' } };
  }
  return { ok: true, token: checked.token, claims: checked.claims };
}

async function resolveCaller(
  r: NginxHTTPRequest,
  config: GateConfig,
  caller: Caller,
  nowSeconds: number,
  audit: AuditRecord,
): Promise<Identified> {
  const identified =
    caller.kind === 'token'
      ? { ok: true as const, token: caller.token, claims: caller.claims }
      : await exchangeCredential(r, config, caller.credential, nowSeconds, audit);
  if (identified.ok) {
    audit.user = identified.claims.username;
    audit.client = identified.claims.clientId;
  }
  return identified;
}

async function askKeycloak(
  r: NginxHTTPRequest,
  config: GateConfig,
  asked: Extract<Preflight, { kind: 'ask-keycloak' }>,
  token: string,
  nowSeconds: number,
  audit: AuditRecord,
) {
  // The Keycloak locations send this as the Authorization header (js_var, shared with their subrequests).
  r.variables.mlflow_gate_bearer = `Bearer ${token}`;
  const started = Date.now();
  const reply = await r.subrequest(KEYCLOAK_DECISION_LOCATION, {
    method: 'POST',
    args: decisionSubrequestArgs(
      sha256Hex,
      token,
      config.resourceServer,
      asked.permission,
      config.allowLifetimeSeconds,
      nowSeconds,
    ),
    body: decisionRequestBody(config.resourceServer, asked.permission),
  });
  audit.keycloak_ms = (audit.keycloak_ms || 0) + Date.now() - started;
  audit.cache = String(reply.variables.upstream_cache_status || '');
  return interpretDecision(asked.permission, reply.status, reply.responseText ? String(reply.responseText) : '');
}

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

function randomToken(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}

/** The browser session the cookie carries; none when browser login is off or the cookie does not open. */
async function sessionCredential(r: NginxHTTPRequest, config: GateConfig): Promise<Credential | null> {
  if (config.sessionKey === null) return null;
  const sealed = parseCookies(String(r.variables.http_cookie || ''))[SESSION_COOKIE];
  if (!sealed) return null;
  try {
    const refreshToken = await unseal(sessionMaterial(config.sessionKey), sealed);
    const claims = decodeJwtPayload(refreshToken);
    const subject = claims !== null && typeof claims.sub === 'string' ? claims.sub : '';
    return { grant: 'refresh_token', clientId: config.loginClient, subject, refreshToken };
  } catch (e) {
    return null;
  }
}

/** Sends a browser without a usable session to Keycloak's login page (authorization code + PKCE). */
async function signalLogin(r: NginxHTTPRequest, config: GateConfig, sessionKey: string, audit: AuditRecord): Promise<void> {
  const login: LoginState = {
    state: randomToken(),
    nonce: randomToken(),
    verifier: randomToken(),
    returnTo: safeReturnPath(String(r.variables.request_uri)),
    expires: Math.floor(Date.now() / 1000) + LOGIN_SECONDS,
  };
  const challenge = hashing.createHash('sha256').update(login.verifier).digest('base64url');
  const redirectUri = `${ownOrigin(r)}${CALLBACK_PATH}`;
  const sealed = await seal(loginMaterial(sessionKey), JSON.stringify(login));
  audit.reason = 'login';
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(audit);
  r.headersOut['X-Mlflow-Gate-Status'] = '302';
  r.headersOut['X-Mlflow-Gate-Location'] = authorizationUrl(config.tokenPolicy.issuer, config.loginClient, redirectUri, login, challenge);
  r.headersOut['X-Mlflow-Gate-Set-Cookie'] = setCookie(LOGIN_COOKIE, sealed, config.cookieSecure, LOGIN_SECONDS);
  r.return(401);
}

async function decide(r: NginxHTTPRequest, config: GateConfig, audit: AuditRecord): Promise<void> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const authorization = authorizationHeaders(r);
  const session = authorization.length === 0 ? await sessionCredential(r, config) : null;
  const asked = preflight(
    {
      method: audit.method,
      target: String(r.variables.request_uri),
      authorization,
      headerNames: r.rawHeadersIn.map((header) => String(header[0])),
      nowSeconds,
      session,
      sameOriginWrite: isSameOriginWrite(audit.method, String(r.headersIn.Origin || ''), String(r.headersIn.Referer || ''), ownOrigin(r)),
    },
    config,
    mlflow_gate_routes,
  );
  const navigation = config.sessionKey !== null && isBrowserNavigation(audit.method, String(r.headersIn.Accept || ''));
  if (asked.kind === 'refuse') {
    if (navigation && config.sessionKey !== null && asked.refusal.kind === 'no-token') {
      await signalLogin(r, config, config.sessionKey, audit);
      return;
    }
    signalRefusal(r, asked.refusal, config.bearerRealm, audit);
    return;
  }
  audit.permission = asked.permission;
  const identified = await resolveCaller(r, config, asked.caller, nowSeconds, audit);
  if (!identified.ok) {
    // A session Keycloak no longer honours (ended, expired): a navigation logs in again.
    if (navigation && config.sessionKey !== null && session !== null && identified.refusal.kind === 'invalid-credentials') {
      await signalLogin(r, config, config.sessionKey, audit);
      return;
    }
    signalRefusal(r, identified.refusal, config.bearerRealm, audit);
    return;
  }
  const decision = await askKeycloak(r, config, asked, identified.token, nowSeconds, audit);
  if (!decision.allowed) {
    if (decision.logLine) r.error(`mlflow-uma-gate: ${decision.logLine}`);
    signalRefusal(r, decision.refusal, config.bearerRealm, audit);
    return;
  }
  audit.decision = 'allow';
  const attributed = audit.method === 'POST' && attributionOf(asked.rule) !== null;
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(audit);
  r.headersOut['X-Mlflow-Gate-User'] = encodeURIComponent(identified.claims.username);
  r.headersOut['X-Mlflow-Gate-Upstream'] = attributed ? HELPER_UPSTREAM : MLFLOW_UPSTREAM;
  r.headersOut['X-Mlflow-Gate-Target'] = attributed ? `${ATTRIBUTE_LOCATION}${asked.upstreamTarget}` : asked.upstreamTarget;
  r.return(204);
}

/** `auth_request` handler. Any exception is a 500 refusal: the request is never proxied. */
async function authorize(r: NginxHTTPRequest): Promise<void> {
  const audit = newAuditRecord(String(r.variables.request_method), String(r.variables.request_uri));
  const config = gateConfig(r);
  if (config === null) {
    signalRefusal(r, { kind: 'internal', detail: 'gate configuration error' }, 'mlflow', audit);
    return;
  }
  try {
    await decide(r, config, audit);
  } catch (e) {
    r.error(`mlflow-uma-gate: exception while authorizing: ${e}`);
    signalRefusal(r, { kind: 'internal', detail: 'exception, see the NGINX error log' }, config.bearerRealm, audit);
  }
}

function send(r: NginxHTTPRequest, status: number, headers: { [name: string]: string }, body: string): void {
  Object.keys(headers).forEach((name) => {
    r.headersOut[name] = headers[name];
  });
  r.return(status, body);
}

async function health(r: NginxHTTPRequest): Promise<void> {
  const reply = await r.subrequest(KEYCLOAK_DISCOVERY_LOCATION, { method: 'GET' });
  const reachable = reply.status === 200;
  const body = JSON.stringify({
    status: reachable ? 'ok' : 'unavailable',
    keycloak: reachable ? 'reachable' : `unreachable (status ${reply.status})`,
    njs: njs.version,
  });
  send(r, reachable ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body);
}

function sendRefusal(r: NginxHTTPRequest, refusal: Refusal, bearerRealm: string): void {
  const rendered = renderRefusal(refusal, bearerRealm);
  send(r, rendered.status, rendered.headers, rendered.body);
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };

/**
 * js_content of the helper server (nginx/mlflow-uma-gate.helper.conf): asks Keycloak's token endpoint
 * once and answers with the access token sealed under the credential, and with how long nginx may cache
 * that answer (X-Accel-Expires). Failures are never cached.
 */
async function exchange(r: NginxHTTPRequest): Promise<void> {
  const body = r.requestText ? String(r.requestText) : '';
  const reply = await r.subrequest(KEYCLOAK_TOKEN_LOCATION, { method: 'POST', body });
  const exchanged = interpretTokenResponse(reply.status, reply.responseText ? String(reply.responseText) : '');
  if (!exchanged.ok) {
    if (exchanged.status === 503) r.error(`mlflow-uma-gate: token exchange failed: ${exchanged.reason}`);
    send(r, exchanged.status, { ...JSON_HEADERS, 'X-Accel-Expires': '0' }, JSON.stringify({ error: exchanged.reason }));
    return;
  }
  const sealed = await seal(exchangeSealingMaterial(body), exchanged.accessToken);
  const cacheSeconds = exchangedTokenCacheSeconds(exchanged.expiresIn);
  send(r, 200, { ...JSON_HEADERS, 'X-Accel-Expires': String(cacheSeconds) }, JSON.stringify({ sealed }));
}

/**
 * js_content of the helper server for an allowed request whose JSON body names its user: sets or checks
 * `mlflow.user` (src/core/attribution.ts) with the user the gate verified, then proxies to MLflow.
 */
async function attribute(r: NginxHTTPRequest): Promise<void> {
  const target = String(r.variables.request_uri).slice(ATTRIBUTE_LOCATION.length);
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const username = decodeURIComponent(String(r.headersIn['X-Mlflow-Gate-User'] || ''));
  if (username === '') {
    sendRefusal(r, { kind: 'internal', detail: 'attribution without a verified user' }, 'mlflow');
    return;
  }
  const attributed = attributeBody(path, r.requestText ? String(r.requestText) : '', username);
  if (!attributed.ok) {
    sendRefusal(r, attributed.refusal, 'mlflow');
    return;
  }
  // Only POST routes are attributed (attributionOf in decide).
  const reply = await r.subrequest(`${HELPER_MLFLOW_LOCATION}${path}`, {
    method: 'POST',
    args: queryStart < 0 ? '' : target.slice(queryStart + 1),
    body: attributed.body,
  });
  if (reply.status === 502 || reply.status === 504) {
    sendRefusal(r, { kind: reply.status === 502 ? 'mlflow-unreachable' : 'mlflow-timeout', detail: '' }, 'mlflow');
    return;
  }
  const contentType = String(reply.headersOut['Content-Type'] || 'application/json');
  send(r, reply.status, { 'Content-Type': contentType }, reply.responseText ? String(reply.responseText) : '');
}

/** The login callback: checks state, PKCE and nonce, and turns the code into the session cookie. */
async function callback(r: NginxHTTPRequest): Promise<void> {
  const config = gateConfig(r);
  if (config === null || config.sessionKey === null) {
    sendRefusal(r, { kind: 'internal', detail: 'browser login is not configured' }, 'mlflow');
    return;
  }
  const sealed = parseCookies(String(r.variables.http_cookie || ''))[LOGIN_COOKIE] || '';
  let login: LoginState | null = null;
  try {
    const opened = await unseal(loginMaterial(config.sessionKey), sealed);
    login = JSON.parse(opened);
  } catch (e) {
    login = null;
  }
  const code = String(r.args.code || '');
  if (login === null || login.expires < Date.now() / 1000 || login.state !== String(r.args.state || '') || code === '') {
    sendRefusal(r, { kind: 'bad-request', detail: 'this login is unknown, expired or was not started here; open MLflow again' }, config.bearerRealm);
    return;
  }
  const reply = await r.subrequest(KEYCLOAK_CODE_LOCATION, {
    method: 'POST',
    body: codeTokenRequestBody(config.loginClient, code, `${ownOrigin(r)}${CALLBACK_PATH}`, login.verifier),
  });
  const answer = reply.status === 200 ? decodeJsonObject(String(reply.responseText || '')) : null;
  const idToken = answer !== null && typeof answer.id_token === 'string' ? decodeJwtPayload(answer.id_token) : null;
  if (answer === null || typeof answer.refresh_token !== 'string' || idToken === null || idToken.nonce !== login.nonce) {
    r.error(`mlflow-uma-gate: login callback: Keycloak answered ${reply.status} without a matching session`);
    sendRefusal(r, { kind: 'invalid-token', detail: 'the login was not accepted; open MLflow again' }, config.bearerRealm);
    return;
  }
  const session = await seal(sessionMaterial(config.sessionKey), answer.refresh_token);
  r.headersOut['Set-Cookie'] = [setCookie(SESSION_COOKIE, session, config.cookieSecure), clearCookie(LOGIN_COOKIE, config.cookieSecure)];
  r.headersOut['Cache-Control'] = 'no-store';
  r.return(302, login.returnTo);
}

/** Ends the browser session at the gate and at Keycloak, then starts over at MLflow's front page. */
async function logout(r: NginxHTTPRequest): Promise<void> {
  const config = gateConfig(r);
  if (config === null) {
    sendRefusal(r, { kind: 'internal', detail: 'gate configuration error' }, 'mlflow');
    return;
  }
  const session = await sessionCredential(r, config);
  if (session !== null && session.grant === 'refresh_token') {
    const body = `client_id=${encodeURIComponent(session.clientId)}&refresh_token=${encodeURIComponent(session.refreshToken)}`;
    const reply = await r.subrequest(KEYCLOAK_LOGOUT_LOCATION, { method: 'POST', body });
    if (reply.status >= 300) r.error(`mlflow-uma-gate: Keycloak answered ${reply.status} to a logout`);
  }
  r.headersOut['Set-Cookie'] = [clearCookie(SESSION_COOKIE, config.cookieSecure)];
  r.headersOut['Cache-Control'] = 'no-store';
  r.return(302, '/');
}

function decodeJsonObject(text: string): { [name: string]: unknown } | null {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { [name: string]: unknown }) : null;
  } catch (e) {
    return null;
  }
}

/** The caller's name and what the realm lets them do on MLflow: `mlflow-uma-gate whoami`. */
async function whoami(r: NginxHTTPRequest): Promise<void> {
  const config = gateConfig(r);
  if (config === null) {
    sendRefusal(r, { kind: 'internal', detail: 'gate configuration error' }, 'mlflow');
    return;
  }
  const nowSeconds = Math.floor(Date.now() / 1000);
  const caller = identifyCaller(authorizationHeaders(r), config.tokenPolicy, nowSeconds);
  if (!caller.ok) {
    sendRefusal(r, caller.refusal, config.bearerRealm);
    return;
  }
  const notAudited = newAuditRecord('GET', String(r.variables.request_uri));
  const identified = await resolveCaller(r, config, caller.caller, nowSeconds, notAudited);
  if (!identified.ok) {
    sendRefusal(r, identified.refusal, config.bearerRealm);
    return;
  }
  r.variables.mlflow_gate_bearer = `Bearer ${identified.token}`;
  const reply = await r.subrequest(KEYCLOAK_PERMISSIONS_LOCATION, {
    method: 'POST',
    body: permissionsRequestBody(config.resourceServer),
  });
  const permissions = interpretPermissions(reply.status, reply.responseText ? String(reply.responseText) : '');
  if (!permissions.ok) {
    sendRefusal(r, permissions.refusal, config.bearerRealm);
    return;
  }
  const body = JSON.stringify({
    user: identified.claims.username,
    client: identified.claims.clientId,
    permissions: permissions.permissions,
  });
  send(r, 200, JSON_HEADERS, body);
}

/** Where `mlflow-uma-gate login` signs people in: the realm and the public client. Needs no token. */
function loginSettings(r: NginxHTTPRequest): void {
  const config = gateConfig(r);
  if (config === null) {
    sendRefusal(r, { kind: 'internal', detail: 'gate configuration error' }, 'mlflow');
    return;
  }
  send(r, 200, JSON_HEADERS, JSON.stringify({ issuer: config.tokenPolicy.issuer, client_id: config.loginClient }));
}

/** `js_set` handlers: an unusable issuer yields an empty value, which makes the Keycloak locations fail (503). */
function issuerHost(r: NginxHTTPRequest): string {
  const issuer = parseIssuer(gateVariable(r, 'issuer') || '');
  return issuer === null ? '' : issuer.host;
}

function issuerPath(r: NginxHTTPRequest): string {
  const issuer = parseIssuer(gateVariable(r, 'issuer') || '');
  return issuer === null ? '' : issuer.path;
}

export default { attribute, authorize, callback, exchange, health, issuerHost, issuerPath, loginSettings, logout, whoami };
