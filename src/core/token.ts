/**
 * Bearer-token checks done before Keycloak is asked anything. They do not verify the signature (Keycloak does,
 * in the UMA grant); they reject what Keycloak would accept but the gate must not: tokens issued for other
 * clients (the UMA grant does not check audience), ID or refresh tokens, other realms, expired tokens.
 */
import type { JsonObject } from './json-object';
import { parseJsonObject } from './json-object';

export interface TokenPolicy {
  /** The realm's issuer URL exactly as Keycloak writes it into `iss`. */
  readonly issuer: string;
  /** Client ids whose tokens the gate accepts, matched against `azp` and `aud`. */
  readonly acceptedClients: readonly string[];
  /** Largest accepted Authorization header value, in bytes. */
  readonly maxTokenLength: number;
}

export interface AccessTokenClaims {
  readonly sub: string;
  readonly username: string;
  readonly clientId: string;
  readonly exp: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly token: string; readonly claims: AccessTokenClaims }
  | { readonly ok: false; readonly missing: boolean; readonly reason: string };

// RFC 6750 section 2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const JWT = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+$/;

function invalid(reason: string): TokenCheck {
  return { ok: false, missing: false, reason };
}

/** The payload of a compact JWT (not verified: Keycloak verifies), or null when `token` is not one. */
export function decodeJwtPayload(token: string): JsonObject | null {
  const jwt = JWT.exec(token);
  if (jwt === null) return null;
  // Buffer (njs and Node alike) decodes natively; a decoding loop in njs costs more than the rest of
  // the gate's work together. JWT has already limited the payload to the base64url alphabet.
  return parseJsonObject(Buffer.from(jwt[1], 'base64url').toString());
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/**
 * `authorization` holds every Authorization header value the client sent (nginx joins repeats with ", "
 * only for some headers, so the caller passes them as a list).
 */
export function checkBearerToken(
  authorization: readonly string[],
  policy: TokenPolicy,
  nowSeconds: number,
): TokenCheck {
  if (authorization.length === 0) return { ok: false, missing: true, reason: 'no bearer token' };
  if (authorization.length > 1) return invalid('more than one Authorization header');
  const header = authorization[0];
  if (header.length > policy.maxTokenLength) return invalid('token too large');
  const bearer = BEARER.exec(header);
  if (bearer === null) return invalid('Authorization is not a Bearer token');
  const token = bearer[1];
  const claims = decodeJwtPayload(token);
  if (claims === null) return invalid('token is not a JWT with a JSON object payload');
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return invalid('token expired');
  if (claims.iss !== policy.issuer) return invalid('token issued by another realm');
  if (claims.typ !== undefined && claims.typ !== 'Bearer') return invalid('not an access token');
  const clientId = typeof claims.azp === 'string' ? claims.azp : '';
  const audiences = audienceList(claims.aud);
  const accepted = policy.acceptedClients.some(
    (client) => client === clientId || audiences.indexOf(client) >= 0,
  );
  if (!accepted) return invalid('token not issued for an accepted client');
  if (typeof claims.sub !== 'string' && typeof claims.preferred_username !== 'string') {
    return invalid('token has no subject');
  }
  const sub = typeof claims.sub === 'string' ? claims.sub : '';
  const username = typeof claims.preferred_username === 'string' ? claims.preferred_username : sub;
  return { ok: true, token, claims: { sub, username, clientId, exp: claims.exp } };
}
