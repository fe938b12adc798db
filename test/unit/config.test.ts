import { describe, expect, it } from 'vitest';
import { parseIssuer, readConfig } from '../../src/core/config';

describe('parseIssuer', () => {
  it('splits a realm URL into Host, realm path and realm', () => {
    expect(parseIssuer('https://sso.example.com/realms/mlflow')).toEqual({ host: 'sso.example.com', path: '/realms/mlflow', realm: 'mlflow' });
    expect(parseIssuer('http://127.0.0.1:8080/auth/realms/ml')).toEqual({ host: '127.0.0.1:8080', path: '/auth/realms/ml', realm: 'ml' });
  });

  it.each(['', 'sso.example.com/realms/mlflow', 'https://sso.example.com/', 'https://sso.example.com/realms/', 'https://u@sso/realms/x', 'https://sso/realms/x?y'])(
    'rejects %j',
    (issuer) => expect(parseIssuer(issuer)).toBeNull(),
  );
});

describe('readConfig', () => {
  const variables = (values: Record<string, string>) => (name: string) => values[name];

  it('fills defaults that match the shipped realm', () => {
    expect(readConfig(variables({ issuer: 'http://127.0.0.1:8080/realms/mlflow' }))).toEqual({
      ok: true,
      config: {
        bearerRealm: 'mlflow',
        resourceServer: 'mlflow-gate',
        tokenPolicy: { issuer: 'http://127.0.0.1:8080/realms/mlflow', acceptedClients: ['mlflow-cli', 'mlflow-automation'], maxTokenLength: 16384 },
        decisionCache: true,
      },
    });
  });

  it('turns the decision cache off only when told, and refuses other values', () => {
    const issuer = 'https://sso/realms/x';
    expect(readConfig(variables({ issuer, decision_cache: 'off' }))).toMatchObject({ ok: true, config: { decisionCache: false } });
    expect(readConfig(variables({ issuer, decision_cache: 'no' }))).toMatchObject({ ok: false, problem: expect.stringContaining('decision_cache') });
  });

  it('reads the accepted clients as a space- or comma-separated list', () => {
    const result = readConfig(variables({ issuer: 'https://sso/realms/x', accepted_clients: 'a, b  c' }));
    expect(result.ok && result.config.tokenPolicy.acceptedClients).toEqual(['a', 'b', 'c']);
  });

  it('fails closed without a usable issuer', () => {
    expect(readConfig(variables({}))).toMatchObject({ ok: false });
    expect(readConfig(variables({ issuer: 'mlflow' }))).toMatchObject({ ok: false });
    expect(readConfig(variables({ issuer: 'https://sso/realms/x', max_token_bytes: 'lots' }))).toMatchObject({ ok: false });
  });
});
