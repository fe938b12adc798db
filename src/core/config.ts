/**
 * The gate's settings, read from nginx variables named `$mlflow_gate_<setting>` so that nobody edits
 * JavaScript to configure it. Defaults match the shipped realm (keycloak/mlflow-realm.json).
 */
import type { TokenPolicy } from './token';

export const VARIABLE_PREFIX = 'mlflow_gate_';

export const DEFAULTS = {
  realm: 'mlflow',
  resource_server: 'mlflow-gate',
  accepted_clients: 'mlflow-cli mlflow-automation',
  max_token_bytes: '16384',
} as const;

export interface GateConfig {
  readonly bearerRealm: string;
  readonly resourceServer: string;
  readonly tokenPolicy: TokenPolicy;
}

export type ConfigResult = { readonly ok: true; readonly config: GateConfig } | { readonly ok: false; readonly problem: string };

/** `lookup(name)` returns the value of nginx variable `$mlflow_gate_<name>`, or undefined/empty when unset. */
export function readConfig(lookup: (name: string) => string | undefined): ConfigResult {
  const setting = (name: keyof typeof DEFAULTS): string => lookup(name) || DEFAULTS[name];
  const issuer = lookup('issuer');
  if (!issuer) return { ok: false, problem: `$${VARIABLE_PREFIX}issuer is not set` };
  const maxTokenLength = parseInt(setting('max_token_bytes'), 10);
  if (!(maxTokenLength > 0)) return { ok: false, problem: `$${VARIABLE_PREFIX}max_token_bytes is not a positive number` };
  const acceptedClients = setting('accepted_clients')
    .split(/[\s,]+/)
    .filter((client) => client.length > 0);
  return {
    ok: true,
    config: {
      bearerRealm: setting('realm'),
      resourceServer: setting('resource_server'),
      tokenPolicy: { issuer, acceptedClients, maxTokenLength },
    },
  };
}
