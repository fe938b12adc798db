/**
 * Client headers that claim an identity, rewrite the target or the method, or describe the forwarding path.
 * MLflow, a plugin or a proxy behind the gate might trust them, so none of them may reach upstream as the
 * client sent them:
 *  - the names in STRIPPED_HEADERS are removed by nginx (`proxy_set_header <name> ""` in
 *    nginx/mlflow-uma-gate.locations.conf, which a unit test keeps complete);
 *  - any other spelling the gate cannot strip is refused: underscore variants (WSGI and CGI servers read
 *    `X_Forwarded_User` as `X-Forwarded-User`, while nginx strips only the hyphenated name) and members of
 *    the X-Auth-Request-* family that are not listed.
 * Header names are case-insensitive; nginx strips every case variant of a listed name.
 */
export const STRIPPED_HEADERS = [
  'X-Forwarded-User',
  'X-Forwarded-Email',
  'X-Forwarded-Preferred-Username',
  'X-Forwarded-Groups',
  'X-Forwarded-Access-Token',
  'X-Forwarded-Uri',
  'X-Forwarded-Prefix',
  'X-Forwarded-Host',
  'X-Forwarded-Port',
  'X-Forwarded-Server',
  'X-Auth-Request-User',
  'X-Auth-Request-Email',
  'X-Auth-Request-Preferred-Username',
  'X-Auth-Request-Groups',
  'X-Auth-Request-Access-Token',
  'X-Auth-Request-Redirect',
  'Remote-User',
  'X-Remote-User',
  'X-User',
  'X-Original-URL',
  'X-Original-URI',
  'X-Rewrite-URL',
  'X-Real-IP',
  'Forwarded',
  'X-HTTP-Method-Override',
  'X-Method-Override',
  'X-HTTP-Method',
] as const;

/** Families whose every member is an identity header, listed or not. */
const REFUSED_PREFIXES = ['x-auth-request-'];

function normalized(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}

const STRIPPED_NORMALIZED: { [name: string]: true } = {};
STRIPPED_HEADERS.forEach((name) => {
  STRIPPED_NORMALIZED[normalized(name)] = true;
});

function inFamily(name: string): boolean {
  return REFUSED_PREFIXES.some((prefix) => name.indexOf(prefix) === 0);
}

/** The first client header the gate can neither strip nor let through, or null. */
export function unstrippableHeader(headerNames: readonly string[]): string | null {
  for (let i = 0; i < headerNames.length; i++) {
    const name = normalized(headerNames[i]);
    const listed = STRIPPED_NORMALIZED[name] === true;
    if (!listed && !inFamily(name)) continue;
    if (!listed || headerNames[i].indexOf('_') >= 0) return headerNames[i];
  }
  return null;
}
