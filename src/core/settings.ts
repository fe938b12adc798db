/**
 * Every setting of the gate, described once: its default, what a value may be, what it means and where it
 * applies. A setting `<name>` is the nginx variable `$mlflow_gate_<name>` where the gate reads it, and the
 * placeholder `MLFLOW_GATE_<NAME>` where nginx/nginx.conf.template takes it from the environment. readConfig
 * (./config.ts), the template defaults (scripts/nginx.mjs, nginx/template-defaults.env) and the README's
 * configuration tables (npm run docs:settings) are derived from these descriptors.
 *
 * njs 0.7.9 evaluates a bundle's top level on every request, so the bundles hold only the descriptors the gate
 * reads: nothing the gate runs refers to NGINX_SETTINGS or allSettings, and esbuild leaves them out.
 */

export const VARIABLE_PREFIX = 'mlflow_gate_';

/**
 * What a setting's value may be. The gate's own kinds are parsed by parseValue; every kind is described in words
 * by describeKind (README column, end of an error message). Kinds are names, not objects: njs 0.7.9 would build
 * every object of this module again on each request.
 */
export type GateKind = 'realm URL' | 'client id' | 'client ids' | 'positive number' | 'on/off' | 'seconds' | 'session key' | 'secret';
export type NginxKind = 'listen address' | 'worker processes' | 'file' | 'directory' | 'host:port' | 'scheme' | 'nginx time' | 'nginx size';
export type Kind = GateKind | NginxKind;

/**
 * Where a value comes from when nobody sets one: the default (an empty one means "not set"), or, for a setting
 * without, who must give it: the operator, or the installation (where files, logs and sockets live on that
 * machine; docker-compose.yml and scripts/nginx.mjs give those).
 */
export type Origin = { readonly default: string } | { readonly default: null; readonly givenBy: 'operator' | 'installation' };

export type Setting<K extends Kind = Kind> = Origin & {
  readonly kind: K;
  /** What it does, for the README (markdown). */
  readonly meaning: string;
};

/** A setting the gate reads at run time from `$mlflow_gate_<name>`. */
export type GateSetting = Setting<GateKind> & {
  /** Whether nginx/nginx.conf.template sets the variable from `MLFLOW_GATE_<NAME>`. */
  readonly template: boolean;
};

export interface Issuer {
  /** The issuer as tokens carry it in `iss`. */
  readonly url: string;
  readonly realm: string;
}

/**
 * The realm's issuer URL: `<scheme>://<host[:port]>[/<relative path>]/realms/<realm>`. nginx takes the Host
 * Keycloak is asked with ($1) and the realm's path on Keycloak ($2) from it with the same pattern
 * (nginx/mlflow-uma-gate.http.conf).
 */
