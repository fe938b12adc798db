/**
 * The gate's calls to Keycloak, all through internal locations of nginx/mlflow-uma-gate.locations.conf (nginx's
 * upstream keepalive, timeouts and cache).
 */
import type { Caller } from '../core/authorize';
import type { Credential } from '../core/credentials';
import {
  exchangeCacheKey,
  exchangeSealingMaterial,
  interpretExchangeAnswer,
  openExchangePayload,
  rateLimitSubject,
  tokenRequestBody,
} from '../core/credentials';
import type { Decision, Permissions } from '../core/decision';
import {
  decisionHash,
  decisionRequestBody,
  decisionSubrequestArgs,
  interpretDecision,
  interpretPermissions,
  permissionsRequestBody,
  SHARED_ALLOW,
  SHARED_ALLOWS_ZONE,
  sharedAllowState,
  windowEnd,
} from '../core/decision';
import type { KeycloakCall } from '../core/metrics';
import { exchangeIncrements, lookupIncrements } from '../core/metrics';
import type { Permission } from '../core/permissions';
import type { Refusal } from '../core/refusals';
import type { AccessTokenClaims } from '../core/token';
import { checkBearerToken } from '../core/token';
import type { Frame } from './frame';
import { count } from './metrics';
import type { SharedNumbers } from './shared-dictionaries';
import { sharedDictionary } from './shared-dictionaries';
import { sha256Hex, unseal } from './sealing';

export const KEYCLOAK_LOCATIONS = {
  decision: '/_mlflow_gate/keycloak/decision',
  discovery: '/_mlflow_gate/keycloak/discovery',
  exchange: '/_mlflow_gate/keycloak/exchange',
  token: '/_mlflow_gate/keycloak/token',
  permissions: '/_mlflow_gate/keycloak/permissions',
  code: '/_mlflow_gate/keycloak/code',
  logout: '/_mlflow_gate/keycloak/logout',
} as const;

export type Identified =
  | {
      readonly ok: true;
      readonly token: string;
      readonly claims: AccessTokenClaims;
      /** The refresh token Keycloak rotated to in the exchange, if there was one (renews a browser session). */
      readonly refreshToken: string | null;
    }
  | { readonly ok: false; readonly refusal: Refusal };

function refused(refusal: Refusal): Identified {
  return { ok: false, refusal };
}

function bodyOf(reply: NginxHTTPRequest): string {
  return reply.responseText ? String(reply.responseText) : '';
}

/**
 * Basic credentials (or a browser session) → an access token, through the exchange location: nginx's cache
 * answers repeats (keyed and sealed by the credential), misses go through the rate-limited helper server.
 */
async function exchangeCredential(frame: Frame, credential: Credential, nowSeconds: number): Promise<Identified> {
  const body = tokenRequestBody(credential);
  const started = Date.now();
  const reply = await frame.r.subrequest(KEYCLOAK_LOCATIONS.exchange, {
    method: 'POST',
    args: `key=${exchangeCacheKey(sha256Hex, body)}&client=${encodeURIComponent(rateLimitSubject(credential))}`,
    body,
  });
  const milliseconds = Date.now() - started;
  frame.audit.keycloak_ms = milliseconds;
  const answer = interpretExchangeAnswer(reply.status, bodyOf(reply));
  const identified = answer.ok ? await openExchanged(frame, credential, body, answer.sealed, nowSeconds) : refused(answer.refusal);
  const result = identified.ok ? 'issued' : identified.refusal.kind;
  count(frame.r, () =>
    lookupIncrements('exchange', cacheStatusOf(reply), milliseconds, result === 'keycloak-unavailable').concat(exchangeIncrements(result)),
  );
  return identified;
}

