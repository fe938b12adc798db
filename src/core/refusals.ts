/**
 * Every way the gate can refuse a request, with the HTTP status and the MLflow-style error body it produces.
 * MLflow's client turns `{"error_code", "message"}` into `MlflowException("<error_code>: <message>")`,
 * so the message is what a data scientist reads: it says what happened and what to do.
 */

/**
 * The refusals by kind. A function, not a constant: njs 0.7.9 evaluates a bundle's top level on every request,
 * and only a refused request needs the table.
 */
export function refusalTable() {
  return {
    'bad-request': { status: 400, code: 'BAD_REQUEST', message: 'Request refused by the gate: %s.' },
    'no-token': {
      status: 401,
      code: 'UNAUTHENTICATED',
      message:
        'Authentication required: log in with "mlflow-uma-gate login", or send an access token as "Authorization: Bearer <token>" (MLFLOW_TRACKING_TOKEN), or a service account\'s client id and secret (MLFLOW_TRACKING_USERNAME/PASSWORD).',
    },
    'invalid-token': { status: 401, code: 'UNAUTHENTICATED', message: 'Invalid access token: %s. Obtain a new token.' },
    'invalid-credentials': {
      status: 401,
      code: 'UNAUTHENTICATED',
      message:
        'Invalid user name or password (MLFLOW_TRACKING_USERNAME/PASSWORD or ~/.mlflow/credentials): run "mlflow-uma-gate login" again, or check the service account\'s client id and secret.',
    },
    'too-many-attempts': {
      status: 429,
      code: 'REQUEST_LIMIT_EXCEEDED',
      message: 'Too many sign-in attempts for this client or address; try again later.',
    },
    'unknown-route': { status: 403, code: 'PERMISSION_DENIED', message: 'Unknown MLflow endpoint %s: refused by the gate.' },
    'method-not-allowed': {
      status: 405,
      code: 'BAD_REQUEST',
      message: 'Method not allowed on this MLflow endpoint (allowed: %s): refused by the gate.',
    },
    'disabled-route': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'This MLflow endpoint is disabled behind the gate because it trusts the client address: %s.',
    },
    'ambiguous-route': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'The gate cannot tell which MLflow endpoint serves this path (%s): refused.',
    },
    forbidden: { status: 403, code: 'PERMISSION_DENIED', message: 'Permission denied: this request needs %s.' },
    'project-exists': { status: 400, code: 'RESOURCE_ALREADY_EXISTS', message: 'A project (workspace) named %s exists already.' },
    'project-name-held': {
      status: 400,
      code: 'RESOURCE_ALREADY_EXISTS',
      message:
        'The name %s belongs to a deleted project whose files may remain: only its former owner can create it again, or an administrator releases the name.',
    },
    'project-name-resting': {
      status: 400,
      code: 'RESOURCE_ALREADY_EXISTS',
      message: 'The name %s belongs to a project deleted moments ago, so that nothing granted in it reaches a new one; try again then.',
    },
    'no-project': { status: 404, code: 'RESOURCE_DOES_NOT_EXIST', message: 'No project (workspace) named %s.' },
    'not-project-owner': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'Only the owner of project %s shares it (and sees its shares).',
    },
    'unknown-group': { status: 404, code: 'RESOURCE_DOES_NOT_EXIST', message: 'The realm has no group %s.' },
    'cross-site': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'Cross-site request refused: a change made with the browser session must come from this MLflow (%s).',
    },
    'other-user': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'The gate records the signed-in user (%s) as mlflow.user; setting another user is refused.',
    },
    'unknown-permission': {
      status: 403,
      code: 'PERMISSION_DENIED',
      message: 'Permission denied: the authorization server does not define %s. Ask your administrator.',
    },
    'keycloak-unavailable': {
      status: 503,
      code: 'TEMPORARILY_UNAVAILABLE',
      message: 'The authorization server is unavailable (%s); try again later.',
    },
    internal: { status: 500, code: 'INTERNAL_ERROR', message: 'The gate failed to authorize this request (%s).' },
    // Answered by nginx itself after an allowed request could not be proxied; rendered here so the conf's
    // static bodies have one source (a unit test compares them).
    'mlflow-unreachable': {
      status: 502,
      code: 'TEMPORARILY_UNAVAILABLE',
      message: 'The MLflow server behind the gate is unreachable; try again later.',
    },
    'mlflow-timeout': {
      status: 504,
      code: 'TEMPORARILY_UNAVAILABLE',
      message: 'The MLflow server behind the gate did not answer in time; try again later.',
    },
    'not-found': { status: 404, code: 'ENDPOINT_NOT_FOUND', message: 'Nothing here: %s.' },
    // The metrics server without a metrics zone (njs before 0.8, or the zone left out).
    'metrics-unavailable': {
      status: 501,
      code: 'NOT_IMPLEMENTED',
      message: 'No metrics here: %s.',
    },
    // Answered by nginx when a request header line does not fit its header buffers (its own status 494).
    'headers-too-large': {
      status: 400,
      code: 'BAD_REQUEST',
      message:
        'Request refused by the gate: a request header is too large (an access token, credentials or cookies far beyond the size the gate accepts).',
    },
  } as const;
}

