/**
 * Basic credentials, for tools that only know MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD (and the
 * `~/.mlflow/credentials` file `mlflow-uma-gate login` writes). The gate exchanges them at Keycloak's token
 * endpoint for an access token and then authorizes as for a Bearer token:
 *  - user name = a confidential client's id, password = its secret: the client-credentials grant;
 *  - password = a Keycloak offline or refresh token of an accepted client (what `login` stores): the
 *    refresh-token grant, on behalf of the person who logged in. The user name is then only a label.
 */
import { parseJsonObject } from './json-object';
import type { Refusal } from './refusals';
import type { TokenPolicy } from './token';
import { decodeJwtPayload } from './token';

export type Credential =
  | { readonly grant: 'client_credentials'; readonly clientId: string; readonly secret: string }
  | { readonly grant: 'refresh_token'; readonly clientId: string; readonly subject: string; readonly refreshToken: string };

export type CredentialCheck =
  | { readonly ok: true; readonly credential: Credential }
  | { readonly ok: false; readonly reason: string };

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})$/i;
const REFRESH_TOKEN_TYPES = ['Offline', 'Refresh'];

/** True when the single Authorization header uses the Basic scheme. */
export function isBasic(authorization: readonly string[]): boolean {
  return authorization.length === 1 && /^Basic /i.test(authorization[0]);
}

export function checkBasicCredentials(header: string, policy: TokenPolicy, nowSeconds: number): CredentialCheck {
  if (header.length > policy.maxTokenLength) return { ok: false, reason: 'credentials too large' };
  const basic = BASIC.exec(header);
  if (basic === null) return { ok: false, reason: 'malformed Basic credentials' };
  const decoded = Buffer.from(basic[1], 'base64').toString();
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? '' : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  if (user === '' || password === '') return { ok: false, reason: 'user name or password missing' };
  const claims = decodeJwtPayload(password);
  if (claims !== null && typeof claims.typ === 'string' && REFRESH_TOKEN_TYPES.indexOf(claims.typ) >= 0) {
    if (claims.iss !== policy.issuer) return { ok: false, reason: 'login issued by another realm' };
    if (typeof claims.exp === 'number' && claims.exp <= nowSeconds) return { ok: false, reason: 'login expired' };
    const clientId = typeof claims.azp === 'string' ? claims.azp : '';
    if (policy.acceptedClients.indexOf(clientId) < 0) return { ok: false, reason: 'login of a client that is not accepted' };
    const subject = typeof claims.sub === 'string' ? claims.sub : '';
    return { ok: true, credential: { grant: 'refresh_token', clientId, subject, refreshToken: password } };
  }
  // Only accepted clients are tried at Keycloak: guessing the secrets of other clients through the gate is refused.
  if (policy.acceptedClients.indexOf(user) < 0) return { ok: false, reason: 'client not accepted' };
  return { ok: true, credential: { grant: 'client_credentials', clientId: user, secret: password } };
}

/**
 * Whom the helper server's per-client rate limit counts: the claimed client id, or for a login the person,
 * since everybody logs in through the same public client.
 */
export function rateLimitSubject(credential: Credential): string {
  return credential.grant === 'client_credentials' ? credential.clientId : `${credential.clientId}/${credential.subject}`;
}

/** The form Keycloak's token endpoint takes for this credential (client secret in the body: client_secret_post). */
export function tokenRequestBody(credential: Credential): string {
  const fields: [string, string][] =
    credential.grant === 'client_credentials'
      ? [['client_id', credential.clientId], ['client_secret', credential.secret]]
      : [['client_id', credential.clientId], ['refresh_token', credential.refreshToken]];
  return [`grant_type=${credential.grant}`]
    .concat(fields.map((field) => `${field[0]}=${encodeURIComponent(field[1])}`))
    .join('&');
}

/**
 * Names under which the exchanged token is cached and the secret that seals it, both derived from the
 * credential with separate labels: the cache holds neither the credential nor a usable token, and only a
 * caller presenting the same credential can open the entry. The labels name the sealed payload's format
 * (exchangePayload), so entries of another format are never read.
 */
