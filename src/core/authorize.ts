/**
 * Everything the gate decides before asking Keycloak, as one pure function: which permission the request
 * needs, and whether the request is fit to be asked about at all. The njs shell only gathers the inputs and
 * performs the one Keycloak call this returns.
 */
import { artifactPathProblem } from './artifact-paths';
import { canonicalPath, upstreamTarget } from './canonical-path';
import type { GateConfig } from './config';
import type { Credential } from './credentials';
import { checkBasicCredentials, isBasic } from './credentials';
import { unstrippableHeader } from './header-hygiene';
import type { Permission } from './permissions';
import { REFUSED } from './permissions';
import type { ProjectAsk, WorkspaceOperation } from './projects';
import { isUnscoped, projectOfRequest, requestWorkspace, workspaceOperation } from './projects';
import type { Refusal } from './refusals';
import type { RouteIndex } from './route-matcher';
import { matchRoute } from './route-matcher';
import type { AccessTokenClaims, TokenPolicy } from './token';
import { checkBearerToken } from './token';

export interface GateRequest {
  /** The client's method, as nginx forwards it upstream (`$request_method`). */
  readonly method: string;
  /** The client's request target, as nginx forwards it upstream (`$request_uri`). */
  readonly target: string;
  /** Every Authorization header value the client sent. */
  readonly authorization: readonly string[];
  /** Every header the client sent (name as spelled, value), in order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly nowSeconds: number;
  /** The browser session's credential (the sealed cookie, opened), when the request carries one. */
  readonly session: Credential | null;
  /** For a session: whether a write comes from a page of the gate itself (isSameOriginWrite). */
  readonly sameOriginWrite: boolean;
}

/** Who is asking: a Bearer token already checked, or Basic credentials still to be exchanged for one. */
export type Caller =
  | { readonly kind: 'token'; readonly token: string; readonly claims: AccessTokenClaims }
  | { readonly kind: 'credentials'; readonly credential: Credential };

export type Preflight =
  | {
      readonly kind: 'ask-keycloak';
      readonly permission: Permission;
      /** What nginx forwards to MLflow once allowed: the canonical path, re-encoded, and the raw query. */
      readonly upstreamTarget: string;
      /** The matched route rule (`/api/2.0/mlflow/runs/create`, …): what attribution is keyed by. */
      readonly rule: string;
      readonly caller: Caller;
      /** The project whose scope the request needs besides its permission; null: the role decides alone. */
      readonly project: ProjectAsk | null;
      /** For MLflow's workspace routes: what the route does (the gate answers some of them itself). */
      readonly workspaceOperation: WorkspaceOperation | null;
      /** The X-MLFLOW-WORKSPACE value MLflow receives: the one authorized, or empty when none was sent. */
      readonly workspace: string;
    }
  | { readonly kind: 'refuse'; readonly refusal: Refusal };

function refuse(kind: Refusal['kind'], detail: string): Preflight {
  return { kind: 'refuse', refusal: { kind, detail } };
}

export type CallerCheck = { readonly ok: true; readonly caller: Caller } | { readonly ok: false; readonly refusal: Refusal };

/** Reads the caller from the Authorization headers, without any Keycloak call. */
export function identifyCaller(authorization: readonly string[], policy: TokenPolicy, nowSeconds: number): CallerCheck {
  if (isBasic(authorization)) {
    const basic = checkBasicCredentials(authorization[0], policy, nowSeconds);
    return basic.ok
      ? { ok: true, caller: { kind: 'credentials', credential: basic.credential } }
      : { ok: false, refusal: { kind: 'invalid-credentials', detail: basic.reason } };
  }
  const token = checkBearerToken(authorization, policy, nowSeconds);
  if (token.ok) return { ok: true, caller: { kind: 'token', token: token.token, claims: token.claims } };
  return { ok: false, refusal: token.missing ? { kind: 'no-token', detail: '' } : { kind: 'invalid-token', detail: token.reason } };
}

/**
 * Order matters: the route is resolved before the token is looked at, so an unknown or disabled route is
 * refused without any token work, and a malformed token never reaches Keycloak. The path the route is
 * matched on is the path MLflow receives.
 */
export function preflight(request: GateRequest, config: GateConfig, routes: RouteIndex): Preflight {
  const canonical = canonicalPath(request.target);
  if (!canonical.ok) return refuse('bad-request', canonical.reason);
  const route = matchRoute(routes, request.method, canonical.path);
  if (route.kind === 'unknown-route') return refuse('unknown-route', `${request.method} ${canonical.path}`);
  if (route.kind === 'method-not-allowed') return refuse('method-not-allowed', route.allowed.join(', '));
  if (route.kind === 'ambiguous') return refuse('ambiguous-route', route.rules.join(' | '));
  if (route.guard === REFUSED) return refuse('disabled-route', route.rule);
  const header = unstrippableHeader(request.headers.map((pair) => pair[0]));
  if (header !== null) return refuse('bad-request', `header ${header} is not accepted`);
  const workspace = requestWorkspace(request.headers);
  if (!workspace.ok) return { kind: 'refuse', refusal: workspace.refusal };
  const operation = workspaceOperation(request.method, route.rule);
  const project = projectOfRequest(route.guard, operation, workspace, canonical.path, isUnscoped(request.method, route.rule));
  if (!project.ok) return { kind: 'refuse', refusal: project.refusal };
  const queryStart = request.target.indexOf('?');
  const artifactProblem = artifactPathProblem(route.rule, canonical.path, queryStart < 0 ? '' : request.target.slice(queryStart + 1), workspace.forwarded);
  if (artifactProblem !== null) return refuse('bad-request', artifactProblem);
  const asked = {
    kind: 'ask-keycloak' as const,
    permission: route.guard,
    upstreamTarget: upstreamTarget(canonical.path, request.target),
    rule: route.rule,
    project: project.ask,
    workspaceOperation: operation,
    workspace: workspace.forwarded,
  };
  // An Authorization header wins over a session cookie; only a cookie-authorized write is checked for CSRF.
  if (request.authorization.length === 0 && request.session !== null) {
    if (!request.sameOriginWrite) return refuse('cross-site', `${request.method} ${canonical.path}`);
    return { ...asked, caller: { kind: 'credentials', credential: request.session } };
  }
  const caller = identifyCaller(request.authorization, config.tokenPolicy, request.nowSeconds);
  if (!caller.ok) return { kind: 'refuse', refusal: caller.refusal };
  return { ...asked, caller: caller.caller };
}
