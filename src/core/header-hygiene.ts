/**
 * Client headers that claim an identity, rewrite the target or the method, or describe the forwarding path.
 * MLflow, a plugin or a proxy behind the gate might trust them, so none of them may reach upstream as the
 * client sent them:
 *  - the names in STRIPPED_HEADERS are removed by nginx (`proxy_set_header <name> ""` in
 *    nginx/mlflow-uma-gate.locations.conf, which a unit test keeps complete);
 *  - any other spelling the gate cannot strip is refused: underscore variants (WSGI and CGI servers read
 *    `X_Forwarded_User` as `X-Forwarded-User`, while nginx strips only the hyphenated name) and members of
 *    the X-Auth-Request-* family that are not listed.
 * Header names are case-insensitive (listed here in lower case); nginx strips every case variant of a name.
 */
export const STRIPPED_HEADERS = [
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-preferred-username',
  'x-forwarded-groups',
  'x-forwarded-access-token',
  'x-forwarded-uri',
  'x-forwarded-prefix',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
  'x-auth-request-user',
  'x-auth-request-email',
  'x-auth-request-preferred-username',
  'x-auth-request-groups',
  'x-auth-request-access-token',
  'x-auth-request-redirect',
  'remote-user',
  'x-remote-user',
  'x-user',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-real-ip',
  'forwarded',
  'x-http-method-override',
  'x-method-override',
  'x-http-method',
] as const;

/**
 * Families whose every member is an identity header, listed or not; `X-Mlflow-Gate-*` carry what the gate's
 * server tells its helper server and MLflow (the verified user, the workspace, the realm).
 */
const REFUSED_PREFIXES = ['x-auth-request-', 'x-mlflow-gate-'];

function normalized(name: string): string {
  return name.toLowerCase().split('_').join('-');
}

// Plain array lookups: njs runs module top-level code for every request, so nothing is precomputed here.
function listed(name: string): boolean {
  return (STRIPPED_HEADERS as readonly string[]).indexOf(name) >= 0;
}

function inFamily(name: string): boolean {
  return REFUSED_PREFIXES.some((prefix) => name.indexOf(prefix) === 0);
}

/** The first client header the gate can neither strip nor let through, or null. */
export function unstrippableHeader(headerNames: readonly string[]): string | null {
  for (let i = 0; i < headerNames.length; i++) {
    const name = normalized(headerNames[i]);
    const strippable = listed(name);
    if (!strippable && !inFamily(name)) continue;
    if (!strippable || headerNames[i].indexOf('_') >= 0) return headerNames[i];
  }
  return null;
}
