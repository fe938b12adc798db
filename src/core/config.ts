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
} as const;

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
  /** Whether Keycloak's allow and deny answers may be reused (nginx's proxy_cache, see the snippets). */
  readonly decisionCache: boolean;
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
  const acceptedClients = setting('accepted_clients')
    .split(/[\s,]+/)
    .filter((client) => client.length > 0);
  return {
    ok: true,
    config: {
      bearerRealm: parsedIssuer.realm,
      resourceServer: setting('resource_server'),
      tokenPolicy: { issuer, acceptedClients, maxTokenLength },
      decisionCache: decisionCache === 'on',
    },
  };
}
