/**
 * The gate's settings, read from nginx variables named `$mlflow_gate_<setting>` so that nobody edits
 * JavaScript to configure it. Defaults match the shipped realm (keycloak/mlflow-realm.json).
 */
import type { TokenPolicy } from './token';

export const VARIABLE_PREFIX = 'mlflow_gate_';

export const DEFAULTS = {
  resource_server: 'mlflow-gate',
  accepted_clients: 'mlflow-cli mlflow-automation',
  max_token_bytes: '16384',
  decision_cache: 'on',
  cache_allow_ttl: '30s',
  login_client: 'mlflow-cli',
  session_key: '',
  cookie_secure: 'on',
} as const;

const NGINX_SECONDS: { [unit: string]: number } = { '': 1, s: 1, m: 60, h: 3600 };

/** An nginx time such as `30s`, `30`, `2m` or `1h`, in seconds; null when it is not one or not positive. */
export function parseNginxSeconds(text: string): number | null {
  const parts = /^(\d+)(s|m|h)?$/.exec(text);
  if (parts === null) return null;
  const seconds = parseInt(parts[1], 10) * NGINX_SECONDS[parts[2] || ''];
  return seconds > 0 ? seconds : null;
}

// The realm's issuer URL: `<scheme>://<host[:port]>[/<relative path>]/realms/<realm>`.
const ISSUER = /^https?:\/\/([^/?#@]+)((?:\/[^/?#]+)*\/realms\/([^/?#]+))$/;

export interface Issuer {
  /** `host[:port]`: the Host header Keycloak is asked with. */
  readonly host: string;
  /** The realm's path on Keycloak, e.g. `/realms/mlflow`. */
  readonly path: string;
  readonly realm: string;
}

export function parseIssuer(issuer: string): Issuer | null {
  const parts = ISSUER.exec(issuer);
  return parts === null ? null : { host: parts[1], path: parts[2], realm: decodeURIComponent(parts[3]) };
}

export interface GateConfig {
  readonly bearerRealm: string;
  readonly resourceServer: string;
  readonly tokenPolicy: TokenPolicy;
  /**
   * How long Keycloak's answers may be reused (nginx's proxy_cache, see the snippets), or null when the
   * decision cache is off. A deny lives shorter: `proxy_cache_valid 403`.
   */
  readonly allowLifetimeSeconds: number | null;
  /** The public client `mlflow-uma-gate login` and the browser login sign people in with. */
  readonly loginClient: string;
  /** Seals the browser session cookies; null turns browser login off (navigations get 401 like API calls). */
  readonly sessionKey: string | null;
  /** Whether cookies carry `Secure` (off only for plain-http development). */
  readonly cookieSecure: boolean;
}

export type ConfigResult = { readonly ok: true; readonly config: GateConfig } | { readonly ok: false; readonly problem: string };

/** `lookup(name)` returns the value of nginx variable `$mlflow_gate_<name>`, or undefined/empty when unset. */
export function readConfig(lookup: (name: string) => string | undefined): ConfigResult {
  const setting = (name: keyof typeof DEFAULTS): string => lookup(name) || DEFAULTS[name];
  const issuer = lookup('issuer');
  if (!issuer) return { ok: false, problem: `$${VARIABLE_PREFIX}issuer is not set` };
  const parsedIssuer = parseIssuer(issuer);
  if (parsedIssuer === null) {
    return { ok: false, problem: `$${VARIABLE_PREFIX}issuer is not a Keycloak realm URL (https://host/realms/name)` };
  }
  const maxTokenLength = parseInt(setting('max_token_bytes'), 10);
  if (!(maxTokenLength > 0)) return { ok: false, problem: `$${VARIABLE_PREFIX}max_token_bytes is not a positive number` };
  const decisionCache = setting('decision_cache');
  if (decisionCache !== 'on' && decisionCache !== 'off') {
    return { ok: false, problem: `$${VARIABLE_PREFIX}decision_cache is neither on nor off` };
  }
  const allowLifetimeSeconds = parseNginxSeconds(setting('cache_allow_ttl'));
  if (allowLifetimeSeconds === null) {
    return { ok: false, problem: `$${VARIABLE_PREFIX}cache_allow_ttl is not a positive time (30s, 2m)` };
  }
  const sessionKey = setting('session_key');
  if (sessionKey !== '' && Buffer.from(sessionKey, 'base64').length < 32) {
    return { ok: false, problem: `$${VARIABLE_PREFIX}session_key must be at least 32 random bytes, base64-encoded` };
  }
  const cookieSecure = setting('cookie_secure');
  if (cookieSecure !== 'on' && cookieSecure !== 'off') return { ok: false, problem: `$${VARIABLE_PREFIX}cookie_secure is neither on nor off` };
  // match, not split: njs 0.7.9 takes over 100 µs to split on a regular expression.
  const acceptedClients = setting('accepted_clients').match(/[^\s,]+/g) || [];
  return {
    ok: true,
    config: {
      bearerRealm: parsedIssuer.realm,
      resourceServer: setting('resource_server'),
      tokenPolicy: { issuer, acceptedClients, maxTokenLength },
      allowLifetimeSeconds: decisionCache === 'on' ? allowLifetimeSeconds : null,
      loginClient: setting('login_client'),
      sessionKey: sessionKey === '' ? null : sessionKey,
      cookieSecure: cookieSecure === 'on',
    },
  };
}
