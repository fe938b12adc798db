/**
 * The gate's settings as it uses them, read from nginx variables named `$mlflow_gate_<setting>` so that nobody
 * edits JavaScript to configure it. Names, defaults and validity: ./settings.ts.
 */
import type { GateKindValue, GateSettingName } from './settings';
import { describeKind, GATE_SETTINGS, parseValue, VARIABLE_PREFIX } from './settings';
import type { TokenPolicy } from './token';

export type { Issuer } from './settings';
export { parseIssuer, parseNginxSeconds, VARIABLE_PREFIX } from './settings';

export interface GateConfig {
  readonly bearerRealm: string;
  readonly resourceServer: string;
  /** The resource server's secret, for managing projects; null turns projects off. */
  readonly resourceServerSecret: string | null;
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

type Values = { [name in GateSettingName]: GateKindValue[(typeof GATE_SETTINGS)[name]['kind']] };

/** `lookup(name)` returns the value of nginx variable `$mlflow_gate_<name>`, or undefined/empty when unset. */
export function readConfig(lookup: (name: string) => string | undefined): ConfigResult {
  const values: { [name: string]: unknown } = {};
  for (const name in GATE_SETTINGS) {
    const setting = GATE_SETTINGS[name as GateSettingName];
    const text = lookup(name) || setting.default;
    if (text === null) return { ok: false, problem: `$${VARIABLE_PREFIX}${name} is not set` };
    const value = parseValue(setting.kind, text);
    if (value === null) return { ok: false, problem: `$${VARIABLE_PREFIX}${name} must be ${describeKind(setting.kind)}` };
    values[name] = value;
  }
  const settings = values as Values;
  return {
    ok: true,
    config: {
      bearerRealm: settings.issuer.realm,
      resourceServer: settings.resource_server,
      resourceServerSecret: settings.resource_server_secret === '' ? null : settings.resource_server_secret,
      tokenPolicy: { issuer: settings.issuer.url, acceptedClients: settings.accepted_clients, maxTokenLength: settings.max_token_bytes },
      allowLifetimeSeconds: settings.decision_cache ? settings.cache_allow_ttl : null,
      loginClient: settings.login_client,
      sessionKey: settings.session_key === '' ? null : settings.session_key,
      cookieSecure: settings.cookie_secure,
    },
  };
}
