import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { confDir } from '../../scripts/nginx.mjs';
import { parseIssuer, readConfig } from '../../src/core/config';
import { ISSUER_URL } from '../../src/core/settings';

describe('parseIssuer', () => {
  it('takes the realm from a realm URL', () => {
    const issuer = 'https://sso.example.com/realms/mlflow';
    expect(parseIssuer(issuer)).toEqual({ url: issuer, realm: 'mlflow' });
    expect(parseIssuer('http://127.0.0.1:8080/auth/realms/m%20l')).toMatchObject({ realm: 'm l' });
  });

  it.each(['', 'sso.example.com/realms/mlflow', 'https://sso.example.com/', 'https://sso.example.com/realms/', 'https://u@sso/realms/x', 'https://sso/realms/x?y'])(
    'rejects %j',
    (issuer) => expect(parseIssuer(issuer)).toBeNull(),
  );
});

describe("nginx's Host and realm path for the Keycloak locations", () => {
  const httpConf = readFileSync(join(confDir, 'mlflow-uma-gate.http.conf'), 'utf8');
  /** The pattern and the value of `map $mlflow_gate_issuer $<variable>`, as a regular expression and a capture. */
  function issuerMap(variable: string): { pattern: RegExp; capture: number } {
    const found = new RegExp(`map \\$mlflow_gate_issuer \\$${variable} \\{\\s*"~([^"]+)" \\$(\\d);\\s*default "";\\s*\\}`).exec(httpConf);
    if (found === null) throw new Error(`no map for $${variable}`);
    return { pattern: new RegExp(found[1]), capture: Number(found[2]) };
  }
  const derived = (variable: string, issuer: string) => {
    const { pattern, capture } = issuerMap(variable);
    return pattern.exec(issuer)?.[capture] ?? '';
  };

  it('uses the pattern the gate checks issuers with', () => {
    expect(issuerMap('mlflow_gate_issuer_host').pattern.source).toBe(ISSUER_URL.source);
    expect(issuerMap('mlflow_gate_issuer_path').pattern.source).toBe(ISSUER_URL.source);
  });

  it('splits a realm URL into the Host and the realm path, and yields nothing for one the gate refuses', () => {
    expect(derived('mlflow_gate_issuer_host', 'https://sso.example.com/realms/mlflow')).toBe('sso.example.com');
    expect(derived('mlflow_gate_issuer_path', 'https://sso.example.com/realms/mlflow')).toBe('/realms/mlflow');
    expect(derived('mlflow_gate_issuer_host', 'http://127.0.0.1:8080/auth/realms/ml')).toBe('127.0.0.1:8080');
    expect(derived('mlflow_gate_issuer_path', 'http://127.0.0.1:8080/auth/realms/ml')).toBe('/auth/realms/ml');
    expect(derived('mlflow_gate_issuer_path', 'https://u@sso/realms/x')).toBe('');
  });
});

describe('readConfig', () => {
  const variables = (values: Record<string, string>) => (name: string) => values[name];

  it('fills defaults that match the shipped realm', () => {
    expect(readConfig(variables({ issuer: 'http://127.0.0.1:8080/realms/mlflow' }))).toEqual({
      ok: true,
      config: {
        bearerRealm: 'mlflow',
        resourceServer: 'mlflow-gate',
        resourceServerSecret: null,
        tokenPolicy: { issuer: 'http://127.0.0.1:8080/realms/mlflow', acceptedClients: ['mlflow-cli', 'mlflow-automation'], maxTokenLength: 16384 },
        allowLifetimeSeconds: 30,
        loginClient: 'mlflow-cli',
        sessionKey: null,
        cookieSecure: true,
      },
    });
  });

  it('turns the decision cache off only when told, and refuses other values', () => {
    const issuer = 'https://sso/realms/x';
    expect(readConfig(variables({ issuer, decision_cache: 'off' }))).toMatchObject({ ok: true, config: { allowLifetimeSeconds: null } });
    expect(readConfig(variables({ issuer, decision_cache: 'no' }))).toMatchObject({ ok: false, problem: expect.stringContaining('decision_cache') });
  });

  it('reads the allow lifetime in nginx time units, and refuses anything else', () => {
    const issuer = 'https://sso/realms/x';
    const lifetime = (cache_allow_ttl: string) => {
      const result = readConfig(variables({ issuer, cache_allow_ttl }));
      return result.ok ? result.config.allowLifetimeSeconds : result.problem;
    };
    expect([lifetime('45'), lifetime('45s'), lifetime('2m'), lifetime('1h')]).toEqual([45, 45, 120, 3600]);
    for (const bad of ['0s', '-5s', '1.5m', '30 s', '1d', 'soon']) expect(lifetime(bad)).toContain('cache_allow_ttl');
  });

  it('reads the accepted clients as a space- or comma-separated list', () => {
    const result = readConfig(variables({ issuer: 'https://sso/realms/x', accepted_clients: 'a, b  c' }));
    expect(result.ok && result.config.tokenPolicy.acceptedClients).toEqual(['a', 'b', 'c']);
  });

  it('fails closed without a usable issuer', () => {
    expect(readConfig(variables({}))).toEqual({ ok: false, problem: '$mlflow_gate_issuer is not set' });
    expect(readConfig(variables({ issuer: 'mlflow' }))).toEqual({
      ok: false,
      problem: '$mlflow_gate_issuer must be a Keycloak realm URL (https://host/realms/name)',
    });
  });

  it.each([
    ['max_token_bytes', 'lots'],
    ['max_token_bytes', '0'],
    ['cookie_secure', 'yes'],
    ['session_key', Buffer.alloc(31, 1).toString('base64')],
  ])('refuses $mlflow_gate_%s %j, naming the variable', (name, value) => {
    const result = readConfig(variables({ issuer: 'https://sso/realms/x', [name]: value }));
    expect(result).toMatchObject({ ok: false, problem: expect.stringMatching(new RegExp(`^\\$mlflow_gate_${name} must be `)) });
  });

  it('takes a session key of 32 bytes or more, and an empty one as browser login off', () => {
    const key = Buffer.alloc(32, 1).toString('base64');
    expect(readConfig(variables({ issuer: 'https://sso/realms/x', session_key: key }))).toMatchObject({ ok: true, config: { sessionKey: key } });
    expect(readConfig(variables({ issuer: 'https://sso/realms/x', session_key: '', cookie_secure: 'off' }))).toMatchObject({
      ok: true,
      config: { sessionKey: null, cookieSecure: false },
    });
  });
});