async function openExchanged(frame: Frame, credential: Credential, body: string, sealed: string, nowSeconds: number): Promise<Identified> {
  const opened = await unseal(exchangeSealingMaterial(body), sealed);
  const payload = opened === null ? null : openExchangePayload(opened);
  if (payload === null) return refused({ kind: 'internal', detail: 'an exchanged token did not open' });
  const checked = checkBearerToken([`Bearer ${payload.accessToken}`], frame.config.tokenPolicy, nowSeconds);
  if (!checked.ok) {
    frame.r.error(`mlflow-uma-gate: exchanged token of ${credential.clientId} not usable: ${checked.reason}`);
    return refused({ kind: 'invalid-credentials', detail: '' });
  }
  return { ok: true, token: checked.token, claims: checked.claims, refreshToken: payload.refreshToken };
}

/** NGINX's cache status of a subrequest's answer (HIT, MISS, ...; empty when it was not cached). */
export function cacheStatusOf(reply: NginxHTTPRequest): string {
  return String(reply.variables.upstream_cache_status || '');
}

/** Records a decision lookup in the audit record and the metrics. */
export function recordLookup(frame: Frame, call: KeycloakCall, reply: NginxHTTPRequest, started: number, decision: Decision): Decision {
  const milliseconds = Date.now() - started;
  const cacheStatus = cacheStatusOf(reply);
  frame.audit.keycloak_ms = (frame.audit.keycloak_ms || 0) + milliseconds;
  frame.audit.cache = cacheStatus;
  const failed = !decision.allowed && decision.refusal.kind === 'keycloak-unavailable';
  count(frame.r, () => lookupIncrements(call, cacheStatus, milliseconds, failed));
  return decision;
}

/** The caller's access token and claims; Basic credentials and sessions are exchanged for one first. */
export async function resolveCaller(frame: Frame, caller: Caller, nowSeconds: number): Promise<Identified> {
  const identified: Identified =
    caller.kind === 'token'
      ? { ok: true, token: caller.token, claims: caller.claims, refreshToken: null }
      : await exchangeCredential(frame, caller.credential, nowSeconds);
  if (identified.ok) {
    frame.audit.user = identified.claims.username;
    frame.audit.client = identified.claims.clientId;
  }
  return identified;
}

/** The Keycloak locations send this as the Authorization header (js_var, shared with their subrequests). */
export function presentToken(frame: Frame, token: string): void {
  frame.r.variables.mlflow_gate_bearer = `Bearer ${token}`;
}

/** The UMA decision for one permission, from the shared allows, the decision cache or Keycloak. */
export async function askKeycloak(frame: Frame, permission: Permission, token: string, nowSeconds: number): Promise<Decision> {
  presentToken(frame, token);
  const config = frame.config;
  return cachedDecision(frame, 'decision', token, permission, nowSeconds, async (args) => {
    const reply = await frame.r.subrequest(KEYCLOAK_LOCATIONS.decision, { method: 'POST', args, body: decisionRequestBody(config.resourceServer, permission) });
    return { reply, decision: interpretDecision(permission, reply.status, bodyOf(reply)) };
  });
}

// A refresh of a shared allow that has not ended in this time (its request failed) lets another request try.
const REFRESH_CLAIM_MS = 5000;

/**
 * A decision on `asked` for `token`: from the shared allows (njs 0.8 and later, with the zone), else from the
 * decision cache or Keycloak. `lookup` sends the subrequest with the given query and reads its answer.
 *
 * An allow in the shared allows ends when the decision cache's window it came from ends, or one allow lifetime
 * after Keycloak gave it: never later than the decision cache's. In its last part (refreshLeadMs) one request
 * (the one that claims the refresh) asks Keycloak past the cache, while every other request still uses the allow:
 * so no request waits when an allow lifetime ends. A refresh that Keycloak refuses ends the allow at once; one
 * that gets no answer leaves it to end on time.
 */
