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
import type { Preflight } from '../core/authorize';
import { preflight } from '../core/authorize';
import type { GateConfig } from '../core/config';
import { parseIssuer, readConfig, VARIABLE_PREFIX } from '../core/config';
import crypto from 'crypto';
import { decisionRequestBody, decisionSubrequestArgs, interpretDecision } from '../core/decision';
import type { Refusal } from '../core/refusals';
import { renderRefusal, SIGNALLED_REFUSAL_HEADERS } from '../core/refusals';

const KEYCLOAK_DECISION_LOCATION = '/_mlflow_gate/keycloak/decision';
const KEYCLOAK_DISCOVERY_LOCATION = '/_mlflow_gate/keycloak/discovery';

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
function signalRefusal(r: NginxHTTPRequest, refusal: Refusal, bearerRealm: string): void {
  const rendered = renderRefusal(refusal, bearerRealm);
  r.headersOut['X-Mlflow-Gate-Status'] = String(rendered.status);
  r.headersOut['X-Mlflow-Gate-Body'] = rendered.body;
  Object.keys(rendered.headers).forEach((name) => {
    if (SIGNALLED_REFUSAL_HEADERS.indexOf(name) >= 0) r.headersOut[`X-Mlflow-Gate-${name}`] = rendered.headers[name];
  });
  r.return(rendered.status === 401 ? 401 : 403);
}

function sha256Hex(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

async function askKeycloak(
  r: NginxHTTPRequest,
  config: GateConfig,
  asked: Extract<Preflight, { kind: 'ask-keycloak' }>,
  nowSeconds: number,
) {
  const reply = await r.subrequest(KEYCLOAK_DECISION_LOCATION, {
    method: 'POST',
    args: decisionSubrequestArgs(
      sha256Hex,
      asked.token,
      config.resourceServer,
      asked.permission,
      config.allowLifetimeSeconds,
      nowSeconds,
    ),
    body: decisionRequestBody(config.resourceServer, asked.permission),
  });
  return interpretDecision(asked.permission, reply.status, reply.responseText ? String(reply.responseText) : '');
}

async function decide(r: NginxHTTPRequest, config: GateConfig): Promise<void> {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const asked = preflight(
    {
      method: String(r.variables.request_method),
      target: String(r.variables.request_uri),
      authorization: authorizationHeaders(r),
      headerNames: r.rawHeadersIn.map((header) => String(header[0])),
      nowSeconds,
    },
    config,
    mlflow_gate_routes,
  );
  if (asked.kind === 'refuse') {
    signalRefusal(r, asked.refusal, config.bearerRealm);
    return;
  }
  const decision = await askKeycloak(r, config, asked, nowSeconds);
  if (!decision.allowed) {
    if (decision.logLine) r.error(`mlflow-uma-gate: ${decision.logLine}`);
    signalRefusal(r, decision.refusal, config.bearerRealm);
    return;
  }
  r.headersOut['X-Mlflow-Gate-User'] = encodeURIComponent(asked.claims.username);
  r.headersOut['X-Mlflow-Gate-Target'] = asked.upstreamTarget;
  r.return(204);
}

/** `auth_request` handler. Any exception is a 500 refusal: the request is never proxied. */
async function authorize(r: NginxHTTPRequest): Promise<void> {
  const config = gateConfig(r);
  if (config === null) {
    signalRefusal(r, { kind: 'internal', detail: 'gate configuration error' }, 'mlflow');
    return;
  }
  try {
    await decide(r, config);
  } catch (e) {
    r.error(`mlflow-uma-gate: exception while authorizing: ${e}`);
    signalRefusal(r, { kind: 'internal', detail: 'exception, see the NGINX error log' }, config.bearerRealm);
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

/** `js_set` handlers: an unusable issuer yields an empty value, which makes the Keycloak locations fail (503). */
function issuerHost(r: NginxHTTPRequest): string {
  const issuer = parseIssuer(gateVariable(r, 'issuer') || '');
  return issuer === null ? '' : issuer.host;
}

function issuerPath(r: NginxHTTPRequest): string {
  const issuer = parseIssuer(gateVariable(r, 'issuer') || '');
  return issuer === null ? '' : issuer.path;
}

export default { authorize, health, issuerHost, issuerPath };