export type RefusalKind = keyof ReturnType<typeof refusalTable>;

export interface Refusal {
  readonly kind: RefusalKind;
  /** Fills the `%s` of the message: a reason, a permission or a list of methods. Never a token. */
  readonly detail: string;
}

export interface RenderedRefusal {
  readonly status: number;
  readonly body: string;
  readonly headers: { [name: string]: string };
}

export const RETRY_AFTER_SECONDS = 5;

/** JSON with every character outside printable ASCII escaped: it travels to nginx in a header value. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (char) => `\\u${`000${char.charCodeAt(0).toString(16)}`.slice(-4)}`,
  );
}
/**
 * Headers a refusal carries besides Content-Type and Cache-Control. They travel from the authorize handler
 * to nginx as `X-Mlflow-Gate-<name>`, and nginx/mlflow-uma-gate.locations.conf adds each back.
 */
export const SIGNALLED_REFUSAL_HEADERS = ['WWW-Authenticate', 'Retry-After', 'Allow'];
const MAX_DETAIL_LENGTH = 300;

/**
 * `bearerRealm` names the protection space in `WWW-Authenticate` (RFC 6750 section 3). `requestId` is nginx's
 * `$request_id`: it ends the message the mlflow client prints and is the audit log's `request_id`, so a user's
 * error message leads to its audit line.
 */
export function renderRefusal(refusal: Refusal, bearerRealm: string, requestId: string): RenderedRefusal {
  const spec = refusalTable()[refusal.kind];
  const detail = refusal.detail.length > MAX_DETAIL_LENGTH ? `${refusal.detail.slice(0, MAX_DETAIL_LENGTH)}…` : refusal.detail;
  const headers: { [name: string]: string } = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' };
  const quotedRealm = bearerRealm.replace(/["\\]/g, '');
  if (refusal.kind === 'no-token') headers['WWW-Authenticate'] = `Bearer realm="${quotedRealm}"`;
  if (refusal.kind === 'invalid-token') {
    headers['WWW-Authenticate'] = `Bearer realm="${quotedRealm}", error="invalid_token"`;
  }
  if (refusal.kind === 'invalid-credentials') headers['WWW-Authenticate'] = `Basic realm="${quotedRealm}", charset="UTF-8"`;
  if (spec.status === 503 || spec.status === 429) headers['Retry-After'] = String(RETRY_AFTER_SECONDS);
  if (refusal.kind === 'method-not-allowed') headers.Allow = detail;
  const message = `${spec.message.replace('%s', () => detail)} (request id ${requestId})`;
  const body = asciiJson({ error_code: spec.code, message, request_id: requestId });
  return { status: spec.status, body, headers };
}