export function exchangeCacheKey(sha256Hex: (text: string) => string, tokenRequest: string): string {
  return sha256Hex(`mlflow-uma-gate exchange key 2\n${tokenRequest}`);
}

export function exchangeSealingMaterial(tokenRequest: string): string {
  return `mlflow-uma-gate exchange seal 2\n${tokenRequest}`;
}

/**
 * How long an exchanged access token is reused: until shortly before it expires, so that every request
 * still has time to be decided with it (30 s, or half the life of tokens shorter than a minute). When
 * Keycloak also handed out a refresh token that expires, at most half of that one's life, so a browser session
 * renewed from the cached answer (renewedRefreshToken) gets a refresh token with half its life still ahead.
 */
export function exchangedTokenCacheSeconds(expiresIn: number, refreshExpiresIn: number): number {
  if (!(expiresIn > 0)) return 0;
  const accessSeconds = expiresIn > 60 ? Math.floor(expiresIn - 30) : Math.floor(expiresIn / 2);
  return refreshExpiresIn > 0 ? Math.min(accessSeconds, Math.floor(refreshExpiresIn / 2)) : accessSeconds;
}

/** Keycloak's token-endpoint answer, as the exchange handler relays it. */
export type Exchanged =
  | {
      readonly ok: true;
      readonly accessToken: string;
      readonly expiresIn: number;
      /** The refresh token Keycloak rotated to, when it handed one out (refresh grants). */
      readonly refreshToken: string | null;
      /** Seconds until that refresh token expires; 0 when it does not (offline tokens) or there is none. */
      readonly refreshExpiresIn: number;
    }
  | { readonly ok: false; readonly status: 401 | 503; readonly reason: string };

export function interpretTokenResponse(status: number, body: string): Exchanged {
  if (status === 400 || status === 401) return { ok: false, status: 401, reason: 'credentials rejected' };
  if (status !== 200) return { ok: false, status: 503, reason: status === 0 ? 'no answer' : `status ${status}` };
  const reply = parseJsonObject(body);
  if (reply === null || typeof reply.access_token !== 'string' || typeof reply.expires_in !== 'number') {
    return { ok: false, status: 503, reason: 'unexpected token response' };
  }
  return {
    ok: true,
    accessToken: reply.access_token,
    expiresIn: reply.expires_in,
    refreshToken: typeof reply.refresh_token === 'string' ? reply.refresh_token : null,
    refreshExpiresIn: typeof reply.refresh_expires_in === 'number' ? reply.refresh_expires_in : 0,
  };
}

/** What the exchange cache keeps, sealed: the access token and the refresh token Keycloak rotated to. */
export interface ExchangePayload {
  readonly accessToken: string;
  readonly refreshToken: string | null;
}

export function exchangePayload(exchanged: ExchangePayload): string {
  return JSON.stringify({ access_token: exchanged.accessToken, refresh_token: exchanged.refreshToken });
}

export function openExchangePayload(text: string): ExchangePayload | null {
  const payload = parseJsonObject(text);
  if (payload === null || typeof payload.access_token !== 'string') return null;
  return { accessToken: payload.access_token, refreshToken: typeof payload.refresh_token === 'string' ? payload.refresh_token : null };
}

export type ExchangeAnswer = { readonly ok: true; readonly sealed: string } | { readonly ok: false; readonly refusal: Refusal };

/** The exchange location's answer to the gate: the sealed payload, or why the credential gets no token. */
export function interpretExchangeAnswer(status: number, body: string): ExchangeAnswer {
  if (status === 401) return { ok: false, refusal: { kind: 'invalid-credentials', detail: '' } };
  if (status === 429) return { ok: false, refusal: { kind: 'too-many-attempts', detail: '' } };
  const answer = status === 200 ? parseJsonObject(body) : null;
  if (answer === null || typeof answer.sealed !== 'string') {
    return { ok: false, refusal: { kind: 'keycloak-unavailable', detail: `token exchange ${status}` } };
  }
  return { ok: true, sealed: answer.sealed };
}