export const ISSUER_URL = /^https?:\/\/([^/?#@]+)((?:\/[^/?#]+)*\/realms\/([^/?#]+))$/;

export function parseIssuer(issuer: string): Issuer | null {
  const parts = ISSUER_URL.exec(issuer);
  return parts === null ? null : { url: issuer, realm: decodeURIComponent(parts[3]) };
}

const SECONDS_PER_UNIT: { [unit: string]: number } = { '': 1, s: 1, m: 60, h: 3600 };

/** An nginx time such as `30s`, `30`, `2m` or `1h`, in seconds; null when it is not one or not positive. */
export function parseNginxSeconds(text: string): number | null {
  const parts = /^(\d+)(s|m|h)?$/.exec(text);
  if (parts === null) return null;
  const seconds = parseInt(parts[1], 10) * SECONDS_PER_UNIT[parts[2] || ''];
  return seconds > 0 ? seconds : null;
}

/** The value of each gate kind. */
export interface GateKindValue {
  'realm URL': Issuer;
  'client id': string;
  'client ids': string[];
  'positive number': number;
  'on/off': boolean;
  seconds: number;
  'session key': string;
  secret: string;
}

/** The value `text` stands for, or null when it is not one of `kind`. */
export function parseValue<K extends GateKind>(kind: K, text: string): GateKindValue[K] | null {
  let value: GateKindValue[GateKind] | null;
  switch (kind) {
    case 'realm URL':
      value = parseIssuer(text);
      break;
    case 'client ids':
      // match, not split: njs 0.7.9 takes over 100 µs to split on a regular expression.
      value = text.match(/[^\s,]+/g) || [];
      break;
    case 'positive number': {
      const number = parseInt(text, 10);
      value = number > 0 ? number : null;
      break;
    }
    case 'on/off':
      value = text === 'on' ? true : text === 'off' ? false : null;
      break;
    case 'seconds':
      value = parseNginxSeconds(text);
      break;
    case 'session key':
      value = text === '' || Buffer.from(text, 'base64').length >= 32 ? text : null;
      break;
    case 'client id':
    case 'secret':
      value = text;
  }
  return value as GateKindValue[K] | null;
}

export function describeKind(kind: Kind): string {
  switch (kind) {
    case 'realm URL':
      return 'a Keycloak realm URL (https://host/realms/name)';
    case 'client id':
      return 'a client id of the realm';
    case 'client ids':
      return 'client ids of the realm, separated by spaces or commas';
    case 'positive number':
      return 'a positive number';
    case 'on/off':
      return 'on or off';
    case 'seconds':
      return 'a positive time (30s, 2m, 1h)';
    case 'session key':
      return 'empty, or at least 32 random bytes, base64-encoded';
    case 'secret':
      return 'a client secret, or empty';
    case 'listen address':
      return 'an nginx listen address (80, 127.0.0.1:8000)';
    case 'worker processes':
      return 'a number, or auto';
    case 'file':
      return 'a file';
    case 'directory':
      return 'a directory';
    case 'host:port':
      return 'host:port';
    case 'scheme':
      return '`https`, or `http`';
    case 'nginx time':
      return 'an nginx time (5s, 2m)';
    case 'nginx size':
      return 'an nginx size (10m, 1g)';
  }
}

/** The settings the gate reads, in the order readConfig checks them (and the README lists them). */
export const GATE_SETTINGS = {
  issuer: {
    default: null,
    givenBy: 'operator',
    kind: 'realm URL',
    template: true,
    meaning:
      "The realm's issuer URL exactly as it appears in tokens' `iss`, e.g. `https://sso.example.com/realms/mlflow`. The gate derives the realm path and the Host it asks Keycloak with from it.",
  },
  resource_server: {
    default: 'mlflow-gate',
    kind: 'client id',
    template: true,
    meaning: 'Client id of the resource server (`audience` of the UMA request).',
  },
  resource_server_secret: {
    default: '',
    kind: 'secret',
    template: true,
    meaning:
      "The resource server's client secret, with which the gate registers, looks up and removes projects' Keycloak resources. It goes to Keycloak only and is never logged. Empty turns [projects](#projects) off: a request in any workspace but `default` gets 403.",
  },
  accepted_clients: {
    default: 'mlflow-cli mlflow-automation',
    kind: 'client ids',
    template: true,
    meaning: "Clients whose tokens are accepted (`azp`, or one of `aud`). Keycloak's UMA grant does not check audience, so the gate does.",
  },
  max_token_bytes: {
    default: '16384',
    kind: 'positive number',
    template: false,
    meaning: 'Larger Authorization headers get 401 without a Keycloak call.',
  },
  decision_cache: {
    default: 'on',
    kind: 'on/off',
    template: true,
    meaning: '`off` asks Keycloak on every request (nothing is stored). See [Decision cache](#decision-cache).',
  },
  cache_allow_ttl: {
    default: '30s',
    kind: 'seconds',
    template: true,
    meaning: 'How long an allow is reused; keep `proxy_cache_valid 200` equal to it (the template sets both).',
  },
  session_key: {
    default: '',
    kind: 'session key',
    template: true,
    meaning:
      'Seals the browser session cookies (`openssl rand -base64 32`). Empty turns browser login off: page loads get 401 like API calls.',
  },
  cookie_secure: {
    default: 'on',
    kind: 'on/off',
    template: true,
    meaning: '`off` drops `Secure` from the cookies, for plain-http development on a host other than localhost.',
  },
  login_client: {
    default: 'mlflow-cli',
    kind: 'client id',
    template: false,
    meaning:
      'The public client `mlflow-uma-gate login` and the browser login sign people in with (`GET /_mlflow_gate/login` tells the command).',
  },
} satisfies { readonly [name: string]: GateSetting };

export type GateSettingName = keyof typeof GATE_SETTINGS;

/** Settings of nginx itself: only nginx/nginx.conf.template has them, in directives that take no variables. */
export const NGINX_SETTINGS = {
  listen: {
    default: null,
    givenBy: 'installation',
    kind: 'listen address',
    meaning:
      "Where the gate's server listens (`listen`); with `ssl` (`443 ssl`) it serves HTTPS with the certificate an installation puts in `server.d/` (docker-compose.yml: `docker/gate/tls.conf`).",
  },
  metrics_listen: {
    default: '127.0.0.1:9145',
    kind: 'listen address',
    meaning:
      "Where the metrics server listens: `GET /metrics` in Prometheus's text format ([Metrics](#metrics)). Never the public address; the chart listens on all of the pod's addresses, for Prometheus.",
  },
  worker_processes: {
    default: 'auto',
    kind: 'worker processes',
    meaning: "NGINX's `worker_processes`.",
  },
  error_log: {
    default: null,
    givenBy: 'installation',
    kind: 'file',
    meaning: "NGINX's `error_log` (level `info`): configuration errors, Keycloak failures, missing permissions.",
  },
  access_log: {
    default: null,
    givenBy: 'installation',
    kind: 'file',
    meaning: "The `access_log` of the gate's server.",
  },
  audit_log: {
    default: null,
    givenBy: 'installation',
    kind: 'file',
    meaning: 'One JSON line per decision: see [Audit log](#audit-log).',
  },
  runtime_dir: {
    default: null,
    givenBy: 'installation',
    kind: 'directory',
    meaning: "NGINX's temp files, the decision cache and the helper server's socket; the workers must be able to write there.",
  },
  bundle_dir: {
    default: null,
    givenBy: 'installation',
    kind: 'directory',
    meaning: 'Holds the bundles `mlflow-uma-gate*.js` and `mlflow-uma-gate-routes.json` (`js_path`, `js_preload_object`).',
  },
  conf_dir: {
    default: null,
    givenBy: 'installation',
    kind: 'directory',
    meaning:
      "Holds the snippets `mlflow-uma-gate.*.conf`; in `http.d/*.conf` what an installation adds at http level, and in `server.d/*.conf` what it adds to the gate's server (nothing by default; the [metrics](#metrics) snippets for njs 0.8 and later, a TLS certificate).",
  },
  keycloak_upstream: {
    default: null,
    givenBy: 'operator',
    kind: 'host:port',
    meaning: "Keycloak's address (upstream `mlflow_gate_keycloak`), reached with `MLFLOW_GATE_KEYCLOAK_SCHEME`.",
  },
  keycloak_scheme: {
    default: 'https',
    kind: 'scheme',
    meaning:
      "How the gate reaches Keycloak. `https` verifies Keycloak's certificate against `MLFLOW_GATE_KEYCLOAK_CA_FILE` and the issuer's host name, and answers 503 when it does not verify ([Keycloak over HTTPS](#keycloak-over-https)); `http` sends tokens and secrets unencrypted: only for a Keycloak on the same host or a private network.",
  },
  keycloak_ca_file: {
    default: '/etc/ssl/certs/ca-certificates.crt',
    kind: 'file',
    meaning:
      "The CA certificates (PEM) Keycloak's certificate must chain to (`proxy_ssl_trusted_certificate`): the system's bundle (Debian, the official image), or your own CA's. NGINX loads it at start, with `http` too.",
  },
  mlflow_upstream: {
    default: null,
    givenBy: 'operator',
    kind: 'host:port',
    meaning: 'The MLflow tracking server (upstream `mlflow_gate_mlflow`); nothing but the gate may reach it.',
  },
  mlflow_connect_timeout: {
    default: '5s',
    kind: 'nginx time',
    meaning: '`proxy_connect_timeout` towards MLflow: past it, 502 in MLflow JSON.',
  },
  mlflow_read_timeout: {
    default: '300s',
    kind: 'nginx time',
    meaning: '`proxy_read_timeout` and `proxy_send_timeout` towards MLflow (long artifact transfers): past it, 504 in MLflow JSON.',
  },
  cache_deny_ttl: {
    default: '5s',
    kind: 'nginx time',
    meaning: 'How long a deny is reused (`proxy_cache_valid 403`).',
  },
  cache_zone_size: {
    default: '10m',
    kind: 'nginx size',
    meaning: "The decision cache's `keys_zone` in memory, about 8,000 decisions per megabyte.",
  },
  cache_max_size: {
    default: '100m',
    kind: 'nginx size',
    meaning: "The decision cache's `max_size` on disk; when full, NGINX evicts the least recently used decisions.",
  },
} satisfies { readonly [name: string]: Setting<NginxKind> };

/** A setting with its name and where it applies, for the README, the template defaults and the tests. */
export type NamedSetting = Setting & {
  readonly name: string;
  /** The gate reads `$mlflow_gate_<name>`. */
  readonly gate: boolean;
  /** nginx/nginx.conf.template has the placeholder `MLFLOW_GATE_<NAME>`. */
  readonly template: boolean;
};

/** Every setting: the gate's, then nginx's own. */
export function allSettings(): NamedSetting[] {
  const all: NamedSetting[] = [];
  for (const name in GATE_SETTINGS) {
    const setting: GateSetting = GATE_SETTINGS[name as GateSettingName];
    all.push({ ...setting, name, gate: true });
  }
  for (const name in NGINX_SETTINGS) {
    const setting: Setting = NGINX_SETTINGS[name as keyof typeof NGINX_SETTINGS];
    all.push({ ...setting, name, gate: false, template: true });
  }
  return all;
}

/** The template's name of a setting: the variable's name, upper-cased. */
export function templatePlaceholder(name: string): string {
  return (VARIABLE_PREFIX + name).toUpperCase();
}

/** `MLFLOW_GATE_<NAME>` → default, for every template setting that has one. */
export function templateDefaults(): { [placeholder: string]: string } {
  const defaults: { [placeholder: string]: string } = {};
  allSettings().forEach((setting) => {
    if (setting.template && setting.default !== null) defaults[templatePlaceholder(setting.name)] = setting.default;
  });
  return defaults;
}
