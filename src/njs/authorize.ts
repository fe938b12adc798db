/**
 * The `auth_request` handler. Only 2xx, 401 and 403 pass through `auth_request`, so a refusal is signalled
 * with 401/403 plus `X-Mlflow-Gate-*` headers carrying the real status and the rendered JSON body, which
 * `auth_request_set` copies and the `@mlflow_gate_refused` location returns. That location is plain nginx,
 * not js_content, because js_content would first read (and spool to disk) the refused request's body.
 */
import { proxyRoute } from '../core/attribution';
import { auditFields } from '../core/audit';
import { preflight } from '../core/authorize';
import { isBrowserNavigation, isSameOriginWrite, sendsToLogin } from '../core/browser-session';
import { decisionIncrements } from '../core/metrics';
import type { Refusal, RenderedRefusal } from '../core/refusals';
import { SIGNALLED_REFUSAL_HEADERS } from '../core/refusals';
import { openSession, renewedSessionCookie, startLogin } from './browser';
import type { Frame, FrameBasics } from './frame';
import { authorizationHeaders, handler } from './frame';
import { askKeycloak, resolveCaller } from './keycloak';
import { count } from './metrics';
import { askProject } from './projects';
import { routeIndex } from './route-index';

// The upstreams of the snippets: MLflow, or the helper server (mlflow-uma-gate.helper.conf) for attribution.
const UPSTREAMS = { mlflow: 'mlflow_gate_mlflow', helper: 'mlflow_gate_helper' } as const;

/**
 * The refusal channel of `auth_request`: the status and body, and each extra header as
 * `X-Mlflow-Gate-<Header>` (the conf adds WWW-Authenticate, Retry-After and Allow back).
 */
function signal(r: NginxHTTPRequest, rendered: RenderedRefusal, refusal: Refusal, basics: FrameBasics): void {
  basics.audit.decision = refusal.kind === 'forbidden' ? 'deny' : 'refuse';
  basics.audit.reason = refusal.kind;
  count(r, () => decisionIncrements(basics.audit.decision, refusal.kind));
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(basics.audit);
  r.headersOut['X-Mlflow-Gate-Status'] = String(rendered.status);
  r.headersOut['X-Mlflow-Gate-Body'] = rendered.body;
  SIGNALLED_REFUSAL_HEADERS.forEach((name) => {
    if (rendered.headers[name] !== undefined) r.headersOut[`X-Mlflow-Gate-${name}`] = rendered.headers[name];
  });
  r.return(rendered.status === 401 ? 401 : 403);
}

/** Sends a browser without a usable session to Keycloak's login page. */
async function signalLogin(frame: Frame, sessionKey: string): Promise<void> {
  const r = frame.r;
  const login = await startLogin(frame, sessionKey);
  frame.audit.reason = 'login';
  count(r, () => decisionIncrements('login', ''));
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(frame.audit);
  r.headersOut['X-Mlflow-Gate-Status'] = '302';
  r.headersOut['X-Mlflow-Gate-Location'] = login.location;
  r.headersOut['X-Mlflow-Gate-Set-Cookie'] = login.cookie;
  r.return(401);
}

async function decide(frame: Frame): Promise<void> {
  const r = frame.r;
  const config = frame.config;
  const method = frame.audit.method;
  const nowSeconds = Math.floor(Date.now() / 1000);
  const authorization = authorizationHeaders(r);
  const session = authorization.length === 0 ? await openSession(frame, nowSeconds) : null;
  const ownOrigin = `${r.variables.scheme}://${r.variables.http_host}`;
  const asked = preflight(
    {
      method,
      target: String(r.variables.request_uri),
      authorization,
      headers: r.rawHeadersIn.map((header) => [String(header[0]), String(header[1])] as const),
      nowSeconds,
      session,
      sameOriginWrite: isSameOriginWrite(method, String(r.headersIn.Origin || ''), String(r.headersIn.Referer || ''), ownOrigin),
    },
    config,
    routeIndex(),
  );
  const sessionKey = config.sessionKey;
  const navigation = sessionKey !== null && isBrowserNavigation(method, String(r.headersIn.Accept || ''));
  if (asked.kind === 'refuse') {
    if (sessionKey !== null && sendsToLogin(navigation, asked.refusal, false)) return signalLogin(frame, sessionKey);
    return frame.refuse(asked.refusal);
  }
  frame.audit.permission = asked.permission;
  const identified = await resolveCaller(frame, asked.caller, nowSeconds);
  if (!identified.ok) {
    if (sessionKey !== null && sendsToLogin(navigation, identified.refusal, session !== null)) return signalLogin(frame, sessionKey);
    return frame.refuse(identified.refusal);
  }
  const decision =
    asked.project === null
      ? await askKeycloak(frame, asked.permission, identified.token, nowSeconds)
      : await askProject(frame, asked.permission, asked.project, identified.token, nowSeconds);
  if (!decision.allowed) {
    if (decision.logLine) r.error(`mlflow-uma-gate: ${decision.logLine}`);
    return frame.refuse(decision.refusal);
  }
  frame.audit.decision = 'allow';
  count(r, () => decisionIncrements('allow', ''));
  const route = proxyRoute(method, asked.rule, asked.upstreamTarget, asked.workspaceOperation);
  const renewed = session === null ? null : await renewedSessionCookie(frame, session, identified.refreshToken, nowSeconds);
  if (renewed !== null) r.headersOut['X-Mlflow-Gate-Set-Cookie'] = renewed;
  r.headersOut['X-Mlflow-Gate-Audit'] = auditFields(frame.audit);
  r.headersOut['X-Mlflow-Gate-User'] = encodeURIComponent(identified.claims.username);
  r.headersOut['X-Mlflow-Gate-Upstream'] = UPSTREAMS[route.upstream];
  r.headersOut['X-Mlflow-Gate-Target'] = route.target;
  if (asked.workspace !== '') r.headersOut['X-Mlflow-Gate-Workspace'] = asked.workspace;
  if (route.upstream === 'helper' && asked.workspaceOperation !== null) {
    // Only for the helper server's project handlers, which manage resources and list what the caller may read.
    r.headersOut['X-Mlflow-Gate-Bearer'] = `Bearer ${identified.token}`;
    r.headersOut['X-Mlflow-Gate-Secret'] = config.resourceServerSecret || '';
  }
  r.return(204);
}

/** Any exception is a 500 refusal (the frame): the request is never proxied. */
export const authorize = /* @__PURE__ */ handler(decide, signal);