export async function cachedDecision(
  frame: Frame,
  call: KeycloakCall,
  token: string,
  asked: string,
  nowSeconds: number,
  lookup: (args: string) => Promise<{ readonly reply: NginxHTTPRequest; readonly decision: Decision }>,
): Promise<Decision> {
  const lifetime = frame.config.allowLifetimeSeconds;
  const hash = decisionHash(sha256Hex, token, frame.config.resourceServer, asked);
  const ask = async (args: string) => {
    const started = Date.now();
    const answer = await lookup(args);
    return recordLookup(frame, call, answer.reply, started, answer.decision);
  };
  const allows = lifetime === null ? null : sharedDictionary(SHARED_ALLOWS_ZONE);
  if (allows === null || lifetime === null) return ask(decisionSubrequestArgs(hash, lifetime, nowSeconds));
  const state = sharedAllowState(allows.get(hash), Date.now(), lifetime);
  if (state === 'allow' || (state === 'refresh' && !allows.add(`${hash}.refresh`, 1, REFRESH_CLAIM_MS))) return sharedAllow(frame, call);
  if (state === 'refresh') {
    const refreshed = await ask(decisionSubrequestArgs(hash, null, nowSeconds));
    allows.delete(`${hash}.refresh`);
    if (refreshed.allowed) {
      allows.set(hash, Date.now() + lifetime * 1000, lifetime * 1000);
      return refreshed;
    }
    if (refreshed.refusal.kind === 'keycloak-unavailable') return { allowed: true };
    allows.delete(hash);
    return refreshed;
  }
  const asking = `${hash}.ask`;
  if (!allows.add(asking, 1, ASK_CLAIM_MS) && (await allowedMeanwhile(allows, hash, asking, lifetime))) return sharedAllow(frame, call);
  const decision = await ask(decisionSubrequestArgs(hash, lifetime, nowSeconds));
  const endsAtMs = windowEnd(hash, lifetime, nowSeconds) * 1000;
  const remainingMs = endsAtMs - Date.now();
  if (decision.allowed && remainingMs > 0) allows.set(hash, endsAtMs, remainingMs);
  // Whoever waits for this answer stops waiting: an allow is shared now, anything else is theirs to look up.
  allows.delete(asking);
  return decision;
}

/** A decision the shared allows answered, in the audit record and the metrics. */
function sharedAllow(frame: Frame, call: KeycloakCall): Decision {
  frame.audit.cache = SHARED_ALLOW;
  count(frame.r, () => lookupIncrements(call, SHARED_ALLOW, 0, false));
  return { allowed: true };
}

// A key's first request after its allow ended marks the key as being asked about, until it has the answer;
// requests that arrive meanwhile wait for its allow in steps of WAIT_STEP_MS, instead of NGINX's cache lock, which
// lets waiters look again only every 500 ms. ASK_CLAIM_MS bounds the wait (and a mark whose request failed).
const ASK_CLAIM_MS = 3000;
const WAIT_STEP_MS = 5;

/** Whether the allow another request is asking for arrives while it asks. */
async function allowedMeanwhile(allows: SharedNumbers, hash: string, asking: string, lifetime: number): Promise<boolean> {
  for (;;) {
    if (sharedAllowState(allows.get(hash), Date.now(), lifetime) !== 'ask') return true;
    if (allows.get(asking) === undefined) return false;
    await new Promise<void>((resolve) => setTimeout(() => resolve(), WAIT_STEP_MS));
  }
}

/** Every permission the token holds on the resource server (never cached). */
export async function askPermissions(frame: Frame, token: string): Promise<Permissions> {
  presentToken(frame, token);
  const reply = await frame.r.subrequest(KEYCLOAK_LOCATIONS.permissions, {
    method: 'POST',
    body: permissionsRequestBody(frame.config.resourceServer),
  });
  return interpretPermissions(reply.status, bodyOf(reply));
}

/** A form POST to one of the Keycloak locations: its status and body. */
export async function postToKeycloak(frame: Frame, location: string, body: string): Promise<{ readonly status: number; readonly body: string }> {
  const reply = await frame.r.subrequest(location, { method: 'POST', body });
  return { status: reply.status, body: bodyOf(reply) };
}

/** The status Keycloak answers the realm's discovery document with (0: no answer). */
export async function discoveryStatus(frame: Frame): Promise<number> {
  const reply = await frame.r.subrequest(KEYCLOAK_LOCATIONS.discovery, { method: 'GET' });
  return reply.status;
}
