/**
 * The UMA decision request and the meaning of Keycloak's answer. Anything that is not a clear, well-formed
 * answer is a refusal: the gate fails closed.
 */
import { parseJsonObject } from './json-object';
import type { Permission } from './permissions';
import type { Refusal } from './refusals';

export const UMA_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:uma-ticket';

/** The form body of the decision request; the caller's token travels in the Authorization header. */
export function decisionRequestBody(resourceServer: string, permission: Permission): string {
  return [
    `grant_type=${encodeURIComponent(UMA_GRANT_TYPE)}`,
    `audience=${encodeURIComponent(resourceServer)}`,
    `permission=${encodeURIComponent(permission)}`,
    'response_mode=decision',
  ].join('&');
}

/** The shared dictionary of allows (nginx/mlflow-uma-gate.zones.conf, njs 0.8 and later): hash → when it ends (ms). */
export const SHARED_ALLOWS_ZONE = 'mlflow_gate_allows';

/** The cache status of a decision the shared allows answered (the audit log's `cache`). */
export const SHARED_ALLOW = 'SHARED';

/** What names a cached answer: a SHA-256 over everything Keycloak's answer depends on, never the token itself. */
export function decisionHash(sha256Hex: (text: string) => string, token: string, resourceServer: string, asked: string): string {
  return sha256Hex([token, resourceServer, asked].join('\n'));
}

// Where the allow-lifetime windows of `hash` start: each key at an offset of its own.
function windowOffset(hash: string, allowLifetimeSeconds: number): number {
  return parseInt(hash.slice(0, 8), 16) % allowLifetimeSeconds;
}

/**
 * The query of the decision subrequest. `key` names the cached answer: decisionHash (token, resource server,
 * what is asked: a permission, or a permission in a project), so the token itself never appears in a cache key, a
 * cache file or a log. `bypass=1` makes nginx neither use nor store a cached answer.
 *
 * The key also carries the number of the allow-lifetime window it falls in. When a window ends, the next
 * request names an entry nginx has never seen, so concurrent requests wait for one Keycloak call
 * (`proxy_cache_lock` collapses misses of new entries, not refreshes of expired ones). An answer is therefore
 * reused until its window ends, never longer than one allow lifetime. Each key's windows start at their own
 * offset, so cached decisions do not all expire, and reach Keycloak, at the same moment.
 */
export function decisionSubrequestArgs(hash: string, allowLifetimeSeconds: number | null, nowSeconds: number): string {
  if (allowLifetimeSeconds === null) return `key=${hash}&bypass=1`;
  return `key=${hash}.${Math.floor((nowSeconds + windowOffset(hash, allowLifetimeSeconds)) / allowLifetimeSeconds)}`;
}

/** When the window of `hash` that holds `nowSeconds` ends, in seconds: its cached answer is not used after that. */
export function windowEnd(hash: string, allowLifetimeSeconds: number, nowSeconds: number): number {
  const offset = windowOffset(hash, allowLifetimeSeconds);
  return (Math.floor((nowSeconds + offset) / allowLifetimeSeconds) + 1) * allowLifetimeSeconds - offset;
}

/**
 * The last part of an allow's lifetime in the shared allows (njs 0.8 and later) in which one request asks
 * Keycloak again while every other one still uses the allow: a third of the lifetime, at most 5 s.
 */
export function refreshLeadMs(allowLifetimeSeconds: number): number {
  return Math.min(5000, Math.floor((allowLifetimeSeconds * 1000) / 3));
}

/**
 * What the shared allows say about a request, given when its allow ends (ms, undefined: none): `allow`, `refresh`
 * (the allow holds, and its lifetime ends soon: one request asks Keycloak again, src/njs/keycloak.ts) or `ask`.
 */
export function sharedAllowState(endsAtMs: number | undefined, nowMs: number, allowLifetimeSeconds: number): 'allow' | 'refresh' | 'ask' {
  if (endsAtMs === undefined || nowMs >= endsAtMs) return 'ask';
  return nowMs < endsAtMs - refreshLeadMs(allowLifetimeSeconds) ? 'allow' : 'refresh';
}

export type Decision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly refusal: Refusal; readonly logLine?: string };

function refused(kind: Refusal['kind'], detail: string, logLine?: string): Decision {
  return { allowed: false, refusal: { kind, detail }, logLine };
}

/**
 * Maps Keycloak's reply to the decision request. `status` 0 means nginx got no HTTP answer at all
 * (connection refused, timeout): the internal location then reports 502/504, which land here as 5xx.
 */
export function interpretDecision(permission: string, status: number, body: string): Decision {
  const reply = parseJsonObject(body);
  const error = reply !== null && typeof reply.error === 'string' ? reply.error : '';
  if (status === 200) {
    if (reply !== null && reply.result === true) return { allowed: true };
    return refused('keycloak-unavailable', 'unexpected decision response', `unexpected 200 answer for ${permission}`);
  }
  if (status === 403) return refused('forbidden', permission);
  if (status === 401) return refused('invalid-token', 'rejected by the authorization server');
  if (status === 400) {
    // Keycloak answers 400 both for a token it will not accept and for a permission it does not know.
    if (error === 'invalid_grant' || error === 'invalid_token') {
      return refused('invalid-token', 'rejected by the authorization server');
    }
    return refused(
      'unknown-permission',
      permission,
      `Keycloak rejected permission ${permission} (${error || 'no error code'}): the realm and the route table disagree`,
    );
  }
  return refused('keycloak-unavailable', status === 0 ? 'no answer' : `status ${status}`, `Keycloak answered ${status} for ${permission}`);
}

/** The form asking Keycloak for every permission the caller has on the resource server. */
export function permissionsRequestBody(resourceServer: string): string {
  return [
    `grant_type=${encodeURIComponent(UMA_GRANT_TYPE)}`,
    `audience=${encodeURIComponent(resourceServer)}`,
    'response_mode=permissions',
  ].join('&');
}

export type Permissions =
  | { readonly ok: true; readonly permissions: { [resource: string]: string[] } }
  | { readonly ok: false; readonly refusal: Refusal };

/** Keycloak's `response_mode=permissions` answer as resource → scopes; 403 means none at all. */
export function interpretPermissions(status: number, body: string): Permissions {
  if (status === 403) return { ok: true, permissions: {} };
  if (status === 401 || status === 400) return { ok: false, refusal: { kind: 'invalid-token', detail: 'rejected by the authorization server' } };
  let reply: unknown = null;
  try {
    reply = status === 200 ? JSON.parse(body) : null;
  } catch (e) {
    reply = null;
  }
  if (!Array.isArray(reply)) {
    return { ok: false, refusal: { kind: 'keycloak-unavailable', detail: status === 200 ? 'unexpected permissions response' : `status ${status}` } };
  }
  const permissions: { [resource: string]: string[] } = {};
  reply.forEach((entry: { rsname?: unknown; scopes?: unknown }) => {
    if (typeof entry.rsname !== 'string') return;
    const scopes = Array.isArray(entry.scopes) ? entry.scopes.filter((scope): scope is string => typeof scope === 'string') : [];
    permissions[entry.rsname] = scopes.sort();
  });
  return { ok: true, permissions };
}
